//! `frame_server`, `frame_client`: arbitrary bytes into one connection.

use std::format;
use std::string::String;
use std::vec::Vec;

use super::deflate::{Reference, check_delivered};
use super::input::Input;
use super::receiver::{CONTROL_FRAME, Item, Mode, Receiver};
use super::wire::{parse_frames, wire_items};
use rfc6455::connection::State;
use rfc6455::extension::{DeflateParams, Negotiated};
use rfc6455::{CloseCode, Config, Error, Role};

/// Bits of the first byte of a frame-target input ([`frame_input`](frame_input)).
pub mod flags {
    /// Poll with `poll_message` (default: `poll_event`).
    pub const MESSAGES: u8 = 0x01;
    /// Switch between `poll_event` and `poll_message` on every drain (API misuse).
    pub const MIXED: u8 = 0x02;
    /// `Config::auto_pong(false)`.
    pub const NO_AUTO_PONG: u8 = 0x04;
    /// `Config::dangerous_accept_unmasked_frames(true)`.
    pub const ACCEPT_UNMASKED: u8 = 0x08;
    /// Read through `read_buf` + `commit_read` (default: `receive`).
    pub const READ_BUF: u8 = 0x10;
    /// Call `receive_eof` after the last chunk.
    pub const EOF: u8 = 0x20;
    /// Never write the output (the peer does not read): it must stay bounded.
    pub const NEVER_WRITE: u8 = 0x40;
    /// Write only about half of the output after each chunk.
    pub const PARTIAL_WRITES: u8 = 0x80;
}

/// Size limits chosen by a nibble of the second byte: the edges of each length form.
pub const LIMITS: [usize; 16] = [
    0,
    1,
    2,
    125,
    126,
    127,
    1000,
    4096,
    65535,
    65536,
    65537,
    1 << 20,
    16 << 20,
    64 << 20,
    usize::MAX,
    usize::MAX,
];

/// The size limits of the deflate frame targets, by the same nibbles: the
/// edges of one step of decompressed output (32 KiB) and of the 16-bit
/// length, up to 1 MiB. (Larger limits let every mutation of a bomb seed
/// decompress megabytes, at a few runs a second, and find nothing the
/// plain targets' large limits do not.)
pub const DEFLATE_LIMITS: [usize; 16] = [
    0,
    1,
    2,
    125,
    126,
    1000,
    1024,
    4096,
    32767,
    32768,
    32769,
    65535,
    65536,
    65537,
    1 << 20,
    (1 << 20) + 1,
];

/// Builds a frame-target input: `flags` (see [`flags`]), `limits` (low nibble
/// indexes the frame-size limit, high nibble the message-size limit), up to 7
/// chunk sizes (each byte `s` cuts `s + 1` bytes, cycled; none: one read), and
/// the bytes that arrive. `small_read_buf` makes `read_buffer_size` 14;
/// `close_first`: the receiver sends Close (1000) before anything arrives.
pub fn frame_input(
    flags: u8,
    limits: u8,
    (small_read_buf, close_first): (bool, bool),
    splits: &[u8],
    wire: &[u8],
) -> Vec<u8> {
    assert!(splits.len() <= 7);
    let options = (u8::from(small_read_buf) << 3) | (u8::from(close_first) << 4);
    let mut out = Vec::from([flags, limits, splits.len() as u8 | options]);
    out.extend_from_slice(splits);
    out.extend_from_slice(wire);
    out
}

/// What one run of the frame targets saw.
pub(super) struct FrameRun {
    items: Vec<Item>,
    error: Option<Error>,
}

/// The most a decompressing receiver holds besides what an uncompressed one
/// does: one step of output (32 KiB; rfc6455's `transform::STEP`).
const STEP: usize = 32 * 1024;

/// The most DEFLATE expands: 258 bytes from two bits.
pub(super) const DEFLATE_RATIO: usize = 1032;

