//! The payload half of the frame decoder (§5.2, §5.3): where a frame's payload
//! stands, and unmasking its bytes in place as they arrive.
//!
//! With [`FrameHeader::decode`] this is the whole frame decoder, in the shape
//! of httparse: bytes in; a header, or a payload chunk, out; plus how many
//! bytes were used. Needing more bytes is a normal outcome, never an error.
//! It keeps no buffer and knows nothing of messages, limits or roles; the
//! connection decides what a header means and where its chunks go.
//!
//! ```
//! use rfc6455::frame::{FrameHeader, HeaderStatus, Payload};
//!
//! // The masked "Hello" of §5.7, arriving in two reads.
//! let mut wire = *b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
//! let HeaderStatus::Complete(header, used) = FrameHeader::decode(&wire).unwrap() else {
//!     unreachable!()
//! };
//! let mut payload = Payload::new(header);
//! let (first, rest) = wire[used..].split_at_mut(2);
//! assert_eq!(payload.unmask_next(first), 2);
//! assert_eq!(first, b"He");
//! assert_eq!(payload.unmask_next(rest), 3);
//! assert_eq!(rest, b"llo");
//! assert!(payload.is_complete());
//! ```

use super::header::FrameHeader;
use super::mask::apply_mask;

/// A frame whose header has been decoded, and how much of its payload has been
/// taken: the cursor that unmasks the payload chunk by chunk (§5.3: the masking
/// key repeats every four bytes from the payload's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    header: FrameHeader,
    /// Payload bytes taken so far: the masking offset of the next one.
    done: u64,
}

impl Payload {
    /// The cursor at the start of `header`'s payload.
    #[inline]
    pub const fn new(header: FrameHeader) -> Self {
        Self { header, done: 0 }
    }

    /// The frame's header.
    #[inline]
    pub const fn header(&self) -> &FrameHeader {
        &self.header
    }

    /// Payload bytes taken so far.
    #[inline]
    pub const fn taken(&self) -> u64 {
        self.done
    }

    /// Payload bytes not taken yet.
    #[inline]
    pub const fn remaining(&self) -> u64 {
        self.header.payload_len - self.done
    }

    /// Whether every payload byte has been taken (at once for an empty payload).
    #[inline]
    pub const fn is_complete(&self) -> bool {
        self.done == self.header.payload_len
    }

    /// Takes the next payload bytes from the start of `buf`: as many as are
    /// there, up to the end of the frame. Unmasks them in place and returns
    /// how many were taken; the bytes after them belong to the next frame.
    #[inline]
    pub fn unmask_next(&mut self, buf: &mut [u8]) -> usize {
        // At most `buf.len()`, so the conversion back to usize is lossless.
        let n = self.remaining().min(buf.len() as u64) as usize;
        if let Some(key) = self.header.mask {
            apply_mask(&mut buf[..n], key, self.done);
        }
        self.done += n as u64;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::OpCode;

    fn header(len: u64, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode: OpCode::Binary,
            mask,
            payload_len: len,
        }
    }

    #[test]
    fn stops_at_the_frame_end() {
        let mut p = Payload::new(header(3, None));
        let mut buf = *b"abcdef";
        assert_eq!(p.unmask_next(&mut buf), 3);
        assert!(p.is_complete());
        assert_eq!(p.unmask_next(&mut buf[3..]), 0);
        assert_eq!(&buf, b"abcdef");
    }

    #[test]
    fn empty_payload_is_complete_at_once() {
        let p = Payload::new(header(0, Some([1, 2, 3, 4])));
        assert!(p.is_complete());
        assert_eq!(p.remaining(), 0);
    }

    proptest::proptest! {
        #[test]
        fn any_split_unmasks_like_one_pass(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            key in proptest::prelude::any::<[u8; 4]>(),
            cuts in proptest::collection::vec(0usize..300, 0..8),
        ) {
            let mut whole = data.clone();
            apply_mask(&mut whole, key, 0);
            let mut p = Payload::new(header(data.len() as u64, Some(key)));
            let mut pieces = data.clone();
            let mut cuts: alloc::vec::Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.push(data.len());
            cuts.sort_unstable();
            let mut at = 0;
            for cut in cuts {
                let n = p.unmask_next(&mut pieces[at..cut]);
                proptest::prop_assert_eq!(n, cut - at);
                at = cut;
            }
            proptest::prop_assert!(p.is_complete());
            proptest::prop_assert_eq!(pieces, whole);
        }
    }
}
