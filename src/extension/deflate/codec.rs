//! The DEFLATE side of RFC 7692 §7.2: one compressor and one decompressor per
//! connection, over `zlib-rs`'s safe API, with the §7.2.1 tail handling.
//!
//! Both are allocated on first use and, without context takeover, freed after
//! each message (§7.1.1), so an idle connection holds only what takeover
//! needs.

use alloc::vec::Vec;
use core::fmt;

use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush, Status};

/// What a sync flush ends with and §7.2.1 removes; the receiver appends it
/// back (§7.2.2).
pub(crate) const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// This side's compressor.
///
/// With context takeover, the last window's worth of compressed input is
/// kept in `history` too, so that [`park`](Self::park) can free the zlib
/// state (~140 KiB in zlib-rs, whose hash table is a fixed 64 Ki entries)
/// while the connection is idle: the next message starts a new stream primed
/// with that history (`deflateSetDictionary`), which can refer to exactly
/// what the peer's window holds.
pub(crate) struct Compressor {
    /// The stream, with the last `2^window_bits` bytes compressed.
    z: Lazy<Deflate>,
    window_bits: u8,
    level: u8,
    mem_level: u8,
    /// No context takeover: a fresh stream for every message.
    reset_each: bool,
}

/// A zlib stream made on first use, with what context takeover needs to
/// make it again once [`park`](Self::park) has freed it.
struct Lazy<S> {
    stream: Option<S>,
    /// The last window of the stream's uncompressed side (takeover only).
    history: History,
    /// A message is in progress: the stream cannot be parked.
    in_message: bool,
}

impl<S> Default for Lazy<S> {
    fn default() -> Self {
        Self {
            stream: None,
            history: History::default(),
            in_message: false,
        }
    }
}

impl<S> Lazy<S> {
    /// Frees the stream between messages, keeping the history; returns
    /// whether anything was freed (nothing mid-message).
    fn park(&mut self) -> bool {
        !self.in_message && self.stream.take().is_some()
    }
}

impl<S> fmt::Debug for Lazy<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy")
            .field("allocated", &self.stream.is_some())
            .field("history", &self.history.len())
            .field("in_message", &self.in_message)
            .finish()
    }
}

impl fmt::Debug for Compressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compressor")
            .field("z", &self.z)
            .field("window_bits", &self.window_bits)
            .field("reset_each", &self.reset_each)
            .finish()
    }
}

/// The last `window` bytes of a stream, in a ring: appending costs what is
/// appended (at most one window), never a shift of what stays.
#[derive(Default)]
struct History {
    buf: Vec<u8>,
    /// Where the next byte goes once `buf` is full (the oldest byte).
    next: usize,
}

impl History {
    fn len(&self) -> usize {
        self.buf.len()
    }

    fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.next = 0;
    }

    /// Appends `data`, keeping the last `window` bytes.
    fn remember(&mut self, mut data: &[u8], window: usize) {
        if data.len() >= window {
            data = &data[data.len() - window..];
            self.buf.clear();
            self.next = 0;
        }
        if self.buf.len() < window {
            // Filling up: allocate the window once, then append.
            if self.buf.capacity() < window {
                self.buf.reserve_exact(window - self.buf.len());
            }
            let fits = data.len().min(window - self.buf.len());
            self.buf.extend_from_slice(&data[..fits]);
            data = &data[fits..];
        }
        while !data.is_empty() {
            let n = data.len().min(window - self.next);
            self.buf[self.next..self.next + n].copy_from_slice(&data[..n]);
            self.next = (self.next + n) % window;
            data = &data[n..];
        }
    }

    /// The bytes, oldest first, as one slice (copied only when wrapped).
    fn contiguous(&self) -> alloc::borrow::Cow<'_, [u8]> {
        if self.next == 0 {
            alloc::borrow::Cow::Borrowed(&self.buf)
        } else {
            let mut v = Vec::with_capacity(self.buf.len());
            v.extend_from_slice(&self.buf[self.next..]);
            v.extend_from_slice(&self.buf[..self.next]);
            alloc::borrow::Cow::Owned(v)
        }
    }
}

impl Compressor {
    /// `window_bits` must be 9..=15 (zlib makes no 8-bit windows; see
    /// `MIN_COMPRESS_WINDOW_BITS`), `level` 0..=9, `mem_level` 1..=9.
    pub(crate) fn new(window_bits: u8, level: u8, mem_level: u8, reset_each: bool) -> Self {
        Self {
            z: Lazy::default(),
            window_bits: window_bits.clamp(9, 15),
            level: level.min(9),
            mem_level: mem_level.clamp(1, 9),
            reset_each,
        }
    }

