//! One test per transition of `state.rs`, legal and illegal.

use alloc::vec;
use alloc::vec::Vec;

use super::super::KeySource;
use super::super::transform::RSV1;
use super::*;
use crate::config::Config;
use crate::error::ApiMisuse;
use crate::frame::HeaderStatus;

fn output() -> Output {
    use rand::SeedableRng as _;
    let rng = rand::rngs::StdRng::from_seed([7; 32]);
    Output::new(KeySource::Seeded(alloc::boxed::Box::new(rng)), false)
}

/// The frames in a server's output, as (opcode, payload).
fn frames(tx: &mut Output) -> Vec<(OpCode, Vec<u8>)> {
    let mut wire = tx.unsent().to_vec();
    tx.advance(wire.len()).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        let HeaderStatus::Complete(h, n) = FrameHeader::decode(&wire[at..]).unwrap() else {
            panic!("partial frame in output")
        };
        let payload = &mut wire[at + n..at + n + h.payload_len as usize];
        out.push((h.opcode, payload.to_vec()));
        at += n + h.payload_len as usize;
    }
    out
}

fn close_body(code: u16, reason: &str) -> Vec<u8> {
    let mut body = code.to_be_bytes().to_vec();
    body.extend_from_slice(reason.as_bytes());
    body
}

// ---- Lifecycle -------------------------------------------------------------

