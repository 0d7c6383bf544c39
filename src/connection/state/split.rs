//! The connection driven through the transitions of `state.rs`: the
//! per-message transform seam, fail-fast UTF-8, and the property that any
//! split of the input gives the same messages, events and output.

use alloc::string::String;
use alloc::vec::Vec;

use super::super::transform::{RSV1, Transform};
use super::super::{Connection, Event, Message, Role, State};
use crate::config::Config;
use crate::error::{LimitError, ProtocolError};
use crate::frame::{FrameHeader, MAX_HEADER_LEN, OpCode, apply_mask};

/// A masked client frame.
fn client_frame(opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) -> Vec<u8> {
    let key = [9, 8, 7, 6];
    let h = FrameHeader {
        fin,
        rsv,
        opcode,
        mask: Some(key),
        payload_len: payload.len() as u64,
    };
    let mut head = [0u8; MAX_HEADER_LEN];
    let n = h.encode(&mut head);
    let mut out = head[..n].to_vec();
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], key, 0);
    out
}

#[test]
fn the_transform_seam_gets_marked_messages_and_its_output_is_limited() {
    let mut server = Connection::new(Role::Server, Config::default().max_message_size(10));
    server.transform = Transform::double();
    let mut wire = client_frame(OpCode::Text, false, RSV1, b"ab");
    wire.extend(client_frame(OpCode::Continuation, true, 0, b"c"));
    wire.extend(client_frame(OpCode::Binary, true, 0, b"plain"));
    server.receive(&wire);
    assert_eq!(server.poll_message(), Ok(Some(Message::from("aabbcc"))));
    assert_eq!(
        server.poll_message(),
        Ok(Some(Message::from(&b"plain"[..])))
    );
    // Six bytes declared, twelve produced: over the limit of ten.
    server.receive(&client_frame(OpCode::Binary, true, RSV1, b"123456"));
    let err = server.poll_event().unwrap_err();
    assert_eq!(err, LimitError::MessageTooLarge { limit: 10 }.into());
    assert_eq!(server.state(), State::Closed);
}

#[test]
fn text_split_across_reads_fails_fast_on_invalid_utf8() {
    let mut server = Connection::new(Role::Server, Config::default());
    let wire = client_frame(OpCode::Text, true, 0, b"ok\xF5 and the rest never comes");
    server.receive(&wire[..10]);
    let err = server.poll_message().unwrap_err();
    assert_eq!(err, ProtocolError::InvalidUtf8.into());
}

/// What a server makes of `wire` fed in pieces cut at `cuts`: what it
/// delivered (owned, and for events with each message's chunks joined, so
/// that only the bytes and not the chunking must agree) and what it wrote.
fn run(wire: &[u8], cuts: &[usize], messages: bool) -> (Vec<String>, Vec<u8>) {
    let mut server = Connection::new(Role::Server, Config::default().max_message_size(300));
    let mut seen = Vec::new();
    let mut joined: Vec<u8> = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().chain([&wire.len()]) {
        let cut = cut.clamp(at, wire.len());
        server.receive(&wire[at..cut]);
        at = cut;
        loop {
            let step = if messages {
                server
                    .poll_message()
                    .map(|m| m.map(|m| alloc::format!("{m:?}")))
            } else {
                server.poll_event().map(|e| {
                    e.map(|e| match e {
                        Event::Data {
                            kind,
                            payload,
                            is_last,
                            ..
                        } => {
                            joined.extend_from_slice(payload);
                            if is_last {
                                alloc::format!("{kind:?} {:?}", core::mem::take(&mut joined))
                            } else {
                                String::new()
                            }
                        }
                        other => alloc::format!("{other:?}"),
                    })
                })
            };
            match step {
                Ok(Some(s)) if s.is_empty() => {}
                Ok(Some(s)) => seen.push(s),
                Ok(None) => break,
                Err(e) => {
                    seen.push(alloc::format!("error {e:?}"));
                    break;
                }
            }
        }
    }
    let out = server.poll_output().to_vec();
    (seen, out)
}

proptest::proptest! {
    #[test]
    fn any_split_gives_the_same_messages_events_and_output(
        frames in proptest::collection::vec(
            (0u8..6, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)),
            0..10,
        ),
        cuts in proptest::collection::vec(0usize..600, 0..12),
    ) {
        let mut wire = Vec::new();
        for (kind, payload) in &frames {
            let (op, fin) = match kind {
                0 => (OpCode::Text, true),
                1 => (OpCode::Binary, true),
                2 => (OpCode::Binary, false),
                3 => (OpCode::Continuation, true),
                4 => (OpCode::Ping, true),
                _ => (OpCode::Text, false),
            };
            // Text mostly valid, so that messages get through.
            let payload = if op == OpCode::Text && payload.first().is_some_and(|b| b % 4 != 0) {
                String::from_utf8_lossy(payload).into_owned().into_bytes()
            } else {
                payload.clone()
            };
            wire.extend(client_frame(op, fin, 0, &payload));
        }
        let mut cuts = cuts;
        cuts.sort_unstable();
        for messages in [true, false] {
            let whole = run(&wire, &[], messages);
            proptest::prop_assert_eq!(run(&wire, &cuts, messages), whole);
        }
    }
}

#[test]
fn events_for_a_ping_are_what_poll_event_returns() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.receive(&client_frame(OpCode::Ping, true, 0, b"hi"));
    assert_eq!(server.poll_event(), Ok(Some(Event::Ping(b"hi"))));
}
