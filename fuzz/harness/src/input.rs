//! Decoding the fuzzer's bytes, and the text and data the targets generate.

use std::string::String;
use std::vec::Vec;

use rfc6455::MessageKind;

/// Reads fields from the front of the fuzzer's bytes; past the end, fields read as zero.
pub(super) struct Input<'a>(pub(super) &'a [u8]);

impl<'a> Input<'a> {
    pub(super) fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub(super) fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    pub(super) fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Characters text is built from besides ASCII: each UTF-8 length at its edges.
pub(super) const ALPHABET: [char; 16] = [
    '\u{80}',
    'é',
    '\u{7FF}',
    '\u{800}',
    '€',
    '中',
    '\u{D7FF}',
    '\u{E000}',
    '\u{FFFD}',
    '\u{FFFF}',
    '\u{10000}',
    '🎉',
    '\u{10FFFF}',
    'ß',
    'Ω',
    '😀',
];

/// Text from input bytes: below 0x80 the ASCII character, above one of [`ALPHABET`].
pub(super) fn text_from(bytes: &[u8]) -> String {
    let char = |b: u8| match b {
        0..0x80 => char::from(b),
        _ => ALPHABET[usize::from(b) % ALPHABET.len()],
    };
    bytes.iter().map(|&b| char(b)).collect()
}

/// The inverse of [`text_from`], for writing seeds.
pub(super) fn text_indices(text: &str) -> Vec<u8> {
    let byte = |c: char| match ALPHABET.iter().position(|&a| a == c) {
        _ if c.is_ascii() => c as u8,
        Some(i) => 0x80 + i as u8,
        None => panic!("seed text uses ASCII and ALPHABET only"),
    };
    text.chars().map(byte).collect()
}

/// Generated text of at most `len` bytes, cut on a character boundary.
pub(super) fn pattern_text(len: usize, seed: u8) -> String {
    let mut s = String::with_capacity(len);
    for i in 0.. {
        let c = match (i + usize::from(seed)) % 20 {
            k @ 0..16 => ALPHABET[k],
            k => char::from(b"a \0\x7f"[k - 16]),
        };
        if s.len() + c.len_utf8() > len {
            break;
        }
        s.push(c);
    }
    s
}

pub(super) fn pattern_bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// `MessageKind` as one bit.
pub(super) fn kind_of(bit: bool) -> MessageKind {
    if bit {
        MessageKind::Binary
    } else {
        MessageKind::Text
    }
}