#[test]
fn open_close_goes_closing_and_queues_our_close() {
    let (mut life, mut tx) = (Lifecycle::Open, output());
    life.close(&mut tx, CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(life, Lifecycle::Closing);
    assert_eq!(life.state(), State::Closing);
    assert_eq!(frames(&mut tx), [(OpCode::Close, close_body(1000, "bye"))]);
}

#[test]
fn open_peer_close_echoes_its_code() {
    let (mut life, mut tx) = (Lifecycle::Open, output());
    life.close_received(&mut tx, Some(CloseCode::GOING_AWAY));
    assert_eq!(life, Lifecycle::Closed(Ending::Handshake));
    assert_eq!(frames(&mut tx), [(OpCode::Close, close_body(1001, ""))]);
}

#[test]
fn open_peer_close_without_code_is_echoed_empty_after_a_pending_pong() {
    let (mut life, mut tx) = (Lifecycle::Open, output());
    tx.set_pending_pong(b"p");
    life.close_received(&mut tx, None);
    let sent = frames(&mut tx);
    assert_eq!(
        sent,
        [(OpCode::Pong, b"p".to_vec()), (OpCode::Close, vec![])]
    );
}

#[test]
fn closing_peer_close_completes_and_drops_a_pending_pong() {
    let (mut life, mut tx) = (Lifecycle::Closing, output());
    tx.set_pending_pong(b"late");
    life.close_received(&mut tx, Some(CloseCode::NORMAL));
    assert_eq!(life, Lifecycle::Closed(Ending::Handshake));
    assert!(frames(&mut tx).is_empty());
}

#[test]
fn open_fail_queues_a_close_with_the_errors_code() {
    for (err, code) in [
        (Error::from(ProtocolError::UnmaskedFrame), 1002),
        (ProtocolError::InvalidUtf8.into(), 1007),
        (LimitError::MessageTooLarge { limit: 1 }.into(), 1009),
    ] {
        let (mut life, mut tx) = (Lifecycle::Open, output());
        tx.set_pending_pong(b"dropped");
        life.fail(&mut tx, &err);
        assert_eq!(life, Lifecycle::Closed(Ending::Failed));
        let sent = frames(&mut tx);
        assert_eq!(sent.len(), 1, "{err}: {sent:?}");
        assert_eq!(sent[0].0, OpCode::Close);
        assert_eq!(sent[0].1[..2], u16::to_be_bytes(code));
    }
}

#[test]
fn closing_fail_queues_nothing_more() {
    let (mut life, mut tx) = (Lifecycle::Closing, output());
    life.fail(&mut tx, &ProtocolError::MaskedFrame.into());
    assert_eq!(life, Lifecycle::Closed(Ending::Failed));
    assert!(frames(&mut tx).is_empty());
}

#[test]
fn eof_while_open_or_closing_is_an_abnormal_closure() {
    for from in [Lifecycle::Open, Lifecycle::Closing] {
        let mut life = from;
        assert_eq!(life.eof(), Err(Error::UnexpectedEof));
        assert_eq!(life, Lifecycle::Closed(Ending::Eof));
        // Reported once.
        assert_eq!(life.eof(), Ok(()));
    }
}

#[test]
fn closed_ignores_every_event() {
    for ending in [Ending::Handshake, Ending::Failed, Ending::Eof] {
        let (mut life, mut tx) = (Lifecycle::Closed(ending), output());
        life.close_received(&mut tx, Some(CloseCode::NORMAL));
        life.fail(&mut tx, &ProtocolError::MaskedFrame.into());
        assert_eq!(life.eof(), Ok(()));
        assert_eq!(life, Lifecycle::Closed(ending));
        assert!(frames(&mut tx).is_empty());
    }
}

#[test]
fn commands_allowed_per_state() {
    let refused = Err(Error::Api(ApiMisuse::AlreadyClosing));
    let closed = Lifecycle::Closed(Ending::Handshake);
    assert_eq!(Lifecycle::Open.may_send(), Ok(()));
    assert_eq!(Lifecycle::Closing.may_send(), refused);
    assert_eq!(closed.may_send(), refused);
    assert_eq!(Lifecycle::Open.may_pong(), Ok(()));
    assert_eq!(Lifecycle::Closing.may_pong(), Ok(()));
    assert_eq!(closed.may_pong(), refused);
    for from in [Lifecycle::Closing, closed] {
        let (mut life, mut tx) = (from, output());
        assert_eq!(life.close(&mut tx, CloseCode::NORMAL, ""), refused);
        assert_eq!(life, from);
        assert!(frames(&mut tx).is_empty());
    }
}

// ---- Incoming --------------------------------------------------------------

fn header(opcode: OpCode, fin: bool, len: u64) -> FrameHeader {
    FrameHeader {
        fin,
        rsv: 0,
        opcode,
        mask: Some([1, 2, 3, 4]),
        payload_len: len,
    }
}

fn accept(incoming: &mut Incoming, h: FrameHeader) -> Result<(), Error> {
    accept_header(incoming, &h, true, 0, &Config::default())
}

#[test]
fn a_text_or_binary_header_starts_a_message() {
    for (opcode, kind) in [
        (OpCode::Text, MessageKind::Text),
        (OpCode::Binary, MessageKind::Binary),
    ] {
        let mut incoming = None;
        accept(&mut incoming, header(opcode, true, 5)).unwrap();
        let m = incoming.unwrap();
        assert_eq!((m.kind, m.size, m.started), (kind, 5, false));
        assert!(m.is_single_frame());
    }
}

#[test]
fn a_continuation_without_a_message_is_refused() {
    let mut incoming = None;
    let err = accept(&mut incoming, header(OpCode::Continuation, true, 1));
    assert_eq!(err, Err(ProtocolError::UnexpectedContinuation.into()));
}

#[test]
fn a_new_message_inside_a_fragmented_one_is_refused() {
    let mut incoming = None;
    accept(&mut incoming, header(OpCode::Text, false, 0)).unwrap();
    let mut buf = [];
    assert!(matches!(
        take_chunk(&mut incoming, &mut buf, false),
        Taken::Chunk(0, _)
    ));
    let err = accept(&mut incoming, header(OpCode::Binary, true, 1));
    assert_eq!(err, Err(ProtocolError::ExpectedContinuation.into()));
}

#[test]
fn continuations_add_up_against_the_message_limit() {
    let config = Config::default().max_message_size(10);
    let mut incoming = None;
    let h = |op, len| header(op, false, len);
    accept_header(&mut incoming, &h(OpCode::Binary, 6), true, 0, &config).unwrap();
    let mut payload = [0u8; 6];
    assert!(matches!(
        take_chunk(&mut incoming, &mut payload, false),
        Taken::Chunk(6, _)
    ));
    accept_header(&mut incoming, &h(OpCode::Continuation, 4), true, 0, &config).unwrap();
    assert_eq!(incoming.unwrap().size, 10);
    let mut payload = [0u8; 4];
    assert!(matches!(
        take_chunk(&mut incoming, &mut payload, false),
        Taken::Chunk(4, _)
    ));
    let err = accept_header(&mut incoming, &h(OpCode::Continuation, 1), true, 0, &config);
    assert_eq!(err, Err(LimitError::MessageTooLarge { limit: 10 }.into()));
}

#[test]
fn a_frame_over_the_frame_limit_is_refused_from_its_header() {
    let config = Config::default().max_frame_size(100);
    let err = accept_header(
        &mut None,
        &header(OpCode::Binary, true, 101),
        true,
        0,
        &config,
    );
    let declared = 101;
    assert_eq!(
        err,
        Err(LimitError::FrameTooLarge {
            declared,
            limit: 100
        }
        .into())
    );
}

#[test]
fn rsv_bits_only_where_an_extension_claims_them() {
    let config = Config::default();
    let with_rsv = |op, rsv| FrameHeader {
        rsv,
        ..header(op, true, 0)
    };
    let refused = |rsv| Err(ProtocolError::ReservedBits(rsv).into());
    // Nothing claimed: any RSV bit fails.
    let got = accept_header(&mut None, &with_rsv(OpCode::Text, RSV1), true, 0, &config);
    assert_eq!(got, refused(RSV1));
    // Claimed: allowed on a first frame, which marks the message.
    let mut incoming = None;
    accept_header(
        &mut incoming,
        &with_rsv(OpCode::Text, RSV1),
        true,
        RSV1,
        &config,
    )
    .unwrap();
    assert!(incoming.unwrap().transformed);
    // Never on a continuation or a control frame, nor an unclaimed bit.
    let mut fragmented = None;
    let first = FrameHeader {
        fin: false,
        ..with_rsv(OpCode::Binary, RSV1)
    };
    accept_header(&mut fragmented, &first, true, RSV1, &config).unwrap();
    let cont = with_rsv(OpCode::Continuation, RSV1);
    assert_eq!(
        accept_header(&mut fragmented, &cont, true, RSV1, &config),
        refused(RSV1)
    );
    let ping = with_rsv(OpCode::Ping, RSV1);
    assert_eq!(
        accept_header(&mut None, &ping, true, RSV1, &config),
        refused(RSV1)
    );
    let rsv2 = with_rsv(OpCode::Text, 0b010);
    assert_eq!(
        accept_header(&mut None, &rsv2, true, RSV1, &config),
        refused(0b010)
    );
}

#[test]
fn masking_direction_per_role() {
    let config = Config::default();
    let unmasked = FrameHeader {
        mask: None,
        ..header(OpCode::Text, true, 0)
    };
    let masked = header(OpCode::Text, true, 0);
    let got = accept_header(&mut None, &unmasked, true, 0, &config);
    assert_eq!(got, Err(ProtocolError::UnmaskedFrame.into()));
    let lax = Config::default().dangerous_accept_unmasked_frames(true);
    assert_eq!(accept_header(&mut None, &unmasked, true, 0, &lax), Ok(()));
    let got = accept_header(&mut None, &masked, false, 0, &config);
    assert_eq!(got, Err(ProtocolError::MaskedFrame.into()));
    assert_eq!(
        accept_header(&mut None, &unmasked, false, 0, &config),
        Ok(())
    );
}

#[test]
fn chunks_move_the_message_from_frame_to_frame_to_done() {
    let mut incoming = None;
    accept(&mut incoming, header(OpCode::Binary, false, 4)).unwrap();
    let mut buf = [0u8; 3];
    let Taken::Chunk(3, first) = take_chunk(&mut incoming, &mut buf, false) else {
        panic!()
    };
    assert!(first.is_first && !first.is_last);
    assert!(incoming.unwrap().frame.is_some(), "still inside the frame");
    assert_eq!(
        take_chunk(&mut incoming, &mut [], false),
        Taken::NeedMore { awaited: None }
    );
    let Taken::Chunk(1, end) = take_chunk(&mut incoming, &mut [0u8; 9], false) else {
        panic!()
    };
    assert!(!end.is_first && !end.is_last);
    assert_eq!(incoming.unwrap().frame, None, "between frames");
    assert_eq!(
        take_chunk(&mut incoming, &mut [0u8; 9], false),
        Taken::NoFrame
    );
    accept(&mut incoming, header(OpCode::Continuation, true, 2)).unwrap();
    let Taken::Chunk(2, last) = take_chunk(&mut incoming, &mut [0u8; 2], false) else {
        panic!()
    };
    assert!(!last.is_first && last.is_last);
    assert_eq!(incoming, None, "message complete");
}

#[test]
fn a_single_frame_binary_message_is_awaited_whole_for_lending() {
    let mut incoming = None;
    accept(&mut incoming, header(OpCode::Binary, true, 10)).unwrap();
    let awaited = Taken::NeedMore { awaited: Some(10) };
    assert_eq!(take_chunk(&mut incoming, &mut [0u8; 4], true), awaited);
    assert!(matches!(
        take_chunk(&mut incoming, &mut [0u8; 10], true),
        Taken::Chunk(10, _)
    ));
    // Text, fragments and transformed messages stream instead.
    let mut text = None;
    accept(&mut text, header(OpCode::Text, true, 10)).unwrap();
    assert!(matches!(
        take_chunk(&mut text, &mut [0u8; 4], true),
        Taken::Chunk(4, _)
    ));
    let mut fragment = None;
    accept(&mut fragment, header(OpCode::Binary, false, 10)).unwrap();
    assert!(matches!(
        take_chunk(&mut fragment, &mut [0u8; 4], true),
        Taken::Chunk(4, _)
    ));
}
