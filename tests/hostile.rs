//! Hostile peers: one test per attack that has hit other WebSocket
//! implementations, named after its CVE or class. Each asserts a clean error
//! (with the right close code on the wire) AND bounded memory:
//! `buffered_capacity()` never exceeds what the configured limits and the
//! largest single read allow, plus a constant.

mod common;

use common::{close_code_on_wire, drain_output};
use rfc6455::connection::State;
use rfc6455::error::{LimitError, ProtocolError};
use rfc6455::{CloseCode, Config, Connection, Error, Event, Message, MessageKind, Role};

/// Room for a partial header or control frame, and a Close or Pong of our own.
const SLACK: usize = 4096;

/// A masked frame header as a client sends it, declaring `len` bytes (key 1,2,3,4).
fn masked_header(first: u8, len: u64) -> Vec<u8> {
    let mut out = vec![first];
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= 0xFFFF {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(&[1, 2, 3, 4]);
    out
}

/// A whole masked frame.
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = masked_header(first, payload.len() as u64);
    out.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ [1, 2, 3, 4][i % 4]),
    );
    out
}

/// Polls (`messages`: `poll_message`, else `poll_event`) until `None` or an
/// error; returns how many events came and the error.
fn drain(conn: &mut Connection, messages: bool) -> (usize, Option<Error>) {
    let mut n = 0;
    loop {
        let r = if messages {
            conn.poll_message().map(|m| m.is_some())
        } else {
            conn.poll_event().map(|e| e.is_some())
        };
        match r {
            Ok(true) => n += 1,
            Ok(false) => return (n, None),
            Err(e) => return (n, Some(e)),
        }
    }
}

/// Feeds `wire` to a fresh server and expects `error` (and its close code on
/// the wire) with little memory held, in both polling modes.
fn refused(config: &Config, wire: &[u8], error: Error) {
    for messages in [false, true] {
        let mut s = Connection::new(Role::Server, config.clone());
        s.receive(wire);
        let (_, got) = drain(&mut s, messages);
        assert_eq!(got.as_ref(), Some(&error));
        assert!(s.is_failed());
        assert!(
            s.buffered_capacity() <= wire.len() + SLACK,
            "held {} bytes",
            s.buffered_capacity()
        );
        // No loop, no second error: the connection is done.
        assert_eq!(drain(&mut s, messages), (0, None));
        let out = drain_output(&mut s);
        assert_eq!(close_code_on_wire(&out, Role::Client), error.close_code());
        assert!(s.wants_transport_close());
    }
}

/// rust-websocket CVE-2022-35922 allocated a buffer of the length a frame
/// header declared. A declared 2^40 or 2^63−1 bytes must be refused by
/// `max_frame_size` (1009) from the header alone, before any allocation.
#[test]
fn cve_2022_35922_declared_length_refused_before_allocation() {
    let config = Config::default();
    for declared in [1u64 << 40, (1 << 63) - 1, 16 << 20 | 1] {
        let wire = masked_header(0x82, declared);
        let limit = config.get_max_frame_size();
        let error = Error::Limit(LimitError::FrameTooLarge { declared, limit });
        refused(&config, &wire, error);
    }
}

/// The same header with every limit lifted: the length is trusted, yet
/// nothing is allocated for it. Streaming holds one read at a time, and
/// whole-message polling holds only the bytes that actually arrived.
#[test]
fn cve_2022_35922_no_allocation_from_declared_length_without_limits() {
    let config = Config::default()
        .max_frame_size(usize::MAX)
        .max_message_size(usize::MAX);
    for messages in [false, true] {
        let mut s = Connection::new(Role::Server, config.clone());
        s.receive(&masked_header(0x82, (1 << 63) - 1));
        assert_eq!(drain(&mut s, messages), (0, None));
        let chunk = vec![0u8; 16 * 1024];
        for i in 1..=64 {
            s.receive(&chunk);
            assert_eq!(drain(&mut s, messages).1, None);
            let bound = if messages { 2 * i * chunk.len() } else { 0 } + 2 * chunk.len() + SLACK;
            assert!(
                s.buffered_capacity() <= bound,
                "held {}",
                s.buffered_capacity()
            );
        }
        assert_eq!(s.state(), State::Open);
    }
}