    /// Frees the zlib state between messages, keeping the history that
    /// context takeover needs; the next message rebuilds it. Returns whether
    /// anything was freed (nothing mid-message).
    pub(crate) fn park(&mut self) -> bool {
        self.z.park()
    }

    /// Whether the zlib state is allocated.
    #[cfg(test)]
    pub(crate) fn is_allocated(&self) -> bool {
        self.z.stream.is_some()
    }

    /// Compresses `data`, the next part of a message, onto the end of `out`,
    /// flushed so that the peer can decompress all of it now. With `end`, the
    /// message ends here: the sync flush's `00 00 ff ff` is removed (§7.2.1),
    /// and a message that produced nothing is the single byte `00` (§7.2.3.6).
    pub(crate) fn compress(&mut self, mut data: &[u8], end: bool, out: &mut Vec<u8>) {
        let start = out.len();
        let (bits, level, mem_level) = (self.window_bits, self.level, self.mem_level);
        let history = &self.z.history;
        let stream = self.z.stream.get_or_insert_with(|| {
            let mut stream = Deflate::new_with_config(zlib_rs::DeflateConfig {
                level: i32::from(level),
                method: zlib_rs::Method::Deflated,
                // Negative: raw DEFLATE, no zlib header (§7.2.1).
                window_bits: -i32::from(bits),
                mem_level: i32::from(mem_level),
                strategy: zlib_rs::Strategy::Default,
            });
            if !history.is_empty() {
                // Cannot fail on a fresh raw stream.
                let _ = stream.set_dictionary(&history.contiguous());
            }
            stream
        });
        if !self.reset_each {
            self.z.history.remember(data, 1 << bits);
        }
        loop {
            // Room for all of the rest at its worst, up to 256 KiB a call:
            // a call that runs out of room in the final flush makes zlib add
            // a second empty block (5 bytes) when called again, so small
            // messages get one roomy call; large ones go in bounded steps,
            // so the scratch grows with the output, not the input.
            let space = (data.len() + data.len() / 8 + 64).min(256 * 1024);
            let at = out.len();
            out.resize(at + space, 0);
            let (in0, out0) = (stream.total_in(), stream.total_out());
            let result = stream.compress(data, &mut out[at..], DeflateFlush::SyncFlush);
            let consumed = (stream.total_in() - in0) as usize;
            let produced = (stream.total_out() - out0) as usize;
            out.truncate(at + produced);
            data = &data[consumed..];
            // Done once the input is in and the flush left space unused.
            // An error cannot happen on a stream made here; stopping is the
            // answer that cannot loop.
            if result.is_err() || (data.is_empty() && produced < space) {
                break;
            }
        }
        self.z.in_message = !end;
        if end {
            if out[start..].ends_with(&TAIL) {
                out.truncate(out.len() - TAIL.len());
            }
            if out.len() == start {
                // The flush had nothing to add (the previous message ended
                // with one): an empty stored block's header byte stands in.
                out.push(0x00);
            }
            if self.reset_each {
                self.z.stream = None;
            }
        }
    }
}

/// Why a compressed message could not be decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CorruptData;

/// This side's decompressor. Like the [`Compressor`], it keeps the last
/// window of output with context takeover, so that [`park`](Self::park) can
/// free the zlib state (~46 KiB) while idle.
pub(crate) struct Decompressor {
    /// The stream, with the last `2^window_bits` bytes produced.
    z: Lazy<Inflate>,
    window_bits: u8,
    /// No context takeover by the peer: a fresh stream for every message.
    reset_each: bool,
    /// The message held a final block (BFINAL): the rest of it is ignored,
    /// and the next message starts a new stream.
    ended: bool,
    /// The data turned out invalid after some output of the same call: that
    /// output was returned, the error comes next.
    corrupt: bool,
}

impl fmt::Debug for Decompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decompressor")
            .field("z", &self.z)
            .field("window_bits", &self.window_bits)
            .field("reset_each", &self.reset_each)
            .finish()
    }
}

impl Decompressor {
    /// `window_bits` 8..=15: the peer's agreed maximum.
    pub(crate) fn new(window_bits: u8, reset_each: bool) -> Self {
        Self {
            z: Lazy::default(),
            window_bits: window_bits.clamp(8, 15),
            reset_each,
            ended: false,
            corrupt: false,
        }
    }

    /// Frees the zlib state between messages, keeping the history that
    /// context takeover needs. Returns whether anything was freed.
    pub(crate) fn park(&mut self) -> bool {
        self.z.park()
    }

