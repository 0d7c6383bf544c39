//! `roundtrip`: messages encoded by one role decode the same in the other.

use std::vec::Vec;

use super::FRAGMENT_SIZES;
use super::inflate::Inflater;
use super::input::{Input, kind_of, pattern_bytes, pattern_text};
use super::receiver::{CONTROL_FRAME, Item, Mode, Receiver};
use super::wire::{WireFrame, parse_frames, wire_items};
use rfc6455::extension::{DeflateParams, Negotiated};
use rfc6455::{Config, Connection, MessageKind, Role};

/// One message of a [`roundtrip`](fn@super::roundtrip) input, with generated content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundtripMessage {
    /// 0 Text, 1 Binary, 2 Ping, 3 Pong.
    pub kind: u8,
    /// Payload length: below 1024, or 65533–65540 (the 16/64-bit edge).
    /// Control frames take it modulo 126.
    pub len: u32,
    /// Seeds the generated content.
    pub seed: u8,
    /// Fragment lengths for `send_fragment` (data only, at most 7; the rest goes last).
    pub fragments: [u8; 7],
    /// How many of `fragments` are used; 0 sends the message whole.
    pub fragment_count: u8,
    /// Sends a Ping between fragments.
    pub ping_between: bool,
}

/// Builds a [`roundtrip`](fn@super::roundtrip) input. `flags`: `0x01` the sender is the server,
/// bits 1–3 pick its `fragment_size` from [`FRAGMENT_SIZES`], `0x10` the
/// receiver uses `poll_event`, bits 5–7 pick the read sizes from [`READ_SIZES`].
pub fn roundtrip_input(flags: u8, messages: &[RoundtripMessage]) -> Vec<u8> {
    let mut out = Vec::from([flags]);
    for m in messages {
        let big = m.len >= BIG_BASE as u32;
        let field = if big { m.len - BIG_BASE as u32 } else { m.len };
        assert!(
            field < if big { 8 } else { 1024 },
            "length {} not encodable",
            m.len
        );
        let tag = m.kind | (u8::from(big) << 2) | (m.fragment_count << 3);
        out.push(tag | (u8::from(m.ping_between) << 6));
        out.extend_from_slice(&(field as u16).to_be_bytes());
        out.push(m.seed);
        out.extend_from_slice(&m.fragments[..usize::from(m.fragment_count)]);
    }
    out
}

/// The smallest large length: 65533–65540 cross the 16/64-bit length edge.
const BIG_BASE: usize = 65533;

/// Read sizes the receiver of [`roundtrip`](fn@super::roundtrip) may use (0: everything at once).
pub const READ_SIZES: [usize; 8] = [0, 1, 2, 3, 7, 14, 125, 4096];

