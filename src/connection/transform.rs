//! The seam where a per-message extension (§9; permessage-deflate, RFC 7692)
//! transforms received payloads, between the frame decoder and the events.
//!
//! ```text
//! bytes ─▶ frame decoder ─▶ payload chunk (unmasked, in the receive buffer)
//!                               │ message's first frame had the claimed RSV bit?
//!                     no ───────┴─────── yes
//!                     │                   ▼
//!                     │         Transform::step, repeatedly ─▶ output in the
//!                     │         (the chunk stays in the        Transform's buffer,
//!                     │          receive buffer until taken)   at most STEP a time
//!                     ▼                   ▼
//!          UTF-8 check (Text) ─▶ Event::Data / poll_message assembly
//! ```
//!
//! How RSV bits reach it: [`Transform::claimed_rsv`] tells the header check
//! which RSV bits are allowed, and only on a message's first frame
//! ([`accept_header`](super::state::accept_header)); the first frame's bits
//! decide whether the whole message is transformed
//! ([`InMessage::transformed`](super::state::InMessage)).
//!
//! A marked chunk is not consumed from the receive buffer when the frame
//! decoder takes it: [`Transform::begin`] records it as pending, and each
//! [`Transform::step`] takes what one bounded step of output needs, so one
//! chunk may become many events. That bounds memory whatever the input
//! expands to: a step writes at most [`STEP`] bytes, and the output counts
//! against `max_message_size` and `max_frame_size` as it is produced, so a
//! decompression bomb gets 1009 after at most one step past the limit. UTF-8
//! validation then applies to what the transform produces.
//!
//! Without a negotiated extension the transform is the identity, claims no
//! bits, and is never applied: chunks are borrowed from the receive buffer.
//! The test-only `Double` transform exercises the seam without zlib.

use alloc::vec::Vec;
use core::ops::Range;

use super::event::MessageKind;
use super::state::ChunkPlace;
#[cfg(feature = "deflate")]
use crate::error::ProtocolError;
use crate::error::{Error, LimitError};
#[cfg(feature = "deflate")]
use crate::extension::deflate::codec::{Decompressor, TAIL};

/// The most output one step writes. Also the largest `Event::Data` payload
/// of a transformed message.
pub(super) const STEP: usize = 32 * 1024;

/// RSV1 (§5.2), as [`FrameHeader::rsv`](crate::frame::FrameHeader::rsv) holds it.
pub(crate) const RSV1: u8 = 0b100;

/// The receive-side transform in force for a connection.
#[derive(Debug, Default)]
pub(super) struct Transform {
    kind: Kind,
    /// Output of the last step; events borrow from here. Grown (zeroed)
    /// once, then overwritten: its length is its usable size.
    out: Vec<u8>,
    /// Bytes produced for the message in progress, against `max_message_size`.
    produced: u64,
    /// Bytes produced for the frame in progress, against `max_frame_size`.
    frame_produced: u64,
    /// Whether an event of the message in progress was handed out.
    started: bool,
    /// The chunk being transformed, if any.
    pending: Option<Pending>,
}

#[derive(Debug, Default)]
enum Kind {
    /// No extension: claims no RSV bit, never applied.
    #[default]
    Identity,
    /// permessage-deflate: RSV1 marks a compressed message (RFC 7692 §6).
    #[cfg(feature = "deflate")]
    Deflate(Decompressor),
    /// Test only: RSV1 marks a message whose bytes are each sent once and
    /// stand for two (a stand-in for decompression, which also grows).
    #[cfg(test)]
    Double,
}

/// A chunk of a marked message that the transform has not finished.
#[derive(Debug, Clone, Copy)]
struct Pending {
    place: ChunkPlace,
    /// Its bytes at the front of the receive buffer, not yet taken.
    input_left: usize,
    /// Bytes of the §7.2.2 tail still to feed after the message's last chunk.
    tail_left: usize,
}

/// One step's result: bytes taken from the receive buffer, and the event to
/// hand out, if the step produced one.
#[derive(Debug)]
pub(super) struct Stepped {
    pub(super) consumed: usize,
    pub(super) event: Option<StepEvent>,
}

/// A data event from the transform's output.
#[derive(Debug)]
pub(super) struct StepEvent {
    pub(super) kind: MessageKind,
    pub(super) range: Range<usize>,
    pub(super) is_first: bool,
    pub(super) is_last: bool,
}

/// The limits the output counts against.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) max_message_size: usize,
    pub(super) max_frame_size: usize,
}

impl Transform {
    /// A transform that doubles every byte of messages marked with RSV1.
    #[cfg(test)]
    pub(super) fn double() -> Self {
        Self {
            kind: Kind::Double,
            ..Self::default()
        }
    }

    /// permessage-deflate's decompression.
    #[cfg(feature = "deflate")]
    pub(super) fn deflate(decompressor: Decompressor) -> Self {
        Self {
            kind: Kind::Deflate(decompressor),
            ..Self::default()
        }
    }

    /// The RSV bits the extension uses; others fail the connection (§5.2).
    #[inline]
    pub(super) fn claimed_rsv(&self) -> u8 {
        match self.kind {
            Kind::Identity => 0,
            #[cfg(feature = "deflate")]
            Kind::Deflate(_) => RSV1,
            #[cfg(test)]
            Kind::Double => RSV1,
        }
    }

    /// Whether a chunk is being transformed: [`step`](Self::step) before
    /// anything else is read.
    #[inline]
    pub(super) fn pending_input(&self) -> Option<usize> {
        self.pending.map(|p| p.input_left)
    }