    /// Whether the zlib state is allocated.
    #[cfg(test)]
    pub(crate) fn is_allocated(&self) -> bool {
        self.z.stream.is_some()
    }

    /// Decompresses from `input` into `out`; returns the bytes consumed and
    /// produced. Never writes past `out`, so the caller bounds the output of
    /// one step: a bomb costs at most one `out`.
    ///
    /// Invalid data is reported after the output decoded before it, so that
    /// the limits and the UTF-8 check see the same bytes however the input
    /// was split (otherwise one read could report 1007 where byte-by-byte
    /// reads report the 1009 that the earlier output deserved).
    pub(crate) fn inflate(
        &mut self,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, usize), CorruptData> {
        if self.corrupt {
            return Err(CorruptData);
        }
        if self.ended {
            return Ok((input.len(), 0));
        }
        self.z.in_message = true;
        let bits = self.window_bits;
        let history = &self.z.history;
        let stream = self.z.stream.get_or_insert_with(|| {
            let mut stream = Inflate::new(false, bits);
            if !history.is_empty() {
                // Cannot fail on a fresh raw stream.
                let _ = stream.set_dictionary(&history.contiguous());
            }
            stream
        });
        let (in0, out0) = (stream.total_in(), stream.total_out());
        let result = stream.decompress(input, out, InflateFlush::NoFlush);
        let consumed = (stream.total_in() - in0) as usize;
        let produced = (stream.total_out() - out0) as usize;
        if !self.reset_each {
            self.z.history.remember(&out[..produced], 1 << bits);
        }
        let status = match result {
            Ok(status) => status,
            Err(_) if produced > 0 => {
                self.corrupt = true;
                return Ok((consumed, produced));
            }
            Err(_) => return Err(CorruptData),
        };
        if status == Status::StreamEnd {
            self.ended = true;
            return Ok((input.len(), produced));
        }
        Ok((consumed, produced))
    }

    /// Whether invalid data was found after output that was returned: the
    /// next call reports it, so the message must not be taken as complete.
    pub(crate) fn is_corrupt(&self) -> bool {
        self.corrupt
    }

