//! The examples of RFC 6455 §5.7, byte for byte, in both directions.

mod common;

use common::{Seen, drain_output, feed_messages};
use rfc6455::frame::apply_mask;
use rfc6455::{Config, Connection, Event, MessageKind, Role};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn server() -> Connection {
    Connection::new(Role::Server, Config::default())
}
fn client() -> Connection {
    Connection::new(Role::Client, Config::default())
}

#[test]
fn single_frame_unmasked_text() {
    let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let mut s = server();
    s.send_text("Hello").unwrap();
    assert_eq!(drain_output(&mut s), wire);
    let mut c = client();
    assert_eq!(
        feed_messages(&mut c, &wire, &[]).unwrap(),
        [Seen::Text("Hello".into())]
    );
}

#[test]
fn single_frame_masked_text() {
    let wire = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let mut s = server();
    assert_eq!(
        feed_messages(&mut s, &wire, &[]).unwrap(),
        [Seen::Text("Hello".into())]
    );
    // Our client's frame has the same shape with its own fresh key.
    let mut c = client();
    c.send_text("Hello").unwrap();
    let mut out = drain_output(&mut c);
    assert_eq!(&out[..2], &wire[..2]);
    let key: [u8; 4] = out[2..6].try_into().unwrap();
    apply_mask(&mut out[6..], key, 0);
    assert_eq!(&out[6..], b"Hello");
    // And with the RFC's key the payload bytes are the RFC's.
    let mut payload = *b"Hello";
    apply_mask(&mut payload, KEY, 0);
    assert_eq!(payload, wire[6..]);
}

#[test]
fn fragmented_unmasked_text() {
    let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    let mut s = server();
    s.send_fragment(MessageKind::Text, b"Hel", false).unwrap();
    s.send_fragment(MessageKind::Text, b"lo", true).unwrap();
    assert_eq!(drain_output(&mut s), wire);
    // Whole-message and streaming views of the same bytes.
    let mut c = client();
    assert_eq!(
        feed_messages(&mut c, &wire, &[]).unwrap(),
        [Seen::Text("Hello".into())]
    );
    let mut c = client();
    c.receive(&wire);
    let mut chunks = Vec::new();
    while let Some(Event::Data {
        payload,
        is_first,
        is_last,
        ..
    }) = c.poll_event().unwrap()
    {
        chunks.push((payload.to_vec(), is_first, is_last));
    }
    assert_eq!(
        chunks,
        [
            (b"Hel".to_vec(), true, false),
            (b"lo".to_vec(), false, true)
        ]
    );
}

#[test]
fn unmasked_ping_and_masked_pong() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let mut s = server();
    s.send_ping(b"Hello").unwrap();
    assert_eq!(drain_output(&mut s), ping);
    // The client answers with a masked Pong carrying the same payload.
    let mut c = client();
    assert_eq!(
        feed_messages(&mut c, &ping, &[]).unwrap(),
        [Seen::Ping(b"Hello".to_vec())]
    );
    let mut pong = drain_output(&mut c);
    assert_eq!(&pong[..2], &[0x8a, 0x85]);
    let key: [u8; 4] = pong[2..6].try_into().unwrap();
    apply_mask(&mut pong[6..], key, 0);
    assert_eq!(&pong[6..], b"Hello");
    // The RFC's masked Pong decodes on a server.
    let rfc_pong = [
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let mut s = server();
    assert_eq!(
        feed_messages(&mut s, &rfc_pong, &[]).unwrap(),
        [Seen::Pong(b"Hello".to_vec())]
    );
}

#[test]
fn binary_256_and_65536_headers() {
    for (len, header) in [
        (256usize, vec![0x82, 0x7E, 0x01, 0x00]),
        (65536, vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]),
    ] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut s = server();
        s.send_binary(&payload).unwrap();
        let out = drain_output(&mut s);
        assert_eq!(&out[..header.len()], &header[..]);
        assert_eq!(&out[header.len()..], &payload[..]);
        let mut c = client();
        assert_eq!(
            feed_messages(&mut c, &out, &[1000]).unwrap(),
            [Seen::Binary(payload)]
        );
    }
}