/// `deflate`: the input starts with permessage-deflate's parameters
/// ([`deflate_input`](super::deflate_input)) and the receiver uses them.
pub(super) fn run(role: Role, data: &[u8], deflate: bool) {
    let mut input = Input(data);
    let deflate = deflate.then(|| DeflateParams::new(&super::deflate::read_config(&mut input)));
    let flags = input.byte();
    let limits = input.byte();
    let sizes = input.byte();
    let splits = input.bytes(usize::from(sizes & 7));
    let wire = input.0;
    let table = if deflate.is_some() {
        &DEFLATE_LIMITS
    } else {
        &LIMITS
    };
    let config = Config::default()
        .max_frame_size(table[usize::from(limits & 15)])
        .max_message_size(table[usize::from(limits >> 4)])
        .auto_pong(flags & flags::NO_AUTO_PONG == 0)
        .dangerous_accept_unmasked_frames(flags & flags::ACCEPT_UNMASKED != 0)
        .read_buffer_size(if sizes & 8 != 0 { 0 } else { 4096 });
    let mode = match flags & 3 {
        0 => Mode::Events,
        1 => Mode::Messages,
        _ => Mode::Mixed,
    };
    let close_first = sizes & 0x10 != 0;
    let ext = deflate.as_ref();
    if ext.is_none() {
        // The decoder alone knows nothing of extensions; the plain targets run it.
        decoder(wire, splits);
    }
    let run = run_frames(role, &config, ext, mode, flags, close_first, splits, wire);
    if mode != Mode::Mixed {
        // The same bytes in one read, as whole messages: the same outcome.
        let eof = flags & flags::EOF;
        let whole = run_frames(
            role,
            &config,
            ext,
            Mode::Messages,
            eof,
            close_first,
            &[],
            wire,
        );
        let (mut items, mut whole_items) = (&run.items[..], &whole.items[..]);
        let mut same_error = true;
        if let Some(params) = ext {
            let mut reference = Reference::new(params, role, &config, wire);
            for r in [&run, &whole] {
                check_delivered(&mut reference, &r.items, r.error.as_ref());
            }
            // Up to a message that reaches beyond the agreed window, which
            // zlib may take or refuse depending on the reads.
            let upto = data_count(items).max(data_count(whole_items)) + 1;
            let differ = items != whole_items || run.error != whole.error;
            if let Some(k) = differ.then(|| reference.first_far(upto)).flatten() {
                (items, whole_items) = (before_data(items, k), before_data(whole_items, k));
                same_error = false;
            }
        }
        assert_eq!(items, whole_items, "split or streamed reading differs");
        if same_error {
            assert_eq!(run.error, whole.error, "split or streamed reading differs");
        }
    }
}

fn is_data(item: &Item) -> bool {
    matches!(item, Item::Text(_) | Item::Binary(_))
}

fn data_count(items: &[Item]) -> usize {
    items.iter().filter(|i| is_data(i)).count()
}

/// The items before the `k`-th data message (0-based).
fn before_data(items: &[Item], k: usize) -> &[Item] {
    let end = items
        .iter()
        .enumerate()
        .filter(|(_, i)| is_data(i))
        .nth(k)
        .map_or(items.len(), |(at, _)| at);
    &items[..end]
}

