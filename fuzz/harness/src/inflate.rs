//! An independent DEFLATE decoder (RFC 1951), written from the RFC in the
//! manner of zlib's `puff.c`, to check what permessage-deflate (RFC 7692)
//! connections write and deliver without trusting their own codec.
//!
//! It follows zlib's rules where zlib is stricter or looser than RFC 1951
//! (which code sets are refused, when an error is seen) and zlib's timing:
//! output for each symbol as soon as its last bit arrives, and a stored
//! block's bytes as they arrive. A message may end inside a block (the next
//! message continues it, with context takeover): the decoder keeps the
//! input from that block's start and decodes the block again with the next
//! message, giving out only what it had not.
//!
//! zlib refuses a distance farther back than the output so far, as this
//! decoder does; one within the output but beyond the agreed window it may
//! take or refuse depending on how its output was cut, so such distances are
//! reported (`far`) rather than judged.

use std::vec::Vec;

/// RFC 7692 §7.2.2: appended to each message's payload before decompressing.
pub(super) const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// What one message decompressed to.
#[derive(Debug, Default)]
pub(super) struct Decoded {
    /// The message's output (what was given out for it).
    pub(super) data: Vec<u8>,
    /// A distance beyond the agreed window was used.
    pub(super) far: bool,
    /// The data is not valid DEFLATE (as zlib reads it).
    pub(super) corrupt: bool,
    /// The output passed the cap; decoding stopped there.
    pub(super) over: bool,
    /// The message ended at a block boundary with every bit used, or with a
    /// final block: the next message starts a block.
    pub(super) clean: bool,
}

/// One direction's decompressor, as RFC 7692 §7.2.2 runs it.
pub(super) struct Inflater {
    /// 2^window_bits: the agreed window of the peer's compressor.
    window: usize,
    /// No context takeover: a fresh stream for every message.
    reset_each: bool,
    /// The stream's output before the block in progress (its last 32 KiB).
    history: Vec<u8>,
    /// Input from the start of the block in progress, and the bits of its
    /// first byte already used.
    pending: Vec<u8>,
    pending_bit: usize,
    /// Output of the block in progress already given out.
    emitted: usize,
    /// An error or the cap ended the model: later messages cannot be predicted.
    pub(super) broken: bool,
}

/// The longest distance DEFLATE can encode: history beyond it is not needed.
const MAX_DISTANCE: usize = 32 * 1024;

enum Stop {
    /// The input ran out.
    Incomplete,
    Corrupt,
    Over,
}

impl Inflater {
    pub(super) fn new(window_bits: u8, reset_each: bool) -> Self {
        Self {
            window: 1 << window_bits,
            reset_each,
            history: Vec::new(),
            pending: Vec::new(),
            pending_bit: 0,
            emitted: 0,
            broken: false,
        }
    }

    /// Decompresses one message's payload (`complete`: all of it, so the
    /// §7.2.2 tail follows; otherwise what arrived of it) with at most `cap`
    /// bytes of output. `None` once the model is broken.
    pub(super) fn message(
        &mut self,
        payload: &[u8],
        complete: bool,
        cap: usize,
    ) -> Option<Decoded> {
        if self.broken {
            return None;
        }
        let mut input = core::mem::take(&mut self.pending);
        input.extend_from_slice(payload);
        if complete {
            input.extend_from_slice(&TAIL);
        }
        let out = core::mem::take(&mut self.history);
        let start = out.len() + self.emitted;
        let mut d = Decoder {
            input: &input,
            bit: self.pending_bit,
            out,
            start,
            cap,
            window: self.window,
            far: false,
        };
        let mut result = Decoded::default();
        // Where the block in progress started: input bit, output length.
        let mut block;
        let mut ended = false;
        let stop = loop {
            block = (d.bit, d.out.len());
            match d.block() {
                Ok(true) => {
                    // A final block ends the stream; the rest is ignored.
                    (result.clean, ended) = (true, true);
                    break None;
                }
                Ok(false) if d.bit == 8 * input.len() => {
                    result.clean = true;
                    break None;
                }
                Ok(false) => {}
                Err(stop) => break Some(stop),
            }
        };
        // A block decoded again gives its earlier output again; only what
        // follows `start` is this message's.
        assert!(d.out.len() >= start, "decoding again gave less");
        result.data = d.out[start..].to_vec();
        result.far = d.far;
        let out = d.out;
        self.pending_bit = 0;
        self.emitted = 0;
        match stop {
            Some(Stop::Corrupt) => (result.corrupt, self.broken) = (true, true),
            Some(Stop::Over) => (result.over, self.broken) = (true, true),
            Some(Stop::Incomplete) if !self.reset_each => {
                // Keep the block's input and the output before it.
                let (bit, at) = block;
                self.pending = input[bit / 8..].to_vec();
                self.pending_bit = bit % 8;
                self.emitted = out.len() - at;
                let mut out = out;
                out.truncate(at);
                self.history = keep_tail(out);
                return Some(result);
            }
            Some(Stop::Incomplete) | None => {}
        }
        // Without takeover every message starts a stream.
        if !(self.reset_each || ended || self.broken) {
            self.history = keep_tail(out);
        }
        Some(result)
    }
}