    /// The message is complete: free or restart the stream as agreed.
    pub(crate) fn end_message(&mut self) {
        if self.reset_each || self.ended {
            self.z.stream = None;
        }
        if self.ended {
            // A final block ends the peer's stream and its context.
            self.z.history.clear();
        }
        self.ended = false;
        self.z.in_message = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate_all(d: &mut Decompressor, payload: &[u8]) -> Vec<u8> {
        let mut input = payload.to_vec();
        input.extend_from_slice(&TAIL);
        let mut out = Vec::new();
        let mut rest = &input[..];
        let mut buf = [0u8; 7];
        loop {
            let (c, p) = d.inflate(rest, &mut buf).unwrap();
            out.extend_from_slice(&buf[..p]);
            rest = &rest[c..];
            if rest.is_empty() && p < buf.len() {
                break;
            }
        }
        d.end_message();
        out
    }

    /// RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello" twice with takeover, the
    /// second time as a back-reference.
    #[test]
    fn rfc7692_hello_examples() {
        let mut c = Compressor::new(15, 6, 8, false);
        let mut out = Vec::new();
        c.compress(b"Hello", true, &mut out);
        assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        out.clear();
        c.compress(b"Hello", true, &mut out);
        assert_eq!(out, [0xf2, 0x00, 0x11, 0x00, 0x00]);

        let mut d = Decompressor::new(15, false);
        assert_eq!(
            inflate_all(&mut d, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
            b"Hello"
        );
        assert_eq!(
            inflate_all(&mut d, &[0xf2, 0x00, 0x11, 0x00, 0x00]),
            b"Hello"
        );
    }

    /// §7.2.3.3 (a stored block), §7.2.3.4 (BFINAL set), §7.2.3.6 (empty).
    #[test]
    fn rfc7692_other_block_examples() {
        let mut d = Decompressor::new(15, false);
        let stored = [
            0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        assert_eq!(inflate_all(&mut d, &stored), b"Hello");
        let fin = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        assert_eq!(inflate_all(&mut d, &fin), b"Hello");
        assert!(!d.is_allocated(), "a final block ends the stream");
        assert_eq!(inflate_all(&mut d, &[0x00]), b"");
        let mut c = Compressor::new(15, 6, 8, false);
        let mut out = Vec::new();
        c.compress(b"", true, &mut out);
        assert_eq!(out, [0x00]);
    }

    #[test]
    fn without_takeover_each_message_stands_alone_and_frees_state() {
        let mut c = Compressor::new(9, 1, 1, true);
        let mut d = Decompressor::new(9, true);
        for _ in 0..3 {
            let mut out = Vec::new();
            c.compress(b"Hello", true, &mut out);
            assert!(!c.is_allocated());
            assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
            assert_eq!(inflate_all(&mut d, &out), b"Hello");
            assert!(!d.is_allocated());
        }
    }

    #[test]
    fn fragments_flush_and_only_the_end_drops_the_tail() {
        let mut c = Compressor::new(12, 6, 5, false);
        let mut msg = Vec::new();
        c.compress(b"abcabcabc", false, &mut msg);
        assert!(msg.ends_with(&TAIL), "a middle part is flushed whole");
        c.compress(b"", true, &mut msg);
        assert_eq!(msg.last(), Some(&0x00));
        let mut d = Decompressor::new(12, false);
        assert_eq!(inflate_all(&mut d, &msg), b"abcabcabc");
    }

    /// Parking frees the zlib state between messages and loses nothing:
    /// the next message still refers back into the previous one.
    #[test]
    fn parked_streams_resume_with_their_history() {
        let first = b"a first message that the second one repeats in full.";
        let mut alone = Vec::new();
        Compressor::new(15, 6, 5, false).compress(first, true, &mut alone);
        for bits in [9u8, 12, 15] {
            let (mut c, mut d) = (
                Compressor::new(bits, 6, 5, false),
                Decompressor::new(bits, false),
            );
            for round in 0..3 {
                let mut wire = Vec::new();
                c.compress(first, true, &mut wire);
                if round > 0 {
                    assert!(wire.len() < alone.len() / 2, "{bits}/{round}: {wire:?}");
                }
                assert_eq!(inflate_all(&mut d, &wire), first, "{bits}/{round}");
                assert!(c.park() && d.park(), "{bits}/{round}");
                assert!(!c.is_allocated() && !d.is_allocated());
            }
        }
        // Mid-message, nothing is parked.
        let mut c = Compressor::new(12, 6, 5, false);
        c.compress(b"part", false, &mut Vec::new());
        assert!(!c.park());
    }

    /// What a side limited to an 8-bit window sends (compressed with 9 bits)
    /// never refers more than 256 bytes back: a decoder that has only the
    /// last 256 bytes (its window, fed one output byte at a time so that
    /// every reference resolves from it) decodes it. A 300-byte block
    /// repeated stays out of reach, and nearer repeats are matched.
    #[test]
    fn an_8_bit_window_is_compressed_with_9_and_reaches_back_at_most_256() {
        let mut x = 7u32;
        let block: Vec<u8> = (0..300)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let mut message = block.repeat(8);
        message.extend(b"near near near near near near near near".iter());
        let mut c = Compressor::new(
            crate::extension::deflate::MIN_COMPRESS_WINDOW_BITS,
            9,
            9,
            false,
        );
        let mut wire = Vec::new();
        c.compress(&message, true, &mut wire);
        assert!(
            wire.len() > 7 * block.len(),
            "the 300-byte repeats were matched"
        );
        wire.extend_from_slice(&TAIL);
        let mut d = Inflate::new(false, 8);
        let (mut rest, mut out) = (&wire[..], Vec::new());
        let mut byte = [0u8; 1];
        while !rest.is_empty() {
            let (in0, out0) = (d.total_in(), d.total_out());
            d.decompress(rest, &mut byte, InflateFlush::NoFlush)
                .expect("within an 8-bit window");
            out.extend_from_slice(&byte[..(d.total_out() - out0) as usize]);
            rest = &rest[(d.total_in() - in0) as usize..];
            if d.total_out() == out0 && d.total_in() == in0 {
                break;
            }
        }
        assert_eq!(out, message);
    }

    proptest::proptest! {
        /// The ring holds the last `window` bytes of everything appended.
        #[test]
        fn history_is_the_last_window(
            parts in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40), 0..20),
            window in 1usize..64,
        ) {
            let mut h = History::default();
            let mut all = Vec::new();
            for p in &parts {
                h.remember(p, window);
                all.extend_from_slice(p);
                let want = &all[all.len().saturating_sub(window)..];
                proptest::prop_assert_eq!(&h.contiguous()[..], want);
                proptest::prop_assert!(h.buf.capacity() <= window.max(h.len()));
            }
        }
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let mut d = Decompressor::new(15, false);
        // BTYPE 11 is reserved (RFC 1951 §3.2.3).
        assert_eq!(d.inflate(&[0xff, 0xff], &mut [0; 16]), Err(CorruptData));
    }
}
