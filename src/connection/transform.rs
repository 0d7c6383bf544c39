//! The seam where a per-message extension (§9; permessage-deflate, RFC 7692)
//! transforms received payloads, between the frame decoder and the events.
//!
//! ```text
//! bytes ─▶ frame decoder ─▶ payload chunk (unmasked, in the receive buffer)
//!                               │ message's first frame had the claimed RSV bit?
//!                     no ───────┴─────── yes
//!                     │                   ▼
//!                     │         Transform::apply ─▶ chunk in Transform's buffer
//!                     ▼                   ▼
//!          UTF-8 check (Text) ─▶ Event::Data / poll_message assembly
//! ```
//!
//! How RSV bits reach it: [`Transform::claimed_rsv`] tells the header check
//! which RSV bits are allowed, and only on a message's first frame
//! ([`accept_header`](super::state::accept_header)); the first frame's bits
//! decide whether the whole message is transformed
//! ([`InMessage::transformed`](super::state::InMessage)). UTF-8 validation
//! and `max_message_size` then apply to what the transform produces, so a
//! compressed message cannot grow past the limit (a decompression bomb gets
//! 1009 after at most one step's output over it).
//!
//! Without a negotiated extension the transform is the identity, claims no
//! bits, and is never applied: chunks are borrowed from the receive buffer.
//! The only other transform today is a test one (`Double`), which proves
//! the seam end to end until permessage-deflate takes its place.

use alloc::vec::Vec;
use core::ops::Range;

use crate::error::{Error, LimitError};

/// The receive-side transform in force for a connection.
#[derive(Debug, Default)]
pub(super) struct Transform {
    kind: Kind,
    /// What the last chunk became; events borrow from here.
    out: Vec<u8>,
    /// Bytes produced for the message in progress, against `max_message_size`.
    produced: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No extension: claims no RSV bit, never applied.
    #[default]
    Identity,
    /// Test only: RSV1 marks a message whose bytes are each sent once and
    /// stand for two (a stand-in for decompression, which also grows).
    #[cfg(test)]
    Double,
}

/// RSV1 (§5.2), as [`FrameHeader::rsv`](crate::frame::FrameHeader::rsv) holds it.
#[cfg(test)]
pub(super) const RSV1: u8 = 0b100;

impl Transform {
    /// A transform that doubles every byte of messages marked with RSV1.
    #[cfg(test)]
    pub(super) fn double() -> Self {
        Self {
            kind: Kind::Double,
            ..Self::default()
        }
    }

    /// The RSV bits the extension uses; others fail the connection (§5.2).
    #[inline]
    pub(super) fn claimed_rsv(&self) -> u8 {
        match self.kind {
            Kind::Identity => 0,
            #[cfg(test)]
            Kind::Double => RSV1,
        }
    }

    /// Transforms one chunk of a message marked for it; returns where the
    /// result is in [`output`](Self::output). `is_first` starts the count
    /// against `max_message_size`.
    pub(super) fn apply(
        &mut self,
        chunk: &[u8],
        is_first: bool,
        max_message_size: usize,
    ) -> Result<Range<usize>, Error> {
        if is_first {
            self.produced = 0;
        }
        self.out.clear();
        match self.kind {
            // `transformed` is never set without a claimed bit.
            Kind::Identity => self.out.extend_from_slice(chunk),
            #[cfg(test)]
            Kind::Double => self.out.extend(chunk.iter().flat_map(|&b| [b, b])),
        }
        self.produced += self.out.len() as u64;
        if self.produced > max_message_size as u64 {
            return Err(LimitError::MessageTooLarge {
                limit: max_message_size,
            }
            .into());
        }
        Ok(0..self.out.len())
    }

    /// The transformed bytes of the last chunk.
    #[inline]
    pub(super) fn output(&self) -> &[u8] {
        &self.out
    }

    pub(super) fn capacity(&self) -> usize {
        self.out.capacity()
    }

    /// Releases the output buffer (between messages).
    pub(super) fn release(&mut self) {
        self.out = Vec::new();
    }
}