fn keep_tail(mut out: Vec<u8>) -> Vec<u8> {
    if out.len() > 2 * MAX_DISTANCE {
        out.drain(..out.len() - MAX_DISTANCE);
    }
    out
}

struct Decoder<'a> {
    input: &'a [u8],
    /// The next bit to read.
    bit: usize,
    /// The stream's output: history, then this message's.
    out: Vec<u8>,
    /// Where this message's output starts in `out`.
    start: usize,
    cap: usize,
    window: usize,
    far: bool,
}

/// A canonical Huffman code (RFC 1951 §3.2.2): symbols by code length.
struct Huffman {
    count: [u16; 16],
    symbol: Vec<u16>,
    /// The longest code length; 0 for an empty code.
    max: usize,
}

/// How a code set is, as zlib's `inflate_table` judges it.
#[derive(PartialEq, Eq)]
enum Fit {
    Complete,
    /// Incomplete (allowed for literal/length and distance codes only if
    /// their single code is one bit long) or empty.
    Incomplete,
    OverSubscribed,
}

impl Huffman {
    fn new(lengths: &[u8]) -> (Self, Fit) {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[usize::from(l)] += 1;
        }
        let max = (1..16).rev().find(|&l| count[l] > 0).unwrap_or(0);
        let mut offs = [0u16; 16];
        for l in 1..15 {
            offs[l + 1] = offs[l] + count[l];
        }
        let mut symbol = vec![0u16; lengths.len()];
        for (s, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbol[usize::from(offs[usize::from(l)])] = s as u16;
                offs[usize::from(l)] += 1;
            }
        }
        let mut left: i32 = 1;
        let mut fit = Fit::Complete;
        for &c in &count[1..] {
            left = 2 * left - i32::from(c);
            if left < 0 {
                fit = Fit::OverSubscribed;
                break;
            }
        }
        if fit == Fit::Complete && left > 0 {
            fit = Fit::Incomplete;
        }
        count[0] = 0;
        (Self { count, symbol, max }, fit)
    }

    /// Whether zlib builds a decoding table for this code (`inflate_table`):
    /// never over-subscribed; incomplete only for a single one-bit code or
    /// none at all (`codes`: the code-length code, which may not be incomplete).
    fn accepted(&self, fit: &Fit, codes: bool) -> bool {
        match fit {
            Fit::Complete => true,
            Fit::OverSubscribed => false,
            Fit::Incomplete => self.max == 0 || (!codes && self.max == 1),
        }
    }
}

const LBASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEXT: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DBASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DEXT: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order of the code-length code's lengths (RFC 1951 §3.2.7).
const ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