/// ws-rs CVE-2020-35896 queued a Pong for every Ping without bound when the
/// peer never read. Here the output holds one Pong in the buffer and one
/// pending (the latest Ping's, §5.5.3), however many Pings arrive.
#[test]
fn cve_2020_35896_ping_flood_with_unread_output_stays_bounded() {
    let mut s = Connection::new(Role::Server, Config::default());
    let mut burst = Vec::new();
    for i in 0..1000u32 {
        burst.extend_from_slice(&masked(0x89, &i.to_be_bytes()));
    }
    for _ in 0..200 {
        s.receive(&burst);
        assert_eq!(drain(&mut s, true), (1000, None));
        // The application tries to write, but the socket never drains.
        let out = s.poll_output();
        assert_eq!(out.len(), 2 + 4, "exactly one Pong queued");
        assert!(s.buffered_capacity() <= 2 * burst.len() + SLACK);
    }
    // Once writable: the Pong queued first, then one for the latest Ping only
    // (both answer Ping 999, the last of a burst).
    let pong = [0x8a, 4, 0, 0, 0x03, 0xe7];
    assert_eq!(drain_output(&mut s), pong);
    assert_eq!(drain_output(&mut s), pong);
    assert!(!s.wants_write());
}

/// A ping flood from a peer that does read: one Pong per Ping at most, work
/// and memory linear in the input.
#[test]
fn ping_flood_answered_in_constant_memory() {
    let mut s = Connection::new(Role::Server, Config::default());
    let ping = masked(0x89, b"flood");
    let burst: Vec<u8> = ping
        .iter()
        .copied()
        .cycle()
        .take(ping.len() * 10_000)
        .collect();
    let mut pongs = 0;
    for _ in 0..50 {
        s.receive(&burst);
        assert_eq!(drain(&mut s, false), (10_000, None));
        let out = drain_output(&mut s);
        pongs += out.len() / 7;
        assert!(s.buffered_capacity() <= 2 * burst.len() + SLACK);
    }
    assert!((50..=500_000).contains(&pongs), "{pongs} pongs");
}

/// Tomcat CVE-2020-13935 looped on a 64-bit length with its most significant
/// bit set. §5.2 forbids it: a protocol error (1002), however the bytes are
/// split, and nothing after.
#[test]
fn cve_2020_13935_length_with_top_bit_set_is_a_protocol_error() {
    for len in [1u64 << 63, u64::MAX, (1 << 63) | 0x10000] {
        let wire = masked_header(0x82, len);
        refused(
            &Config::default(),
            &wire,
            Error::Protocol(ProtocolError::LengthTopBitSet),
        );
        let mut s = Connection::new(Role::Server, Config::default());
        for b in &wire {
            s.receive(&[*b]);
            if let (_, Some(e)) = drain(&mut s, false) {
                assert_eq!(e, Error::Protocol(ProtocolError::LengthTopBitSet));
            }
        }
        assert!(s.is_failed());
    }
}

/// gorilla/websocket CVE-2020-27813 checked the size limit per frame but not
/// across fragments. Each fragment here is within `max_frame_size`, a Ping
/// sits between them, and the sum passes `max_message_size`: refused with 1009
/// from the second header, before its payload is read.
#[test]
fn cve_2020_27813_fragments_summing_past_the_limit_with_a_control_frame_between() {
    let config = Config::default()
        .max_frame_size(1000)
        .max_message_size(1500);
    let mut wire = masked(0x02, &[7; 1000]);
    wire.extend_from_slice(&masked(0x89, b"between"));
    wire.extend_from_slice(&masked_header(0x00, 1000));
    let error = Error::Limit(LimitError::MessageTooLarge { limit: 1500 });
    refused(&config, &wire, error.clone());
    // Many small fragments with Pings between: the sum still counts.
    let mut wire = masked(0x01, b"a");
    for _ in 0..2000 {
        wire.extend_from_slice(&masked(0x00, b"b"));
        wire.extend_from_slice(&masked(0x89, b""));
    }
    let mut s = Connection::new(Role::Server, config);
    s.receive(&wire);
    let (events, got) = drain(&mut s, true);
    assert_eq!(got, Some(error));
    assert_eq!(events, 1499, "one Ping per fragment accepted");
    assert!(s.buffered_capacity() <= wire.len() + 2 * 1500 + SLACK);
}

