//! Shared helpers for the benchmarks: deterministic payloads, a client-frame
//! encoder written independently of the crate, in-memory streams for
//! tungstenite and fastwebsockets, and the "ideal" reference routines.
//!
//! Each bench binary includes this with `mod common;` and uses only part of it.
#![allow(dead_code)]

use std::cell::Cell;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A small deterministic PRNG (xorshift64*), so runs compare the same bytes.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn key(&mut self) -> [u8; 4] {
        (self.next_u64() as u32).to_le_bytes()
    }
}

/// What a payload contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Random bytes, sent as Binary.
    Binary,
    /// UTF-8 text where about 10% of the characters are multi-byte (2, 3 or 4 bytes).
    TextMixed,
    /// Printable ASCII text.
    TextAscii,
}

impl Kind {
    pub(crate) fn is_text(self) -> bool {
        self != Self::Binary
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Binary => "binary",
            Self::TextMixed => "text_mb10",
            Self::TextAscii => "text_ascii",
        }
    }
}

/// A payload of exactly `len` bytes of the given kind (valid UTF-8 for text kinds).
pub(crate) fn payload(kind: Kind, len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len);
    match kind {
        Kind::Binary => {
            while out.len() < len {
                out.extend_from_slice(&rng.next_u64().to_le_bytes());
            }
            out.truncate(len);
        }
        Kind::TextAscii | Kind::TextMixed => {
            const MULTI: [char; 6] = ['é', 'ж', 'ß', '€', '中', '😀'];
            let mut buf = [0u8; 4];
            while out.len() < len {
                let r = rng.next_u64();
                let room = len - out.len();
                let c = if kind == Kind::TextMixed && r % 10 == 0 {
                    MULTI[((r >> 8) % MULTI.len() as u64) as usize]
                } else {
                    // Letters, digits, space and punctuation.
                    char::from(b' ' + ((r >> 16) % 95) as u8)
                };
                let s = if c.len_utf8() <= room {
                    c.encode_utf8(&mut buf)
                } else {
                    "x"
                };
                out.extend_from_slice(s.as_bytes());
            }
            debug_assert!(std::str::from_utf8(&out).is_ok());
        }
    }
    out
}

/// Words for [`json_text`]: common English words first, then API-ish ones,
/// picked with a bias towards the front (as word frequencies are).
const WORDS: [&str; 64] = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "this",
    "are",
    "or",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "message",
    "server",
    "client",
    "window",
    "frame",
    "socket",
    "order",
    "price",
    "status",
    "update",
    "stream",
    "channel",
    "account",
    "balance",
    "shipped",
    "pending",
    "quantity",
    "warehouse",
    "invoice",
    "customer",
];

/// Event types for [`json_text`].
const EVENTS: [&str; 8] = [
    "click",
    "view",
    "purchase",
    "login",
    "logout",
    "search",
    "add_to_cart",
    "refund",
];

/// A word, with the front of [`WORDS`] more likely (product of two uniforms).
fn word(rng: &mut Rng) -> &'static str {
    let r = rng.next_u64();
    WORDS[((r % 64) * ((r >> 8) % 64) / 64) as usize]
}

/// JSON-ish text of exactly `len` bytes (ASCII), the same for the same
/// `seed`: an array of event records such as
/// `{"id":1043,"type":"purchase","user":"user_2177","ts":1700000012345,
/// "amount":731.52,"tags":["order","status"],"text":"the price of the ..."}`,
/// with numbers and 5–24 words of English-ish text drawn from `seed`, cut at
/// `len`. Compresses about 3–4× with DEFLATE: repeated keys and words, varied
/// numbers.
pub(crate) fn json_text(len: usize, seed: u64) -> String {
    use std::fmt::Write as _;
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(len + 512);
    out.push('[');
    let mut id = seed % 100_000;
    let mut ts = 1_700_000_000_000 + rng.next_u64() % 1_000_000_000;
    while out.len() < len {
        if out.len() > 1 {
            out.push(',');
        }
        id += 1;
        ts += rng.next_u64() % 5_000;
        let event = EVENTS[(rng.next_u64() % EVENTS.len() as u64) as usize];
        let user = rng.next_u64() % 5_000;
        let amount = rng.next_u64() % 100_000;
        write!(
            out,
            r#"{{"id":{id},"type":"{event}","user":"user_{user}","ts":{ts},"amount":{}.{:02},"tags":["{}","{}"],"text":""#,
            amount / 100,
            amount % 100,
            word(&mut rng),
            word(&mut rng),
        )
        .unwrap();
        let words = 5 + rng.next_u64() % 20;
        for i in 0..words {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word(&mut rng));
        }
        out.push_str("\"}");
    }
    out.truncate(len);
    out
}

