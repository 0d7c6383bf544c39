//! Incremental UTF-8 validation across chunks and fragments (RFC 6455 §5.6, §8.1).
//!
//! A Text message may be split at any byte, so a code point can straddle two
//! chunks. The validator validates each chunk in bulk up to its last complete
//! code point and carries at most three bytes of an unfinished code point to
//! the next chunk. It fails as soon as a sequence is invalid, including an
//! unfinished one that can no longer become valid (for example `0xF5`, or
//! `0xE0 0x80`), rather than only at the end of the message.

use core::str;

/// Validates a whole buffer as UTF-8, with SIMD when the `simd-utf8` feature is on.
///
/// Only says valid or not; the incremental validator below works out where an
/// unfinished code point starts itself, so it needs no error position.
pub(crate) fn validate(bytes: &[u8]) -> Result<&str, InvalidUtf8> {
    #[cfg(feature = "simd-utf8")]
    let result = simdutf8::basic::from_utf8(bytes).map_err(|_| InvalidUtf8);
    #[cfg(not(feature = "simd-utf8"))]
    let result = str::from_utf8(bytes).map_err(|_| InvalidUtf8);
    result
}

/// The error for bytes that are not, and cannot become, valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

/// State carried between chunks: the bytes of an unfinished code point.
#[derive(Debug, Clone, Default)]
pub(crate) struct Utf8Validator {
    carry: [u8; 4],
    carry_len: usize,
}

/// The length of the sequence a byte starts; 1 for ASCII and for bytes that
/// cannot start a sequence (the bulk validator then reports them).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// Where a trailing unfinished code point starts, or `data.len()` if there is none.
fn unfinished_tail_start(data: &[u8]) -> usize {
    let n = data.len();
    for back in 1..=n.min(3) {
        let b = data[n - back];
        if b & 0xC0 != 0x80 {
            return if sequence_len(b) > back { n - back } else { n };
        }
    }
    n
}

impl Utf8Validator {
    /// Validates the next chunk, passing each validated piece of text to `sink`.
    ///
    /// `sink` sees the text in order, each piece whole code points; the bytes of
    /// a code point split across chunks are passed once it is complete.
    pub(crate) fn feed(
        &mut self,
        mut data: &[u8],
        mut sink: impl FnMut(&str),
    ) -> Result<(), InvalidUtf8> {
        if self.carry_len > 0 {
            let need = sequence_len(self.carry[0]) - self.carry_len;
            let take = need.min(data.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            self.carry_len += take;
            data = &data[take..];
            match str::from_utf8(&self.carry[..self.carry_len]) {
                Ok(s) => {
                    sink(s);
                    self.carry_len = 0;
                }
                Err(e) if e.error_len().is_none() => return Ok(()),
                Err(_) => return Err(InvalidUtf8),
            }
        }
        let cut = unfinished_tail_start(data);
        let (whole, tail) = data.split_at(cut);
        let text = validate(whole)?;
        if !text.is_empty() {
            sink(text);
        }
        if !tail.is_empty() {
            // By construction the tail is shorter than the sequence its lead byte
            // starts; it must still be a prefix that can become valid.
            match str::from_utf8(tail) {
                Err(e) if e.error_len().is_none() => {
                    self.carry[..tail.len()].copy_from_slice(tail);
                    self.carry_len = tail.len();
                }
                _ => return Err(InvalidUtf8),
            }
        }
        Ok(())
    }

    /// Validates a chunk of a message, and on its last chunk ends the message.
    pub(crate) fn feed_chunk(
        &mut self,
        data: &[u8],
        is_last: bool,
        sink: impl FnMut(&str),
    ) -> Result<(), InvalidUtf8> {
        self.feed(data, sink)?;
        if is_last { self.finish() } else { Ok(()) }
    }

    /// Ends the message: an unfinished code point at the end is invalid.
    pub(crate) fn finish(&mut self) -> Result<(), InvalidUtf8> {
        let unfinished = self.carry_len != 0;
        self.carry_len = 0;
        if unfinished { Err(InvalidUtf8) } else { Ok(()) }
    }

    /// Forgets any carried bytes (when a message is abandoned).
    pub(crate) fn reset(&mut self) {
        self.carry_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn feed_split(data: &[u8], cuts: &[usize]) -> Result<String, usize> {
        let mut v = Utf8Validator::default();
        let mut out = String::new();
        let mut start = 0;
        for (i, &end) in cuts.iter().chain([data.len()].iter()).enumerate() {
            v.feed(&data[start..end], |s| out.push_str(s))
                .map_err(|_| i)?;
            start = end;
        }
        v.finish().map_err(|_| usize::MAX)?;
        Ok(out)
    }

    #[test]
    fn code_point_split_across_chunks_is_valid() {
        let text = "κόσμε 🎉";
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            assert_eq!(
                feed_split(bytes, &[cut]).as_deref(),
                Ok(text),
                "cut at {cut}"
            );
        }
        // one byte at a time
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(feed_split(bytes, &cuts).as_deref(), Ok(text));
    }

    #[test]
    fn fails_fast_on_impossible_prefixes() {
        // Autobahn 6.4.x: the invalid byte is followed by more data, but must fail at once.
        for bad in [
            &b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90"[..],
            b"\xf5",
            b"\xe0\x80",
            b"\xed\xa0",
            b"\xc0",
        ] {
            let mut v = Utf8Validator::default();
            assert_eq!(v.feed(bad, |_| {}), Err(InvalidUtf8), "{bad:x?}");
        }
        // A valid prefix waits for more.
        let mut v = Utf8Validator::default();
        assert_eq!(v.feed(b"ab\xf0\x9f", |_| {}), Ok(()));
        assert_eq!(v.feed(b"\x8e", |_| {}), Ok(()));
        assert_eq!(v.feed(b"\x41", |_| {}), Err(InvalidUtf8));
        // An unfinished code point at the end of the message is invalid.
        let mut v = Utf8Validator::default();
        v.feed(b"\xe2\x82", |_| {}).unwrap();
        assert_eq!(v.finish(), Err(InvalidUtf8));
    }

    proptest! {
        #[test]
        fn agrees_with_std_for_any_split(
            data in proptest::collection::vec(prop_oneof![any::<u8>(), Just(0x80u8), Just(0xE2), Just(0xF0)], 0..64),
            mut cuts in proptest::collection::vec(0usize..64, 0..5),
        ) {
            for c in &mut cuts { *c = (*c).min(data.len()); }
            cuts.sort_unstable();
            let expected = str::from_utf8(&data).ok();
            let got = feed_split(&data, &cuts).ok();
            prop_assert_eq!(got.as_deref(), expected);
        }

        #[test]
        fn valid_text_passes_any_split(text in "\\PC{0,40}", mut cuts in proptest::collection::vec(0usize..200, 0..6)) {
            let bytes = text.as_bytes();
            for c in &mut cuts { *c = (*c).min(bytes.len()); }
            cuts.sort_unstable();
            prop_assert_eq!(feed_split(bytes, &cuts), Ok(text.clone()));
        }
    }
}