impl Decoder<'_> {
    fn bits(&mut self, n: u8) -> Result<u32, Stop> {
        let n = usize::from(n);
        if self.bit + n > 8 * self.input.len() {
            return Err(Stop::Incomplete);
        }
        // n <= 16: at most 23 bits from the byte the next bit is in.
        let at = self.bit / 8;
        let word = self.input[at..]
            .iter()
            .take(3)
            .rev()
            .fold(0u32, |w, &b| (w << 8) | u32::from(b));
        let v = (word >> (self.bit % 8)) & ((1 << n) - 1);
        self.bit += n;
        Ok(v)
    }

    /// One symbol; an empty code reads one bit and yields `None` (zlib's
    /// table for it), as does a bit sequence no code has.
    fn symbol(&mut self, h: &Huffman) -> Result<Option<u16>, Stop> {
        if h.max == 0 {
            self.bits(1)?;
            return Ok(None);
        }
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..=h.max {
            code |= self.bits(1)? as i32;
            let count = i32::from(h.count[len]);
            if code - count < first {
                return Ok(Some(h.symbol[(index + code - first) as usize]));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Ok(None)
    }

    fn push(&mut self, byte: u8) -> Result<(), Stop> {
        if self.room() == 0 {
            return Err(Stop::Over);
        }
        self.out.push(byte);
        Ok(())
    }

    /// Bytes that may still be written before the message passes the cap.
    fn room(&self) -> usize {
        self.start
            .saturating_add(self.cap)
            .saturating_sub(self.out.len())
    }

    /// Copies `len` bytes from `dist` back (they may overlap what they write).
    fn copy(&mut self, dist: usize, len: usize) -> Result<(), Stop> {
        let n = len.min(self.room());
        let from = self.out.len() - dist;
        let mut copied = 0;
        while copied < n {
            // What is already written of the source, doubling each time.
            let avail = (self.out.len() - from - copied).min(n - copied);
            self.out
                .extend_from_within(from + copied..from + copied + avail);
            copied += avail;
        }
        if n < len {
            return Err(Stop::Over);
        }
        Ok(())
    }

    /// Decodes one block; `Ok(true)` if it was the final one.
    fn block(&mut self) -> Result<bool, Stop> {
        let last = self.bits(1)? == 1;
        match self.bits(2)? {
            0 => self.stored()?,
            1 => {
                let mut lengths = [0u8; 288];
                lengths[..144].fill(8);
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                lengths[280..].fill(8);
                let (lencode, _) = Huffman::new(&lengths);
                let (distcode, _) = Huffman::new(&[5; 32]);
                self.codes(&lencode, &distcode)?;
            }
            2 => self.dynamic()?,
            _ => return Err(Stop::Corrupt),
        }
        Ok(last)
    }

    fn stored(&mut self) -> Result<(), Stop> {
        self.bit = self.bit.div_ceil(8) * 8;
        let len = self.bits(16)?;
        let nlen = self.bits(16)?;
        if len != !nlen & 0xFFFF {
            return Err(Stop::Corrupt);
        }
        // Bytes are given out as they arrive.
        let len = len as usize;
        let at = self.bit / 8;
        let n = len.min(self.input.len() - at).min(self.room());
        self.out.extend_from_slice(&self.input[at..at + n]);
        self.bit += 8 * n;
        match n < len {
            false => Ok(()),
            true if self.room() == 0 => Err(Stop::Over),
            true => Err(Stop::Incomplete),
        }
    }

    fn dynamic(&mut self) -> Result<(), Stop> {
        let nlen = self.bits(5)? as usize + 257;
        let ndist = self.bits(5)? as usize + 1;
        let ncode = self.bits(4)? as usize + 4;
        if nlen > 286 || ndist > 30 {
            return Err(Stop::Corrupt);
        }
        let mut lengths = [0u8; 19];
        for &i in &ORDER[..ncode] {
            lengths[i] = self.bits(3)? as u8;
        }
        let (codes, fit) = Huffman::new(&lengths);
        if !codes.accepted(&fit, true) {
            return Err(Stop::Corrupt);
        }
        let mut lengths = [0u8; 316];
        let mut have = 0;
        while have < nlen + ndist {
            // zlib reads an empty code-length code's one-bit entry as length 0.
            let sym = self.symbol(&codes)?.unwrap_or(0);
            let (len, copy) = match sym {
                0..16 => {
                    lengths[have] = sym as u8;
                    have += 1;
                    continue;
                }
                16 => {
                    let copy = 3 + self.bits(2)? as usize;
                    if have == 0 {
                        return Err(Stop::Corrupt);
                    }
                    (lengths[have - 1], copy)
                }
                17 => (0, 3 + self.bits(3)? as usize),
                _ => (0, 11 + self.bits(7)? as usize),
            };
            if have + copy > nlen + ndist {
                return Err(Stop::Corrupt);
            }
            lengths[have..have + copy].fill(len);
            have += copy;
        }
        if lengths[256] == 0 {
            return Err(Stop::Corrupt);
        }
        let (lencode, fit) = Huffman::new(&lengths[..nlen]);
        if !lencode.accepted(&fit, false) {
            return Err(Stop::Corrupt);
        }
        let (distcode, fit) = Huffman::new(&lengths[nlen..nlen + ndist]);
        if !distcode.accepted(&fit, false) {
            return Err(Stop::Corrupt);
        }
        self.codes(&lencode, &distcode)
    }

    fn codes(&mut self, lencode: &Huffman, distcode: &Huffman) -> Result<(), Stop> {
        loop {
            let sym = self.symbol(lencode)?.ok_or(Stop::Corrupt)?;
            match sym {
                0..256 => self.push(sym as u8)?,
                256 => return Ok(()),
                _ => {
                    let i = usize::from(sym - 257);
                    if i >= 29 {
                        return Err(Stop::Corrupt);
                    }
                    let len = usize::from(LBASE[i]) + self.bits(LEXT[i])? as usize;
                    let d = usize::from(self.symbol(distcode)?.ok_or(Stop::Corrupt)?);
                    if d >= 30 {
                        return Err(Stop::Corrupt);
                    }
                    let dist = usize::from(DBASE[d]) + self.bits(DEXT[d])? as usize;
                    if dist > self.out.len() {
                        return Err(Stop::Corrupt);
                    }
                    self.far |= dist > self.window;
                    self.copy(dist, len)?;
                }
            }
        }
    }
}

/// Bits written LSB first, as DEFLATE packs them.
#[derive(Default)]
pub(super) struct Bits(Vec<u8>, usize);

impl Bits {
    pub(super) fn put(&mut self, value: u32, n: usize) {
        for i in 0..n {
            if self.1.is_multiple_of(8) {
                self.0.push(0);
            }
            *self.0.last_mut().unwrap() |= ((value >> i) as u8 & 1) << (self.1 % 8);
            self.1 += 1;
        }
    }

    /// A Huffman code, most significant bit first.
    pub(super) fn code(&mut self, code: u32, n: usize) {
        for i in (0..n).rev() {
            self.put(code >> i & 1, 1);
        }
    }

    /// Ends with an empty stored block's header, as a sync flush does
    /// before RFC 7692 removes the rest.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.put(0, 3);
        self.0
    }
}