/// Appends one frame with a minimal header; masked with `key` if given.
pub(crate) fn push_frame(
    wire: &mut Vec<u8>,
    fin: bool,
    opcode: u8,
    key: Option<[u8; 4]>,
    data: &[u8],
) {
    wire.push(u8::from(fin) << 7 | opcode);
    let mask_bit = if key.is_some() { 0x80 } else { 0 };
    let len = data.len();
    if len < 126 {
        wire.push(mask_bit | len as u8);
    } else if let Ok(l) = u16::try_from(len) {
        wire.push(mask_bit | 126);
        wire.extend_from_slice(&l.to_be_bytes());
    } else {
        wire.push(mask_bit | 127);
        wire.extend_from_slice(&(len as u64).to_be_bytes());
    }
    let start = wire.len();
    match key {
        Some(k) => {
            wire.extend_from_slice(&k);
            wire.extend(data.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => wire.extend_from_slice(data),
    }
    debug_assert!(wire.len() > start);
}

/// A decode workload: `count` copies of one message (each frame with its own
/// key), encoded as masked client frames, each message split into `fragments`
/// frames.
#[derive(Debug)]
pub(crate) struct Workload {
    pub(crate) kind: Kind,
    pub(crate) size: usize,
    pub(crate) fragments: usize,
    pub(crate) count: usize,
    /// The unmasked payload of every message.
    pub(crate) payload: Vec<u8>,
    /// The masked frames of all `count` messages, back to back.
    pub(crate) wire: Vec<u8>,
}

impl Workload {
    /// About `batch_bytes` of payload in messages of `size` bytes (at least `min_count` messages).
    pub(crate) fn new(
        kind: Kind,
        size: usize,
        fragments: usize,
        batch_bytes: usize,
        min_count: usize,
    ) -> Self {
        let count = (batch_bytes / size.max(1)).max(min_count);
        let payload = payload(kind, size, 0x5EED ^ size as u64);
        let mut rng = Rng::new(0xC0FFEE);
        let opcode = if kind.is_text() { 1 } else { 2 };
        let frag_len = size.div_ceil(fragments).max(1);
        let mut wire = Vec::with_capacity(count * (size + 14 * fragments));
        for _ in 0..count {
            let mut chunks = payload.chunks(frag_len).peekable();
            let mut op = opcode;
            if payload.is_empty() {
                push_frame(&mut wire, true, op, Some(rng.key()), &[]);
            }
            while let Some(chunk) = chunks.next() {
                push_frame(
                    &mut wire,
                    chunks.peek().is_none(),
                    op,
                    Some(rng.key()),
                    chunk,
                );
                op = 0;
            }
        }
        Self {
            kind,
            size,
            fragments,
            count,
            payload,
            wire,
        }
    }

    /// Total payload bytes per pass over the workload.
    pub(crate) fn payload_bytes(&self) -> u64 {
        (self.size * self.count) as u64
    }
}

/// The fastest safe way to produce an unmasked copy: one pass reading the
/// masked input and writing `input ^ key` to `out` (8 bytes at a time, which
/// the compiler vectorises).
pub(crate) fn xor_copy(out: &mut Vec<u8>, input: &[u8], key: [u8; 4], offset: usize) {
    let mut k = key;
    k.rotate_left(offset % 4);
    let k8 = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let start = out.len();
    out.resize(start + input.len(), 0);
    let dst = &mut out[start..];
    let mut d = dst.chunks_exact_mut(8);
    let mut s = input.chunks_exact(8);
    for (d, s) in (&mut d).zip(&mut s) {
        let v = u64::from_ne_bytes(s.try_into().unwrap()) ^ k8;
        d.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, (d, s)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
        *d = s ^ k[i % 4];
    }
}

/// The ideal decoder: walks the frames of `wire` (trusting them: no checks),
/// and XOR-copies each message's payload into `out` in one pass. Returns the
/// number of messages.
pub(crate) fn ideal_decode(wire: &[u8], out: &mut Vec<u8>) -> usize {
    ideal_decode_with(wire, out, |m| {
        black_box(m);
    })
}

/// The ideal text decoder: [`ideal_decode`], then each whole message validated
/// with simdutf8 (the fastest validator we have). Returns the number of
/// messages that are valid UTF-8.
pub(crate) fn ideal_decode_utf8(wire: &[u8], out: &mut Vec<u8>) -> usize {
    let mut valid = 0;
    ideal_decode_with(wire, out, |m| {
        valid += usize::from(simdutf8::basic::from_utf8(m).is_ok());
    });
    valid
}

/// [`ideal_decode`] with `on_message` called on each whole message.
pub(crate) fn ideal_decode_with(
    wire: &[u8],
    out: &mut Vec<u8>,
    mut on_message: impl FnMut(&[u8]),
) -> usize {
    let mut pos = 0;
    let mut messages = 0;
    while pos < wire.len() {
        let b0 = wire[pos];
        let b1 = wire[pos + 1];
        let (len, mut at) = match b1 & 0x7F {
            126 => (
                usize::from(u16::from_be_bytes([wire[pos + 2], wire[pos + 3]])),
                pos + 4,
            ),
            127 => {
                let bytes: [u8; 8] = wire[pos + 2..pos + 10].try_into().unwrap();
                (u64::from_be_bytes(bytes) as usize, pos + 10)
            }
            l => (usize::from(l), pos + 2),
        };
        let key: [u8; 4] = wire[at..at + 4].try_into().unwrap();
        at += 4;
        if b0 & 0x0F != 0 {
            out.clear();
        }
        xor_copy(out, &wire[at..at + len], key, 0);
        pos = at + len;
        if b0 & 0x80 != 0 {
            on_message(&out[..]);
            messages += 1;
        }
    }
    messages
}

/// The ideal encoder: a minimal masked header then the payload XOR-copied in
/// one pass, into `out`.
pub(crate) fn ideal_encode(out: &mut Vec<u8>, opcode: u8, key: [u8; 4], payload: &[u8]) {
    let len = payload.len();
    out.reserve(14 + len);
    out.push(0x80 | opcode);
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if let Ok(l) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&l.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    xor_copy(out, payload, key, 0);
}

/// An in-memory transport for tungstenite: reads come from `data` at most
/// `chunk` bytes at a time (like a socket read), writes are discarded.
#[derive(Debug)]
pub(crate) struct MemStream {
    pub(crate) data: Vec<u8>,
    pub(crate) pos: usize,
    pub(crate) chunk: usize,
}

impl Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        black_box(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A transport that only accepts writes: like a socket write, but free.
#[derive(Debug, Default)]
pub(crate) struct NullSink {
    pub(crate) written: usize,
}

impl Read for NullSink {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

impl Write for NullSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        black_box(buf);
        self.written += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An in-memory transport for tokio-based peers (fastwebsockets): reads come
/// from `data` at `pos`, at most `chunk` bytes at a time (like a socket read;
/// the position is shared so a bench can rewind it while the peer owns the
/// stream); writes are discarded.
#[derive(Debug)]
pub(crate) struct AsyncMem<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: &'a Cell<usize>,
    pub(crate) chunk: usize,
}

impl tokio::io::AsyncRead for AsyncMem<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let pos = self.pos.get();
        let n = buf.remaining().min(self.chunk).min(self.data.len() - pos);
        buf.put_slice(&self.data[pos..pos + n]);
        self.pos.set(pos + n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for AsyncMem<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        black_box(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A tokio transport that accepts every write, vectored ones whole (like a
/// socket's `writev`, but free); with `record`, it keeps the bytes for checks.
#[derive(Debug, Default)]
pub(crate) struct AsyncSink {
    pub(crate) written: usize,
    pub(crate) record: Option<Vec<u8>>,
}

impl tokio::io::AsyncRead for AsyncSink {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for AsyncSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        black_box(buf);
        self.written += buf.len();
        if let Some(r) = &mut self.record {
            r.extend_from_slice(buf);
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut n = 0;
        for b in bufs {
            black_box(&b[..]);
            n += b.len();
            if let Some(r) = &mut self.record {
                r.extend_from_slice(b);
            }
        }
        self.written += n;
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A short label for a byte count: `16B`, `4KiB`, `1MiB`.
pub(crate) fn sizes_label(size: usize) -> String {
    match size {
        s if s >= 1 << 20 && s % (1 << 20) == 0 => format!("{}MiB", s >> 20),
        s if s >= 1 << 10 && s % (1 << 10) == 0 => format!("{}KiB", s >> 10),
        s => format!("{s}B"),
    }
}
