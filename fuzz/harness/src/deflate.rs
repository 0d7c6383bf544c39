//! permessage-deflate (RFC 7692) in the connection targets: the parameters
//! a deflate input starts with, and the check of what a deflate receiver
//! delivered against the reference decoder (`inflate`).

use std::vec::Vec;

use super::inflate::{Decoded, Inflater};
use super::input::Input;
use super::receiver::Item;
use rfc6455::error::ProtocolError;
use rfc6455::extension::{DeflateConfig, DeflateParams, Negotiated};
use rfc6455::{Config, Error, Role};

/// `DeflateConfig::threshold` values a deflate input may pick (by index).
pub const THRESHOLDS: [usize; 8] = [0, 1, 2, 16, 125, 126, 1024, usize::MAX];

/// The three bytes that start a deflate target's input, for `config`:
/// window bits (server's in bits 0–2, client's in bits 4–6, each minus 8)
/// and the no-context-takeover flags (bits 3 and 7); the compression level
/// (low nibble) and memory level (high nibble), clamped by the setters as
/// given; the index of the threshold in [`THRESHOLDS`] (which must hold it).
pub fn deflate_input(config: &DeflateConfig) -> [u8; 3] {
    let bits = |b: u8| b - 8;
    let threshold = THRESHOLDS
        .iter()
        .position(|&t| t == config.get_threshold())
        .expect("threshold from THRESHOLDS");
    [
        bits(config.get_server_max_window_bits())
            | u8::from(config.get_server_no_context_takeover()) << 3
            | bits(config.get_client_max_window_bits()) << 4
            | u8::from(config.get_client_no_context_takeover()) << 7,
        config.get_compression_level() | config.get_mem_level() << 4,
        threshold as u8,
    ]
}

/// Reads the settings [`deflate_input`] wrote; both sides agreed on them
/// (`DeflateParams::new`).
pub(super) fn read_config(input: &mut Input<'_>) -> DeflateConfig {
    let [windows, levels, threshold] = [input.byte(), input.byte(), input.byte()];
    let config = DeflateConfig::default()
        .server_max_window_bits(8 + (windows & 7))
        .server_no_context_takeover(windows & 8 != 0)
        .client_max_window_bits(8 + ((windows >> 4) & 7))
        .client_no_context_takeover(windows & 0x80 != 0)
        .compression_level(levels & 15)
        .mem_level(levels >> 4)
        .threshold(THRESHOLDS[usize::from(threshold & 7)]);
    super::touch::deflate_config(&config);
    super::touch::negotiated(&Negotiated::with_deflate(DeflateParams::new(&config)));
    config
}

/// The peer's compressor, which a `role` receiver decompresses: its window
/// bits and whether it drops its context after each message.
pub(super) fn peer_compressor(params: &DeflateParams, role: Role) -> (u8, bool) {
    match role {
        Role::Server => (
            params.client_max_window_bits(),
            params.client_no_context_takeover(),
        ),
        Role::Client => (
            params.server_max_window_bits(),
            params.server_no_context_takeover(),
        ),
    }
}

/// One data message as the wire holds it, as far as it arrived.
struct WireMessage {
    compressed: bool,
    payload: Vec<u8>,
    complete: bool,
}

/// The data messages of arbitrary bytes, read as far as they are plainly
/// frames (stopping at the first a receiver must refuse or a Close):
/// enough to know what a receiver that accepted a prefix was sent.
fn wire_messages(mut wire: &[u8], max_frame_size: usize) -> Vec<WireMessage> {
    let mut out: Vec<WireMessage> = Vec::new();
    let mut open = false;
    while let [b0, b1, rest @ ..] = wire {
        let (extended, mut rest) = match b1 & 0x7F {
            126 => (2, rest),
            127 => (8, rest),
            _ => (0, rest),
        };
        let Some(len_bytes) = rest.get(..extended) else {
            break;
        };
        let len = if extended == 0 {
            u64::from(b1 & 0x7F)
        } else {
            len_bytes.iter().fold(0, |a, &b| (a << 8) | u64::from(b))
        };
        rest = &rest[extended..];
        let key = if b1 & 0x80 != 0 {
            let Some(k) = rest.get(..4) else { break };
            rest = &rest[4..];
            [k[0], k[1], k[2], k[3]]
        } else {
            [0; 4]
        };
        let (fin, rsv, opcode) = (b0 & 0x80 != 0, b0 & 0x70, b0 & 0x0F);
        // The frame limit is for data frames; control frames have their own (125).
        if (opcode < 8 && len > max_frame_size as u64) || rsv & 0x30 != 0 {
            break;
        }
        let n = usize::try_from(len).unwrap_or(usize::MAX).min(rest.len());
        let payload: Vec<u8> = rest[..n]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ key[i % 4])
            .collect();
        let whole = (n as u64) == len;
        match opcode {
            1 | 2 if !open => out.push(WireMessage {
                compressed: rsv != 0,
                payload,
                complete: false,
            }),
            0 if open && rsv == 0 => out.last_mut().unwrap().payload.extend(payload),
            9 | 10 if fin && len <= 125 && rsv == 0 => {}
            _ => break,
        }
        if matches!(opcode, 0..=2) {
            open = !(fin && whole);
            out.last_mut().unwrap().complete = fin && whole;
        }
        if !whole {
            break;
        }
        wire = &rest[n..];
    }
    out
}