/// The frame decoder alone (`FrameHeader::decode` and `frame::Payload`), fed
/// the same bytes in the same chunks: every accessor is called, the cursor's
/// counts agree, and each complete frame's unmasked payload matches the
/// reference parser's (`wire::parse_frame`).
fn decoder(wire: &[u8], splits: &[u8]) {
    use rfc6455::frame::{FrameHeader, HeaderStatus, Payload};
    let mut at = 0;
    let mut i = 0;
    // Bounded: each pass takes a header or at least one payload byte, or stops.
    while at < wire.len() {
        let status = match FrameHeader::decode(&wire[at..]) {
            Ok(status) => status,
            Err(e) => {
                super::touch::debug(&e);
                let _ = format!("{e}");
                return;
            }
        };
        super::touch::debug(&status);
        let HeaderStatus::Complete(header, used) = status else {
            return;
        };
        let masked = header.mask.is_some();
        let reference = super::wire::parse_frame_lenient(&wire[at..], masked);
        let mut payload = Payload::new(header);
        super::touch::debug(&payload);
        assert_eq!(payload.header(), &header);
        let rest = &wire[at + used..];
        let len = usize::try_from(header.payload_len).map_or(rest.len(), |l| l.min(rest.len()));
        let mut body = rest[..len].to_vec();
        let mut taken = 0;
        while !payload.is_complete() && taken < body.len() {
            let step = splits
                .get(i % splits.len().max(1))
                .map_or(body.len(), |&s| usize::from(s) + 1);
            i += 1;
            let end = (taken + step).min(body.len());
            let n = payload.unmask_next(&mut body[taken..end]);
            assert!(n <= end - taken);
            taken += n;
            assert_eq!(payload.taken(), taken as u64);
            assert_eq!(payload.remaining(), header.payload_len - taken as u64);
        }
        if !payload.is_complete() {
            return;
        }
        if let Some(frame) = reference {
            assert_eq!(body[..taken], frame.payload[..], "unmasked payload differs");
        }
        at += used + taken;
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn run_frames(
    role: Role,
    config: &Config,
    deflate: Option<&DeflateParams>,
    mode: Mode,
    flags: u8,
    close_first: bool,
    splits: &[u8],
    wire: &[u8],
) -> FrameRun {
    let mut rx = Receiver::new(role, config.clone(), mode, flags & flags::READ_BUF != 0);
    if let Some(params) = deflate {
        rx = rx.with_extensions(&Negotiated::with_deflate(*params));
    }
    if close_first {
        rx.conn.close(CloseCode::NORMAL, "").expect("close");
        assert_eq!(rx.conn.state(), State::Closing);
    }
    let write_all = flags & flags::PARTIAL_WRITES == 0;
    let never_write = flags & flags::NEVER_WRITE != 0;
    let mut out = Vec::new();
    let mut error = None;
    let mut largest_read = config.get_read_buffer_size();
    let mut rest = wire;
    let mut i = 0;
    while !rest.is_empty() {
        let n = splits
            .get(i % splits.len().max(1))
            .map_or(rest.len(), |&s| usize::from(s) + 1);
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        i += 1;
        largest_read = largest_read.max(chunk.len());
        rx.feed(chunk);
        error = error.or(rx.drain());
        if never_write {
            // A peer that never reads: the output must not pile up (one Pong
            // pending, one in the buffer, a Close).
            assert!(rx.conn.poll_output().len() <= 3 * CONTROL_FRAME);
        } else {
            rx.write(&mut out, write_all);
        }
        // Memory: at most one message (twice, for a Vec's doubling, once per
        // kind, and once more in the receive buffer, where `poll_message`
        // gathers a frame to lend it whole), the unread bytes of a read plus
        // the read room (which doubles only after a read filled it, so at most
        // twice the largest read), all doubled by the Vec, a partial frame
        // header or control frame, and the output.
        //
        // Decompressing, a message may be larger than the bytes received,
        // but only `poll_message` gathers it; streamed (`poll_event`), a
        // compressed message is never held whole, only one step of its output.
        let fed = match (deflate, mode) {
            (None, _) => rx.fed,
            (Some(_), Mode::Events) => 0,
            (Some(_), _) => rx.fed.saturating_mul(DEFLATE_RATIO),
        };
        let message = config.get_max_message_size().min(fed);
        let step = if deflate.is_some() { STEP } else { 0 };
        let bound = 6 * message + 8 * (largest_read + 2 * CONTROL_FRAME) + 8 * CONTROL_FRAME + step;
        let held = rx.conn.buffered_capacity();
        assert!(held <= bound, "holds {held} bytes, bound {bound}");
        // The receive buffer is one of the buffers counted there.
        assert!(rx.conn.receive_buffer_capacity() <= held);
    }
    if flags & flags::EOF != 0 {
        rx.conn.receive_eof();
        let eof_error = rx.drain();
        if let Some(e) = &eof_error {
            assert_eq!(*e, Error::UnexpectedEof);
            assert!(!rx.conn.is_failed());
        }
        error = error.or(eof_error);
    }
    rx.write(&mut out, true);
    let eof = flags & flags::EOF != 0;
    check_after(&mut rx, error.as_ref(), eof, close_first, &out);
    FrameRun {
        items: rx.items,
        error,
    }
}

/// After the input: the output is well-formed and ends as the outcome requires,
/// further input is ignored, and the transport-close advice is right.
pub(super) fn check_after(
    rx: &mut Receiver,
    error: Option<&Error>,
    eof: bool,
    close_first: bool,
    out: &[u8],
) {
    let role = rx.conn.role();
    let sent = wire_items(&parse_frames(out, role == Role::Client, true), None);
    let pings: Vec<&Vec<u8>> = rx
        .items
        .iter()
        .filter_map(|i| if let Item::Ping(p) = i { Some(p) } else { None })
        .collect();
    for item in &sent {
        match item {
            Item::Pong(p) => assert!(pings.contains(&p), "Pong for no Ping"),
            Item::Close(_) => {}
            _ => panic!("a receiver sent {item:?}"),
        }
    }
    let close_sent = sent.last().and_then(|i| match i {
        Item::Close(c) => Some(c.as_ref().map(|c| c.0)),
        _ => None,
    });
    let close_received = rx.items.iter().find_map(|i| match i {
        Item::Close(c) => Some(c.as_ref().map(|c| c.0)),
        _ => None,
    });
    if close_first {
        // Our Close went first; only Pongs (checked above) follow it (§5.5.2),
        // not even a Close for an error.
        assert_eq!(
            sent.first(),
            Some(&Item::Close(Some((1000, String::new()))))
        );
        assert!(sent[1..].iter().all(|i| matches!(i, Item::Pong(_))));
        if error.is_some_and(|e| *e != Error::UnexpectedEof) {
            assert!(rx.conn.is_failed());
        }
    } else {
        check_close_reply(rx, error, close_sent, close_received);
    }
    let state = rx.conn.state();
    let ended = error.is_some() || close_received.is_some();
    let expected = match (ended, close_first) {
        (true, _) => State::Closed,
        (false, true) => State::Closing,
        (false, false) => State::Open,
    };
    assert_eq!(state, expected);
    let server_done = close_received.is_some() && role == Role::Server;
    assert_eq!(
        rx.conn.wants_transport_close(),
        rx.conn.is_failed() || eof || server_done
    );
    if ended {
        assert!(rx.conn.send_text("late").is_err());
        // Input after the end is discarded: no events, no output.
        let items = rx.items.len();
        rx.feed(b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58\x89\x00");
        assert!(rx.drain().is_none());
        assert_eq!(rx.items.len(), items);
        assert!(rx.conn.poll_output().is_empty());
    }
}

/// Without a Close of our own first: a failure sends the Close for its error,
/// the peer's Close is echoed (§5.5.1, §7.1.7), and otherwise no Close is sent.
pub(super) fn check_close_reply(
    rx: &Receiver,
    error: Option<&Error>,
    close_sent: Option<Option<u16>>,
    close_received: Option<Option<u16>>,
) {
    match (error, close_received) {
        (Some(Error::UnexpectedEof), _) => assert_eq!(close_sent, None),
        (Some(e), None) => {
            assert!(rx.conn.is_failed());
            let code = e.close_code().expect("peer errors carry a close code");
            assert_eq!(close_sent, Some(Some(code.as_u16())), "wrong Close for {e}");
        }
        (Some(e), Some(_)) => panic!("error {e} after a Close"),
        // §5.5.1: the Close reply echoes the status code.
        (None, Some(code)) => assert_eq!(close_sent, Some(code)),
        (None, None) => assert_eq!(close_sent, None),
    }
}
