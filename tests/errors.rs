//! One test per way the peer can break the protocol: the error kind returned,
//! and the close code queued on the wire (§7.1.7, §7.4.1).

mod common;

use common::{close_code_on_wire, drain_output};
use rfc6455::connection::State;
use rfc6455::error::{ApiMisuse, LimitError, ProtocolError};
use rfc6455::{CloseCode, Config, Connection, Error, MessageKind, Role};

/// Masks a frame as a client would (key 1,2,3,4), for feeding to a server.
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let key = [1u8, 2, 3, 4];
    let mut out = vec![first];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n < 65536 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// Feeds `wire` to a server and returns the error it reports, checking the
/// close code it queued and that it then ignores further input.
fn server_error(config: Config, wire: &[u8]) -> (Error, Option<CloseCode>) {
    let mut s = Connection::new(Role::Server, config);
    s.receive(wire);
    let err = loop {
        match s.poll_message() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("no error for {wire:x?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(s.state(), State::Closed);
    assert!(s.is_failed());
    s.receive(&masked(0x81, b"ignored"));
    assert!(matches!(s.poll_message(), Ok(None)));
    assert!(
        !s.wants_transport_close(),
        "close frame still to be written"
    );
    let out = drain_output(&mut s);
    assert!(s.wants_transport_close());
    (err, close_code_on_wire(&out, Role::Client))
}

fn expect(wire: &[u8], error: Error, code: CloseCode) {
    assert_eq!(
        server_error(Config::default(), wire),
        (error.clone(), Some(code)),
        "{error}"
    );
    assert_eq!(error.close_code(), Some(code));
}

#[test]
fn reserved_opcodes() {
    for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
        expect(
            &masked(0x80 | op, b""),
            Error::Protocol(ProtocolError::ReservedOpcode(op)),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

#[test]
fn reserved_bits_without_extension() {
    for rsv in [0x40u8, 0x20, 0x10, 0x70] {
        expect(
            &masked(0x81 | rsv, b"x"),
            Error::Protocol(ProtocolError::ReservedBits(rsv >> 4)),
            CloseCode::PROTOCOL_ERROR,
        );
    }
}

#[test]
fn unmasked_client_frame() {
    expect(
        b"\x81\x02hi",
        Error::Protocol(ProtocolError::UnmaskedFrame),
        CloseCode::PROTOCOL_ERROR,
    );
    // Opt-in tolerance.
    let mut s = Connection::new(
        Role::Server,
        Config::default().dangerous_accept_unmasked_frames(true),
    );
    s.receive(b"\x81\x02hi");
    assert!(matches!(s.poll_message(), Ok(Some(rfc6455::Message::Text(t))) if t == "hi"));
}

#[test]
fn masked_server_frame() {
    let mut c = Connection::new(Role::Client, Config::default());
    c.receive(&masked(0x81, b"hi"));
    assert_eq!(
        c.poll_event().unwrap_err(),
        Error::Protocol(ProtocolError::MaskedFrame)
    );
    let out = drain_output(&mut c);
    assert_eq!(
        close_code_on_wire(&out, Role::Server),
        Some(CloseCode::PROTOCOL_ERROR)
    );
}

#[test]
fn length_top_bit_set() {
    let wire = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
    expect(
        &wire,
        Error::Protocol(ProtocolError::LengthTopBitSet),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn non_minimal_lengths() {
    expect(
        &[0x82, 0xFE, 0, 5, 1, 2, 3, 4],
        Error::Protocol(ProtocolError::NonMinimalLength),
        CloseCode::PROTOCOL_ERROR,
    );
    expect(
        &[0x82, 0xFF, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2, 3, 4],
        Error::Protocol(ProtocolError::NonMinimalLength),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn control_frame_too_long() {
    expect(
        &masked(0x89, &[0; 126]),
        Error::Protocol(ProtocolError::ControlFrameTooLong),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn fragmented_control_frame() {
    expect(
        &masked(0x09, b"x"),
        Error::Protocol(ProtocolError::FragmentedControlFrame),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn continuation_without_message() {
    expect(
        &masked(0x80, b"x"),
        Error::Protocol(ProtocolError::UnexpectedContinuation),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn new_message_inside_fragmented_one() {
    let mut wire = masked(0x01, b"a");
    wire.extend(masked(0x81, b"b"));
    expect(
        &wire,
        Error::Protocol(ProtocolError::ExpectedContinuation),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn invalid_utf8_text_whole_and_fragmented() {
    expect(
        &masked(0x81, b"ab\xff"),
        Error::Protocol(ProtocolError::InvalidUtf8),
        CloseCode::INVALID_PAYLOAD,
    );
    let mut wire = masked(0x01, "κ".as_bytes());
    wire.extend(masked(0x80, b"\xc0\xaf"));
    expect(
        &wire,
        Error::Protocol(ProtocolError::InvalidUtf8),
        CloseCode::INVALID_PAYLOAD,
    );
    // Unfinished code point at the end of the message.
    expect(
        &masked(0x81, b"ok\xe2\x82"),
        Error::Protocol(ProtocolError::InvalidUtf8),
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn invalid_utf8_fails_before_the_message_ends() {
    // The first fragment already holds an impossible sequence: the streaming API
    // reports it without waiting for the rest (§8.1; Autobahn 6.4.x).
    let mut s = Connection::new(Role::Server, Config::default());
    s.receive(&masked(0x01, b"ok\xf5"));
    assert_eq!(
        s.poll_event().unwrap_err(),
        Error::Protocol(ProtocolError::InvalidUtf8)
    );
    // Also within one frame whose payload has only partly arrived.
    let frame = masked(0x81, b"hello\xed\xa0\x80 and much more text after it");
    let mut s = Connection::new(Role::Server, Config::default());
    s.receive(&frame[..6 + 7]);
    assert_eq!(
        s.poll_message().unwrap_err(),
        Error::Protocol(ProtocolError::InvalidUtf8)
    );
}

#[test]
fn invalid_close_payloads() {
    expect(
        &masked(0x88, b"\x03"),
        Error::Protocol(ProtocolError::CloseFrameTooShort),
        CloseCode::PROTOCOL_ERROR,
    );
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
        expect(
            &masked(0x88, &code.to_be_bytes()),
            Error::Protocol(ProtocolError::InvalidCloseCode(code)),
            CloseCode::PROTOCOL_ERROR,
        );
    }
    let mut body = 1000u16.to_be_bytes().to_vec();
    body.extend_from_slice(b"\xce\xba\xff");
    expect(
        &masked(0x88, &body),
        Error::Protocol(ProtocolError::InvalidUtf8),
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn frame_over_limit_refused_from_header_alone() {
    let config = Config::default().max_frame_size(1000);
    // Only the header arrives: the declared length alone is refused.
    let (err, code) = server_error(config.clone(), &[0x82, 0xFE, 0x03, 0xE9, 1, 2, 3, 4]);
    assert_eq!(
        err,
        Error::Limit(LimitError::FrameTooLarge {
            declared: 1001,
            limit: 1000
        })
    );
    assert_eq!(code, Some(CloseCode::MESSAGE_TOO_BIG));
    // 2^63 - 1 declared with the default limit.
    let wire = [
        0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4,
    ];
    let (err, code) = server_error(Config::default(), &wire);
    assert!(
        matches!(err, Error::Limit(LimitError::FrameTooLarge { declared, .. }) if declared == (1 << 63) - 1)
    );
    assert_eq!(code, Some(CloseCode::MESSAGE_TOO_BIG));
}

#[test]
fn message_over_limit_across_fragments_with_interleaved_ping() {
    let config = Config::default().max_message_size(100).max_frame_size(100);
    let mut wire = masked(0x02, &[0; 60]);
    wire.extend(masked(0x89, b"ping"));
    wire.extend(masked(0x80, &[0; 41]));
    let (err, code) = server_error(config, &wire);
    assert_eq!(
        err,
        Error::Limit(LimitError::MessageTooLarge { limit: 100 })
    );
    assert_eq!(code, Some(CloseCode::MESSAGE_TOO_BIG));
}

#[test]
fn eof_before_close_is_abnormal() {
    let mut s = Connection::new(Role::Server, Config::default());
    s.receive(&masked(0x81, b"hel")[..5]);
    s.receive_eof();
    assert_eq!(s.poll_event().unwrap_err(), Error::UnexpectedEof);
    assert_eq!(Error::UnexpectedEof.close_code(), None);
    assert_eq!(s.state(), State::Closed);
    assert!(matches!(s.poll_event(), Ok(None)));
    assert!(s.wants_transport_close());
    assert!(s.poll_output().is_empty(), "nothing is sent after EOF");
}

#[test]
fn api_misuse_is_a_value_not_a_panic() {
    let mut c = Connection::new(Role::Client, Config::default());
    assert_eq!(
        c.send_ping(&[0; 126]),
        Err(Error::Api(ApiMisuse::ControlPayloadTooLong))
    );
    assert_eq!(
        c.close(CloseCode::ABNORMAL, ""),
        Err(Error::Api(ApiMisuse::UnsendableCloseCode(1006)))
    );
    assert_eq!(
        c.close(CloseCode::NORMAL, &"x".repeat(124)),
        Err(Error::Api(ApiMisuse::ControlPayloadTooLong))
    );
    assert_eq!(
        c.send_fragment(MessageKind::Text, b"\xff", false),
        Err(Error::Api(ApiMisuse::InvalidUtf8))
    );
    c.send_fragment(MessageKind::Text, b"a\xe2", false).unwrap();
    assert_eq!(
        c.send_text("x"),
        Err(Error::Api(ApiMisuse::MessageInProgress))
    );
    assert_eq!(
        c.send_fragment(MessageKind::Binary, b"", true),
        Err(Error::Api(ApiMisuse::MessageKindMismatch))
    );
    assert_eq!(
        c.send_fragment(MessageKind::Text, b"\x82", true),
        Err(Error::Api(ApiMisuse::InvalidUtf8)),
        "unfinished at the end"
    );
    c.send_fragment(MessageKind::Text, b"\x82\xac", true)
        .unwrap();
    c.close(CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(
        c.send_text("late"),
        Err(Error::Api(ApiMisuse::AlreadyClosing))
    );
    assert_eq!(c.send_ping(b""), Err(Error::Api(ApiMisuse::AlreadyClosing)));
    let n = c.poll_output().len();
    assert_eq!(
        c.advance_output(n + 1),
        Err(Error::Api(ApiMisuse::AdvancedTooFar))
    );
    assert_eq!(
        c.commit_read(usize::MAX),
        Err(Error::Api(ApiMisuse::AdvancedTooFar))
    );
}

/// The sub-kind is the error's `source()`, so a caller walking the chain
/// (as `anyhow` does) sees which rule the peer broke.
#[test]
fn error_source_is_its_sub_kind() {
    use core::error::Error as _;
    let (err, _) = server_error(Config::default(), &masked(0x83, b""));
    let source = err.source().expect("a protocol error has a source");
    assert_eq!(
        source.to_string(),
        ProtocolError::ReservedOpcode(3).to_string()
    );
    assert!(Error::UnexpectedEof.source().is_none());
}