/// The reference's reading of a deflate receiver's input: its data
/// messages, each compressed one decompressed when a check first asks (a
/// bomb the receiver refused early costs nothing here).
pub(super) struct Reference {
    messages: Vec<WireMessage>,
    inflater: Inflater,
    cap: usize,
    /// Per message read so far: `None` if uncompressed; `Some(None)` once
    /// the reference lost track (after invalid data or output past the cap).
    decoded: Vec<Option<Option<Decoded>>>,
}

impl Reference {
    /// The data messages of `wire` as a `role` receiver with these
    /// parameters and limits reads them.
    pub(super) fn new(params: &DeflateParams, role: Role, config: &Config, wire: &[u8]) -> Self {
        let (bits, reset) = peer_compressor(params, role);
        Self {
            messages: wire_messages(wire, config.get_max_frame_size()),
            inflater: Inflater::new(bits, reset),
            cap: config.get_max_message_size().min(1 << 28),
            decoded: Vec::new(),
        }
    }

    /// Message `i` and what it decompresses to; `None` past the wire's messages.
    fn get(&mut self, i: usize) -> Option<(&WireMessage, &Option<Option<Decoded>>)> {
        while self.decoded.len() <= i.min(self.messages.len()) {
            let Some(m) = self.messages.get(self.decoded.len()) else {
                break;
            };
            let d = m
                .compressed
                .then(|| self.inflater.message(&m.payload, m.complete, self.cap));
            self.decoded.push(d);
        }
        Some((self.messages.get(i)?, &self.decoded[i]))
    }

    /// The index of the first of the first `upto` data messages that uses a
    /// distance beyond the agreed window.
    ///
    /// zlib checks a distance only against what it holds, which is its
    /// window plus what the current call wrote: so whether it refuses such
    /// a message (1007) or decodes it depends on how its output was cut,
    /// which depends on the reads. Split and whole reading may differ from
    /// there on.
    pub(super) fn first_far(&mut self, upto: usize) -> Option<usize> {
        (0..upto).find(|&i| matches!(self.get(i), Some((_, Some(Some(d))))  if d.far))
    }
}

/// Checks what a deflate receiver delivered (`items`, then `error`) against
/// the reference: each compressed message it delivered decodes to what it
/// delivered, and a message it refused as invalid DEFLATE is one the
/// reference refuses too (or one that reaches beyond the agreed window,
/// which zlib may take or refuse depending on how its output was cut, or
/// past the size limit, where the refusal may be the limit's or the data's).
pub(super) fn check_delivered(reference: &mut Reference, items: &[Item], error: Option<&Error>) {
    let delivered: Vec<&[u8]> = items
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) => Some(t.as_bytes()),
            Item::Binary(b) => Some(b.as_slice()),
            _ => None,
        })
        .collect();
    assert!(
        reference.messages.len() >= delivered.len(),
        "delivered more messages than the wire holds"
    );
    for (i, &got) in delivered.iter().enumerate() {
        let (m, decoded) = reference.get(i).expect("counted above");
        assert!(m.complete, "delivered message {i} did not all arrive");
        match decoded {
            None => assert_eq!(got, &m.payload[..], "uncompressed message {i}"),
            Some(d) => {
                let d = d
                    .as_ref()
                    .expect("the reference lost track before a delivered message");
                assert!(!d.corrupt, "delivered message {i} is invalid DEFLATE");
                assert!(!d.over, "message {i} decodes past the limit");
                assert_eq!(got, &d.data[..], "message {i} decompressed differently");
            }
        }
    }
    // The message the receiver was on when it stopped.
    let invalid = error == Some(&Error::Protocol(ProtocolError::InvalidCompressedData));
    if let Some((m, decoded)) = invalid.then(|| reference.get(delivered.len())).flatten() {
        assert!(m.compressed, "1007 for an uncompressed message");
        if let Some(Some(d)) = decoded {
            assert!(
                d.corrupt || d.far || d.over,
                "refused as invalid DEFLATE, but it decodes: {:02x?}",
                m.payload
            );
        }
    }
}
