//! Properties over random input: whatever one core sends, the other receives
//! identically however the bytes are split; arbitrary bytes never panic.

mod common;

use common::{
    Seen, drain_output, feed_event_pieces, feed_events, feed_messages, feed_messages_read_buf,
};
use proptest::prelude::*;
use rfc6455::{Config, Connection, MessageKind, Role};

#[derive(Debug, Clone)]
enum Op {
    /// A whole message, sent as fragments of the given sizes (empty: one frame).
    Message {
        kind: MessageKind,
        data: Vec<u8>,
        fragments: Vec<usize>,
    },
    Ping(Vec<u8>),
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(125),
        Just(126),
        Just(65535),
        Just(65536),
        0usize..300,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), size(), any::<u8>(), proptest::collection::vec(1usize..70000, 0..4)).prop_map(
            |(text, len, seed, fragments)| {
                let data: Vec<u8> = if text {
                    // Mixed ASCII and multi-byte characters, cut to about `len` bytes.
                    let s: String = (0..len).map(|i| ['a', 'é', '€', '🎉'][(i + seed as usize) % 4]).collect();
                    let mut end = len.min(s.len());
                    while !s.is_char_boundary(end) { end -= 1; }
                    s.as_bytes()[..end].to_vec()
                } else {
                    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
                };
                Op::Message { kind: if text { MessageKind::Text } else { MessageKind::Binary }, data, fragments }
            }
        ),
        1 => proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Op::Ping),
    ]
}

/// Sends `ops` from `sender`, returning the wire bytes and the messages expected.
fn send_all(sender: &mut Connection, ops: &[Op]) -> (Vec<u8>, Vec<Seen>) {
    let mut expected = Vec::new();
    for op in ops {
        match op {
            Op::Message {
                kind,
                data,
                fragments,
            } => {
                if fragments.is_empty() {
                    match kind {
                        MessageKind::Text => sender
                            .send_text(std::str::from_utf8(data).unwrap())
                            .unwrap(),
                        _ => sender.send_binary(data).unwrap(),
                    }
                } else {
                    // Fragment at the given sizes; text fragments may split code points.
                    let mut rest = &data[..];
                    for (i, &f) in fragments.iter().enumerate() {
                        let last = i + 1 == fragments.len();
                        let take = if last { rest.len() } else { f.min(rest.len()) };
                        sender.send_fragment(*kind, &rest[..take], last).unwrap();
                        rest = &rest[take..];
                    }
                }
                expected.push(match kind {
                    MessageKind::Text => Seen::Text(String::from_utf8(data.clone()).unwrap()),
                    _ => Seen::Binary(data.clone()),
                });
            }
            Op::Ping(p) => {
                sender.send_ping(p).unwrap();
                expected.push(Seen::Ping(p.clone()));
            }
        }
    }
    (drain_output(sender), expected)
}

fn roles(client_sends: bool) -> (Role, Role) {
    if client_sends {
        (Role::Client, Role::Server)
    } else {
        (Role::Server, Role::Client)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn messages_arrive_identical_in_random_chunks(
        ops in proptest::collection::vec(op(), 0..8),
        chunks in proptest::collection::vec(1usize..5000, 1..8),
        client_sends in any::<bool>(),
        auto_fragment in prop_oneof![Just(None), (1usize..200).prop_map(Some)],
    ) {
        let (from, to) = roles(client_sends);
        let mut sender = Connection::new(from, Config::default().fragment_size(auto_fragment));
        let (wire, expected) = send_all(&mut sender, &ops);
        let mut receiver = Connection::new(to, Config::default());
        prop_assert_eq!(&feed_messages(&mut receiver, &wire, &chunks).unwrap(), &expected);
        let mut receiver = Connection::new(to, Config::default());
        prop_assert_eq!(&feed_events(&mut receiver, &wire, &chunks).unwrap(), &expected);
        // Reading straight into the connection's buffer, whose offer shrinks to
        // the rest of a frame while a whole message is awaited.
        let mut receiver = Connection::new(to, Config::default().read_buffer_size(64));
        prop_assert_eq!(&feed_messages_read_buf(&mut receiver, &wire, &chunks).unwrap(), &expected);
    }

    #[test]
    fn one_byte_at_a_time_equals_whole(
        ops in proptest::collection::vec(op().prop_filter("small", |o| match o {
            Op::Message { data, .. } => data.len() <= 300,
            Op::Ping(_) => true,
        }), 0..6),
        client_sends in any::<bool>(),
    ) {
        let (from, to) = roles(client_sends);
        let (wire, expected) = send_all(&mut Connection::new(from, Config::default()), &ops);
        let whole = feed_messages(&mut Connection::new(to, Config::default()), &wire, &[]).unwrap();
        let bytewise = feed_messages(&mut Connection::new(to, Config::default()), &wire, &[1]).unwrap();
        let events = feed_events(&mut Connection::new(to, Config::default()), &wire, &[1]).unwrap();
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(&bytewise, &expected);
        prop_assert_eq!(&events, &expected);
    }

    #[test]
    fn split_at_every_boundary_equals_whole(
        ops in proptest::collection::vec(op().prop_filter("small", |o| match o {
            Op::Message { data, .. } => data.len() <= 64,
            Op::Ping(_) => true,
        }), 1..4),
    ) {
        let (wire, expected) = send_all(&mut Connection::new(Role::Client, Config::default()), &ops);
        for cut in 0..=wire.len() {
            let mut s = Connection::new(Role::Server, Config::default());
            let seen = feed_event_pieces(&mut s, &[&wire[..cut], &wire[cut..]]).unwrap();
            prop_assert_eq!(&seen, &expected, "cut at {}", cut);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        chunks in proptest::collection::vec(1usize..64, 1..6),
        server in any::<bool>(),
        streaming in any::<bool>(),
    ) {
        let role = if server { Role::Server } else { Role::Client };
        let config = Config::default().max_frame_size(1000).max_message_size(3000);
        let mut conn = Connection::new(role, config);
        let result = if streaming {
            feed_events(&mut conn, &bytes, &chunks)
        } else {
            feed_messages(&mut conn, &bytes, &chunks)
        };
        if result.is_err() {
            prop_assert!(conn.is_failed());
        }
        conn.receive_eof();
        let _ = conn.poll_event();
        let _ = drain_output(&mut conn);
        prop_assert!(conn.buffered_capacity() <= 2000 + 4096 + 3000 + 256);
    }

    #[test]
    fn arbitrary_frames_with_valid_headers_never_panic(
        frames in proptest::collection::vec((any::<u8>(), 0usize..200, any::<bool>()), 0..20),
        chunks in proptest::collection::vec(1usize..64, 1..6),
    ) {
        // Structured enough to get past the header checks often.
        let mut wire = Vec::new();
        for (b0, len, masked) in frames {
            wire.push(b0 & 0x8F);
            wire.push(if masked { 0x80 } else { 0 } | len.min(125) as u8);
            if masked { wire.extend_from_slice(&[9, 8, 7, 6]); }
            wire.extend((0..len.min(125)).map(|i| i as u8));
        }
        for role in [Role::Server, Role::Client] {
            let mut conn = Connection::new(role, Config::default());
            let _ = feed_messages(&mut conn, &wire, &chunks);
            let mut conn = Connection::new(role, Config::default());
            let _ = feed_events(&mut conn, &wire, &chunks);
        }
    }
}