/// A permessage-deflate payload (RFC 7692 §7.2.1: the sync flush's tail
/// removed) of `count` zero bytes, `count` >= 1: a dynamic block whose
/// length 258 and distance 1 take one bit each, so 258 zeros cost two bits
/// (the most DEFLATE expands: 16 MiB in 16 KiB). Written here bit by bit,
/// so that bomb seeds need no compressor.
pub fn deflate_zeros(count: usize) -> Vec<u8> {
    assert!(count >= 1);
    let mut w = Bits::default();
    w.put(0b100, 3); // BFINAL 0, BTYPE 10
    w.put(286 - 257, 5); // HLIT: symbols 0..=285
    w.put(0, 5); // HDIST: one distance code
    w.put(18 - 4, 4); // HCLEN: code length codes up to `1` in ORDER
    // Code length code: 18 -> "0", 1 -> "10", 2 -> "11".
    for sym in &ORDER[..18] {
        w.put(
            match sym {
                18 => 1,
                1 | 2 => 2,
                _ => 0,
            },
            3,
        );
    }
    let zeros = |w: &mut Bits, mut n: u32| {
        while n > 0 {
            let run = n.min(138);
            assert!(run >= 11);
            w.code(0, 1);
            w.put(run - 11, 7);
            n -= run;
        }
    };
    // Literal/length lengths: 0 -> 2, 1..=255 -> 0, 256 -> 2, 257..=284
    // -> 0, 285 -> 1; the one distance code -> 1.
    w.code(0b11, 2);
    zeros(&mut w, 255);
    w.code(0b11, 2);
    zeros(&mut w, 28);
    w.code(0b10, 2);
    w.code(0b10, 2);
    // Codes: 285 -> "0", 0 -> "10", 256 -> "11"; distance 0 -> "0".
    w.code(0b10, 2);
    let mut left = count - 1;
    while left > 0 {
        let n = left.min(258);
        if n == 258 {
            w.code(0, 1);
            w.code(0, 1);
        } else {
            // A shorter last run: literals, two bits each.
            (0..n).for_each(|_| w.code(0b10, 2));
        }
        left -= n;
    }
    w.code(0b11, 2); // end of block
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inflate::Bits;

    fn one(i: &mut Inflater, payload: &[u8]) -> Decoded {
        i.message(payload, true, usize::MAX).unwrap()
    }

    /// RFC 7692 §7.2.3: the examples, each decoded as the RFC says.
    #[test]
    fn rfc7692_examples() {
        let mut i = Inflater::new(15, false);
        let d = one(&mut i, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        assert_eq!((d.data.as_slice(), d.clean), (&b"Hello"[..], true));
        // §7.2.3.2: the second "Hello" refers back to the first.
        let d = one(&mut i, &[0xf2, 0x00, 0x11, 0x00, 0x00]);
        assert_eq!((d.data.as_slice(), d.far), (&b"Hello"[..], false));
        // §7.2.3.3: a stored block.
        let stored = [
            0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        assert_eq!(one(&mut i, &stored).data, b"Hello");
        // §7.2.3.4: BFINAL; the stream ends, the next message starts afresh.
        let d = one(&mut i, &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]);
        assert_eq!(d.data, b"Hello");
        assert!(i.history.is_empty());
        // A back-reference now has nothing to refer to.
        assert!(one(&mut i, &[0xf2, 0x00, 0x11, 0x00, 0x00]).corrupt);
        // §7.2.3.6: an empty message.
        let mut i = Inflater::new(15, false);
        let d = one(&mut i, &[0x00]);
        assert_eq!((d.data.len(), d.clean), (0, true));
        // An empty payload is not a clean end: the tail starts a stored block.
        assert!(!one(&mut i, &[]).clean);
    }

    #[test]
    fn a_block_across_messages_is_given_out_once() {
        let msg = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        for cut in 0..=msg.len() {
            let mut i = Inflater::new(15, false);
            // Without the tail: the first part of a message, then the rest.
            let a = i.message(&msg[..cut], false, usize::MAX).unwrap();
            let b = one(&mut i, &msg[cut..]);
            assert_eq!([a.data, b.data].concat(), b"Hello", "cut {cut}");
        }
    }

    #[test]
    fn window_and_errors() {
        // "aaaa" as zlib writes it (window bits 9).
        let mut i = Inflater::new(8, true);
        let ok = one(&mut i, &[0x4a, 0x4c, 0x4c, 0x4c, 0x04, 0x00]);
        assert!(!ok.corrupt && !ok.far, "{ok:?}");
        assert_eq!(ok.data, b"aaaa");
        // A stored block of 300 bytes, then a fixed block copying 3 bytes
        // from 300 back: beyond a 256-byte window, within a 512-byte one.
        let mut far = vec![0x00, 0x2c, 0x01, 0xd3, 0xfe];
        far.extend((0..300u32).map(|i| (i * 7) as u8));
        let mut w = Bits::default();
        w.put(0b010, 3); // BFINAL 0, BTYPE 01
        w.code(0b000_0001, 7); // 257: length 3
        w.code(0b10000, 5); // distance code 16: 257 + 7 extra bits
        w.put(300 - 257, 7);
        w.code(0, 7); // end of block
        far.extend(w.finish());
        let d = one(&mut Inflater::new(8, false), &far);
        assert_eq!(
            (d.data.len(), d.far, d.corrupt, d.clean),
            (303, true, false, true)
        );
        assert_eq!(d.data[300..], d.data[..3]);
        assert!(!one(&mut Inflater::new(9, false), &far).far);
        // The same copy with nothing before it is too far back.
        assert!(one(&mut Inflater::new(15, false), &far[305..]).corrupt);
        // BTYPE 11 is reserved.
        assert!(one(&mut Inflater::new(15, false), &[0x07]).corrupt);
    }

    #[test]
    fn zeros() {
        for n in [1, 2, 3, 258, 259, 1000, 1 << 20] {
            let d = one(&mut Inflater::new(8, false), &deflate_zeros(n));
            assert!(d.clean && !d.far && !d.corrupt, "{n}");
            assert!(d.data.len() == n && d.data.iter().all(|&b| b == 0), "{n}");
        }
        assert!(deflate_zeros(16 << 20).len() < 17 * 1024);
    }
}