    /// Starts on a chunk of a marked message: its `n` bytes are at the front
    /// of the receive buffer, and stay there until steps take them.
    pub(super) fn begin(&mut self, n: usize, place: ChunkPlace) {
        self.pending = Some(Pending {
            place,
            input_left: n,
            tail_left: if place.is_last { TAIL_LEN } else { 0 },
        });
    }

    /// Forgets the message in progress (the connection failed or closed).
    pub(super) fn abort(&mut self) {
        self.pending = None;
        self.started = false;
        self.produced = 0;
        self.frame_produced = 0;
    }

    /// Transforms the next part of the pending chunk, whose untaken bytes
    /// start `input`. One step writes at most [`STEP`] bytes.
    pub(super) fn step(&mut self, input: &[u8], limits: Limits) -> Result<Stepped, Error> {
        let Some(mut p) = self.pending else {
            return Ok(Stepped {
                consumed: 0,
                event: None,
            });
        };
        let input = &input[..p.input_left.min(input.len())];
        // Size the buffer by what the input is likely to become, so a small
        // message does not cost a full step of zeroing.
        // (Draining output or feeding the tail: as much as the buffer holds.)
        let want = if input.is_empty() {
            self.out.len().clamp(1024, STEP)
        } else {
            input.len().saturating_mul(4).clamp(1024, STEP)
        };
        if self.out.len() < want {
            self.out.resize(want, 0);
        }
        let out = &mut self.out[..want];
        // Set when the step's output came before an error still to report:
        // the chunk is then not done, so the next step reports it.
        #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
        let mut error_next = false;
        let (consumed, produced) = match &mut self.kind {
            // Nothing is ever marked for the identity.
            Kind::Identity => {
                let _ = out;
                p.tail_left = 0;
                (input.len(), 0)
            }
            #[cfg(feature = "deflate")]
            Kind::Deflate(d) => {
                let corrupt = |_| Error::from(ProtocolError::InvalidCompressedData);
                let stepped = if !input.is_empty() {
                    let (c, o) = d.inflate(input, out).map_err(corrupt)?;
                    if c == 0 && o == 0 {
                        // No progress with input and room: cannot happen on
                        // valid data; refusing it is what cannot loop.
                        return Err(ProtocolError::InvalidCompressedData.into());
                    }
                    (c, o)
                } else if p.tail_left > 0 {
                    let tail = &TAIL[TAIL_LEN - p.tail_left..];
                    let (c, o) = d.inflate(tail, out).map_err(corrupt)?;
                    p.tail_left = if c == 0 && o == 0 { 0 } else { p.tail_left - c };
                    (0, o)
                } else {
                    // Output the decompressor still holds from the last step.
                    let (_, o) = d.inflate(&[], out).map_err(corrupt)?;
                    (0, o)
                };
                error_next = d.is_corrupt();
                stepped
            }
            #[cfg(test)]
            Kind::Double => {
                p.tail_left = 0;
                let n = input.len().min(want / 2);
                for (i, &b) in input[..n].iter().enumerate() {
                    out[2 * i] = b;
                    out[2 * i + 1] = b;
                }
                (n, 2 * n)
            }
        };
        p.input_left -= consumed;
        let output_full = produced == want;
        let done = p.input_left == 0 && p.tail_left == 0 && !output_full && !error_next;

        self.produced += produced as u64;
        self.frame_produced += produced as u64;
        if self.produced > limits.max_message_size as u64 {
            return Err(LimitError::MessageTooLarge {
                limit: limits.max_message_size,
            }
            .into());
        }
        if self.frame_produced > limits.max_frame_size as u64 {
            return Err(LimitError::DecompressedFrameTooLarge {
                limit: limits.max_frame_size,
            }
            .into());
        }

        let is_last = done && p.place.is_last;
        let event = (produced > 0 || is_last).then(|| {
            let is_first = !self.started;
            self.started = !is_last;
            StepEvent {
                kind: p.place.kind,
                range: 0..produced,
                is_first,
                is_last,
            }
        });
        if done {
            self.pending = None;
            if p.place.frame_rest == 0 {
                self.frame_produced = 0;
            }
            if p.place.is_last {
                self.produced = 0;
                #[cfg(feature = "deflate")]
                if let Kind::Deflate(d) = &mut self.kind {
                    d.end_message();
                }
            }
        } else {
            self.pending = Some(p);
        }
        Ok(Stepped { consumed, event })
    }

    /// The transformed bytes of the last step.
    #[inline]
    pub(super) fn output(&self) -> &[u8] {
        &self.out
    }

    pub(super) fn capacity(&self) -> usize {
        self.out.capacity()
    }

    /// Releases the output buffer (between steps; it grows back on use).
    pub(super) fn release(&mut self) {
        self.out = Vec::new();
    }

    /// Frees the decompressor's zlib state if no message is in progress
    /// (see `Decompressor::park`).
    pub(super) fn park(&mut self) {
        #[cfg(feature = "deflate")]
        if let Kind::Deflate(d) = &mut self.kind {
            if self.pending.is_none() && !self.started {
                d.park();
            }
        }
    }

    /// Whether the decompressor holds zlib state (for tests).
    #[cfg(all(test, feature = "deflate"))]
    pub(super) fn is_decompressor_allocated(&self) -> bool {
        matches!(&self.kind, Kind::Deflate(d) if d.is_allocated())
    }
}

/// The length of RFC 7692's `00 00 ff ff` tail.
const TAIL_LEN: usize = 4;
