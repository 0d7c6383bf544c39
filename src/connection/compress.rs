//! The send side of a per-message extension: permessage-deflate's
//! compression of outgoing data messages (RFC 7692 §6, §7.2.1).
//!
//! A whole message is compressed at once into `scratch`, then framed (and
//! split by `fragment_size`) with RSV1 on its first frame only; a streamed
//! message is compressed fragment by fragment, each flushed so that the peer
//! can decompress it on arrival. Control frames never pass here (§6.1).

use alloc::vec::Vec;

#[cfg(feature = "deflate")]
use crate::extension::deflate::codec::Compressor;

/// Outgoing compression, if negotiated.
#[derive(Debug, Default)]
pub(super) struct Compress {
    #[cfg(feature = "deflate")]
    deflate: Option<Deflating>,
    /// Compressed bytes of the message being framed.
    scratch: Vec<u8>,
}

#[cfg(feature = "deflate")]
#[derive(Debug)]
struct Deflating {
    compressor: Compressor,
    /// Messages shorter than this go uncompressed (streamed ones never).
    threshold: usize,
}

impl Compress {
    /// Compresses every message of at least `threshold` bytes.
    #[cfg(feature = "deflate")]
    pub(super) fn deflate(compressor: Compressor, threshold: usize) -> Self {
        Self {
            deflate: Some(Deflating {
                compressor,
                threshold,
            }),
            ..Self::default()
        }
    }

    /// A whole message's payload as it goes on the wire, and whether it is
    /// compressed (RSV1 on its first frame).
    #[inline]
    pub(super) fn message<'a>(&'a mut self, data: &'a [u8]) -> (&'a [u8], bool) {
        #[cfg(feature = "deflate")]
        if let Some(d) = &mut self.deflate {
            if data.len() >= d.threshold {
                self.scratch.clear();
                d.compressor.compress(data, true, &mut self.scratch);
                return (&self.scratch, true);
            }
        }
        (data, false)
    }

    /// One fragment of a streamed message as it goes on the wire, and
    /// whether it is compressed: with the extension, every streamed message
    /// is (its length is not known up front, so the threshold cannot apply).
    pub(super) fn fragment<'a>(&'a mut self, data: &'a [u8], is_last: bool) -> (&'a [u8], bool) {
        #[cfg(feature = "deflate")]
        if let Some(d) = &mut self.deflate {
            self.scratch.clear();
            d.compressor.compress(data, is_last, &mut self.scratch);
            return (&self.scratch, true);
        }
        let _ = is_last;
        (data, false)
    }

    pub(super) fn capacity(&self) -> usize {
        self.scratch.capacity()
    }

    /// Releases the scratch buffer (it holds nothing between calls).
    pub(super) fn release(&mut self) {
        self.scratch = Vec::new();
    }

    /// Frees the compressor's zlib state between messages (see
    /// `Compressor::park`).
    pub(super) fn park(&mut self) {
        #[cfg(feature = "deflate")]
        if let Some(d) = &mut self.deflate {
            d.compressor.park();
        }
    }

    /// Whether the compressor holds zlib state (for tests).
    #[cfg(all(test, feature = "deflate"))]
    pub(super) fn is_compressor_allocated(&self) -> bool {
        self.deflate
            .as_ref()
            .is_some_and(|d| d.compressor.is_allocated())
    }
}