/// Sends generated messages from one role (whole, split by `fragment_size`, or
/// by `send_fragment`, with Pings between fragments), checks each command's
/// frames against the reference parser, and checks that the other role decodes
/// the same messages from the wire cut into reads of one size.
///
/// `deflate`: the input starts with permessage-deflate's parameters
/// ([`deflate_input`](super::deflate_input)), which both sides use. Then
/// also: the sender compresses exactly the messages it should (whole ones
/// from the threshold on, streamed ones always, none with a window zlib
/// cannot make), marks only their first frame, and what it writes is
/// DEFLATE that the reference decoder reads back, message by message,
/// within the agreed window and with its context kept or not as agreed.
pub(super) fn run(data: &[u8], deflate: bool) {
    let mut input = Input(data);
    let deflate = deflate.then(|| super::deflate::read_config(&mut input));
    let params = deflate.as_ref().map(DeflateParams::new);
    let flags = input.byte();
    let (sender_role, receiver_role) = if flags & 1 != 0 {
        (Role::Server, Role::Client)
    } else {
        (Role::Client, Role::Server)
    };
    let fragment_size = FRAGMENT_SIZES[usize::from((flags >> 1) & 7)];
    let config = Config::default().fragment_size(fragment_size);
    let negotiated = params.map_or_else(Negotiated::default, Negotiated::with_deflate);
    let mut sender =
        Connection::with_mask_seed(sender_role, config, [0xA5; 32]).with_extensions(&negotiated);
    assert_eq!(sender.extensions(), &negotiated);
    // The sender's compressor as agreed, and whether it compresses: always
    // with 9 bits or more; with 8 (which zlib cannot make) it may send
    // plain or compress with 9 (whose matches reach at most 250 bytes back,
    // within the 256 agreed: the reference decoder checks every distance),
    // as long as it keeps to one choice. `None`: not yet seen.
    let (bits, reset) = params.map_or((15, false), |p| {
        super::deflate::peer_compressor(&p, receiver_role)
    });
    let mut compressing = match params {
        None => Some(false),
        Some(_) if bits >= 9 => Some(true),
        Some(_) => None,
    };
    let threshold = deflate.map_or(usize::MAX, |c| c.get_threshold());
    let mut expected = Vec::new();
    let mut wire = Vec::new();
    let masked = sender_role == Role::Client;
    let mut sent = |conn: &mut Connection| {
        let out = conn.poll_output().to_vec();
        conn.advance_output(out.len()).expect("advance");
        let parsed = parse_frames(&out, masked, true);
        wire.extend_from_slice(&out);
        parsed
    };
    while !input.is_empty() {
        let tag = input.byte();
        // Random large sizes cost time and find nothing that the edges do not.
        let field = usize::from(input.u16());
        let len = if tag & 4 != 0 {
            BIG_BASE + field % 8
        } else {
            field % 1024
        };
        let seed = input.byte();
        let cuts = input.bytes(usize::from((tag >> 3) & 7));
        let binary = |len| {
            if params.is_some() {
                repeating_bytes(len, seed)
            } else {
                pattern_bytes(len, seed)
            }
        };
        match tag & 3 {
            kind @ (0 | 1) if cuts.is_empty() => {
                let item = if kind == 0 {
                    Item::Text(pattern_text(len, seed))
                } else {
                    Item::Binary(binary(len))
                };
                let (kind, bytes) = match &item {
                    Item::Text(t) => (MessageKind::Text, t.as_bytes()),
                    Item::Binary(b) => (MessageKind::Binary, b.as_slice()),
                    _ => unreachable!(),
                };
                match kind {
                    MessageKind::Text => sender.send_text(core::str::from_utf8(bytes).unwrap()),
                    MessageKind::Binary => sender.send_binary(bytes),
                }
                .expect("send");
                let frames = sent(&mut sender);
                let compressed =
                    bytes.len() >= threshold && decide(&mut compressing, frames[0].rsv1);
                // §5.4: split into frames of `fragment_size`, only the last
                // with FIN; RFC 7692 §6.1: RSV1 on the first if compressed.
                let total: usize = frames.iter().map(|f| f.payload.len()).sum();
                if !compressed {
                    assert_eq!(total, bytes.len());
                }
                let size = fragment_size.unwrap_or(usize::MAX);
                let count = if total > size {
                    total.div_ceil(size)
                } else {
                    1
                };
                assert_eq!(frames.len(), count, "frames for {item:?}");
                for (i, f) in frames.iter().enumerate() {
                    assert_eq!(f.fin, i + 1 == count);
                    assert_eq!(f.opcode == 0, i > 0);
                    assert_eq!(f.rsv1, compressed && i == 0, "RSV1 of frame {i}");
                    assert!(f.payload.len() <= size);
                }
                expected.push(item);
            }
            kind @ (0 | 1) => {
                let kind = kind_of(kind == 1);
                let bytes = match kind {
                    MessageKind::Text => pattern_text(len, seed).into_bytes(),
                    MessageKind::Binary => binary(len),
                };
                let mut rest = bytes.as_slice();
                for (i, &cut) in cuts.iter().enumerate() {
                    let is_last = i + 1 == cuts.len();
                    let n = if is_last {
                        rest.len()
                    } else {
                        usize::from(cut).min(rest.len())
                    };
                    let (piece, tail) = rest.split_at(n);
                    rest = tail;
                    sender
                        .send_fragment(kind, piece, is_last)
                        .expect("fragment");
                    let frames = sent(&mut sender);
                    assert_eq!(frames.len(), 1, "one frame per fragment");
                    let f = &frames[0];
                    // Streamed messages are always compressed, if at all.
                    let compressing = match i {
                        0 => decide(&mut compressing, f.rsv1),
                        _ => compressing.expect("decided by the first fragment"),
                    };
                    if !compressing {
                        assert_eq!(f.payload, piece);
                    }
                    assert_eq!((f.fin, f.opcode == 0), (is_last, i > 0));
                    assert_eq!(f.rsv1, compressing && i == 0, "RSV1 of fragment {i}");
                    if tag & 0x40 != 0 && !is_last {
                        sender.send_ping(&[seed]).expect("ping");
                        assert_eq!(sent(&mut sender).len(), 1);
                        expected.push(Item::Ping(Vec::from([seed])));
                    }
                }
                expected.push(Item::data(kind, bytes));
            }
            kind => {
                let payload = pattern_bytes(len % 126, seed);
                if kind == 2 {
                    sender.send_ping(&payload).expect("ping");
                    expected.push(Item::Ping(payload.clone()));
                } else {
                    sender.send_pong(&payload).expect("pong");
                    expected.push(Item::Pong(payload.clone()));
                }
                let frames: Vec<WireFrame> = sent(&mut sender);
                assert_eq!(frames.len(), 1);
                assert!(!frames[0].rsv1);
            }
        }
    }
    // The wire, read by the reference parser and decoder, holds the messages.
    let mut inflater = params.map(|_| Inflater::new(bits, reset));
    assert_eq!(
        wire_items(
            &parse_frames(&wire, sender_role == Role::Client, true),
            inflater.as_mut()
        ),
        expected
    );
    let mode = if flags & 0x10 != 0 {
        Mode::Events
    } else {
        Mode::Messages
    };
    let mut rx =
        Receiver::new(receiver_role, Config::default(), mode, false).with_extensions(&negotiated);
    // Tiny reads of a large wire cost much and find nothing more: at most
    // 4096 reads (a 64 KiB message still splits its header and payload).
    let read = match READ_SIZES[usize::from(flags >> 5)] {
        0 => 0,
        n => n.max(wire.len() / 4096),
    };
    let largest = expected.iter().map(item_len).max().unwrap_or(0);
    // Decompressing: one step of output (32 KiB) more.
    let step = if params.is_some() { 32 * 1024 } else { 0 };
    for chunk in wire.chunks(if read == 0 { wire.len().max(1) } else { read }) {
        rx.feed(chunk);
        if let Some(e) = rx.drain() {
            panic!("honest sender caused {e}");
        }
        // As in `frames`: assembly buffers and a whole frame, each doubled.
        let bound =
            6 * largest + 2 * (read.max(4096) + 2 * CONTROL_FRAME) + 8 * CONTROL_FRAME + step;
        let bound = if read == 0 {
            bound + 2 * wire.len()
        } else {
            bound
        };
        assert!(rx.conn.buffered_capacity() <= bound, "receiver memory");
    }
    assert_eq!(rx.items, expected, "decoded messages differ");
}

/// Whether the sender compresses: what it decided, or else what it does now.
fn decide(compressing: &mut Option<bool>, now: bool) -> bool {
    *compressing.get_or_insert(now)
}

/// Bytes that repeat at distances up to 32 KiB: noise with copies of what
/// came before, so that a compressor's window (and the agreed limit on it)
/// decides what it finds.
fn repeating_bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let r = next();
        if out.len() > 16 && r % 4 == 0 {
            // A copy of 3 to 258 bytes from up to 32 KiB back.
            let dist = 1 + (next() as usize) % out.len().min(32 * 1024);
            let n = (3 + (r >> 8) as usize % 256).min(len - out.len());
            for _ in 0..n {
                out.push(out[out.len() - dist]);
            }
        } else {
            out.push(r as u8);
        }
    }
    out
}

pub(super) fn item_len(item: &Item) -> usize {
    match item {
        Item::Text(t) => t.len(),
        Item::Binary(b) | Item::Ping(b) | Item::Pong(b) => b.len(),
        Item::Close(_) => 0,
    }
}