/// A crafted 14-byte header (127-length, 0x7FFF_FFFF_FFFF_FFFF, a masking key)
/// stresses the header-length arithmetic (header + payload, offsets, masking
/// positions): no overflow panic, with limits or without, in either role.
#[test]
fn header_length_arithmetic_overflow_does_not_panic() {
    let header = masked_header(0x82, 0x7FFF_FFFF_FFFF_FFFF);
    assert_eq!(header.len(), 14);
    let declared = 0x7FFF_FFFF_FFFF_FFFF;
    let limit = Config::default().get_max_frame_size();
    refused(
        &Config::default(),
        &header,
        Error::Limit(LimitError::FrameTooLarge { declared, limit }),
    );
    // A control frame cannot be that long (§5.5), nor fragmented.
    let mut ping = header.clone();
    ping[0] = 0x89;
    refused(
        &Config::default(),
        &ping,
        Error::Protocol(ProtocolError::ControlFrameTooLong),
    );
    // Unlimited: accepted and streamed; the masking offset runs on.
    let config = Config::default()
        .max_frame_size(usize::MAX)
        .max_message_size(usize::MAX);
    let mut s = Connection::new(Role::Server, config.clone());
    s.receive(&header);
    s.receive(&[1, 2, 3, 4, 5, 6, 7]);
    match s.poll_event() {
        Ok(Some(Event::Data { payload, .. })) => assert_eq!(payload, [0, 0, 0, 0, 4, 4, 4]),
        other => panic!("{other:?}"),
    }
    s.receive_eof();
    assert_eq!(drain(&mut s, false), (0, Some(Error::UnexpectedEof)));
    // A client refuses the masked header outright.
    let mut c = Connection::new(Role::Client, config);
    c.receive(&header);
    assert_eq!(
        drain(&mut c, false).1,
        Some(Error::Protocol(ProtocolError::MaskedFrame))
    );
}

/// Endless zero-length continuation frames: each costs its header and
/// nothing else. No event is reported for them (the message has started, and
/// an empty fragment adds nothing), memory stays at one read, and the message
/// they belong to still ends correctly.
#[test]
fn endless_zero_length_continuations_use_constant_memory_and_linear_work() {
    let empty = masked(0x00, b"");
    let chunk: Vec<u8> = empty
        .iter()
        .copied()
        .cycle()
        .take(empty.len() * 10_000)
        .collect();
    for messages in [false, true] {
        let mut s = Connection::new(Role::Server, Config::default());
        s.receive(&masked(0x01, b"a"));
        let (events, _) = drain(&mut s, messages);
        assert_eq!(events, usize::from(!messages), "only the first chunk");
        let rounds = if messages { 20 } else { 100 };
        for _ in 0..rounds {
            s.receive(&chunk);
            assert_eq!(
                drain(&mut s, messages),
                (0, None),
                "no events for empty fragments"
            );
            assert!(s.buffered_capacity() <= 2 * chunk.len() + SLACK);
        }
        s.receive(&masked(0x80, b"b"));
        if messages {
            assert_eq!(s.poll_message().unwrap(), Some(Message::text("ab")));
        } else {
            match s.poll_event().unwrap() {
                Some(Event::Data {
                    kind: MessageKind::Text,
                    payload: b"b",
                    is_first: false,
                    is_last: true,
                }) => {}
                other => panic!("{other:?}"),
            }
        }
    }
}

/// Zero-length frames that start messages are reported (one event each, as
/// each is a whole empty message), so the work stays one event per frame.
#[test]
fn zero_length_messages_one_event_each() {
    let empty = masked(0x82, b"");
    let wire: Vec<u8> = empty
        .iter()
        .copied()
        .cycle()
        .take(empty.len() * 100_000)
        .collect();
    let mut s = Connection::new(Role::Server, Config::default());
    s.receive(&wire);
    assert_eq!(drain(&mut s, true), (100_000, None));
    assert!(s.buffered_capacity() <= 2 * wire.len() + SLACK);
}

/// After the peer's Close, or after a failure, input is discarded, not buffered.
#[test]
fn input_after_close_or_failure_is_not_buffered() {
    let junk = vec![0x82u8; 64 * 1024];
    for first in [masked(0x88, b"\x03\xe8"), masked(0x83, b"")] {
        let mut s = Connection::new(Role::Server, Config::default());
        s.receive(&first);
        drain(&mut s, false);
        assert_eq!(s.state(), State::Closed);
        for _ in 0..100 {
            s.receive(&junk);
            let buf = s.read_buf();
            let n = buf.len();
            s.commit_read(n).unwrap();
            assert_eq!(drain(&mut s, false), (0, None));
        }
        assert!(s.buffered_capacity() <= 2 * junk.len() + SLACK);
        let out = drain_output(&mut s);
        let code = close_code_on_wire(&out, Role::Client).unwrap();
        assert!([CloseCode::NORMAL, CloseCode::PROTOCOL_ERROR].contains(&code));
    }
}

/// A huge message trickling in while streamed with `poll_event`: memory is one
/// read, whatever the message's size.
#[test]
fn streamed_huge_message_holds_one_read() {
    let config = Config::default()
        .max_frame_size(1 << 40)
        .max_message_size(1 << 40);
    let mut s = Connection::new(Role::Server, config);
    s.receive(&masked_header(0x82, 1 << 30));
    let chunk = vec![0u8; 64 * 1024];
    for _ in 0..200 {
        s.receive(&chunk);
        assert_eq!(drain(&mut s, false), (1, None));
        assert!(s.buffered_capacity() <= 2 * chunk.len() + SLACK);
    }
}
