//! Messages.

use super::support::*;

/// Text (with multi-byte UTF-8) and Binary of every length-encoding edge, from
/// the client to an echo server and back.
#[test]
fn text_and_binary_of_every_size_edge_round_trip() {
    let (url, server) = ws_server(echo);
    let mut ws = connect(&url);
    for size in [0, 125, 126, 65535, 65536, 16 << 20] {
        let t = text(size);
        ws.send_text(&t).unwrap();
        match read_data(&mut ws) {
            Message::Text(got) => assert!(got == t, "text of {size} bytes differs"),
            other => panic!("sent Text({size}), got {}", describe(&other)),
        }
        let b = pattern(size, size as u8);
        ws.send(binary(&b)).unwrap();
        match read_data(&mut ws) {
            Message::Binary(got) => assert!(got == b, "binary of {size} bytes differs"),
            other => panic!("sent Binary({size}), got {}", describe(&other)),
        }
    }
    close(ws);
    join(server);
}

/// The next Text or Binary message: a 16 MiB message in a debug build on a
/// loaded machine can take longer than the server's 20 s keepalive interval,
/// whose Ping `read` then returns (already answered).
fn read_data(ws: &mut ClientWs) -> Message<'static> {
    loop {
        match ws.read().unwrap() {
            Message::Ping(_) | Message::Pong(_) => {}
            other => return other,
        }
    }
}

/// The client's Ping comes back as a Pong with its payload; the server's Ping
/// is answered inside the client's `read`, and the server sees that Pong.
#[test]
fn pings_are_answered_both_ways() {
    let (url, server) = ws_server(|mut ws| {
        assert_eq!(ws.read().unwrap(), ping(b"from client"));
        ws.ping(b"from server").unwrap();
        assert_eq!(ws.read().unwrap(), pong(b"from server"));
        ws.ping(b"").unwrap();
        assert_eq!(ws.read().unwrap(), pong(b""));
        echo(ws);
    });
    let mut ws = connect(&url);
    ws.ping(b"from client").unwrap();
    assert_eq!(ws.read().unwrap(), pong(b"from client"));
    assert_eq!(ws.read().unwrap(), ping(b"from server"));
    assert_eq!(ws.read().unwrap(), ping(b""));
    assert!(matches!(
        ws.ping(&[0; 126]),
        Err(Error::Connection(rfc6455::Error::Api(
            rfc6455::error::ApiMisuse::ControlPayloadTooLong
        )))
    ));
    close(ws);
    join(server);
}

/// `send_fragment` streams a message (Text cut inside code points, a Ping
/// between fragments, an empty last fragment); the server reads it whole.
#[test]
fn fragmented_send_is_read_whole() {
    let (url, server) = ws_server(|mut ws| read_until_close(&mut ws));
    let mut ws = connect(&url);
    let t = text(100);
    let pieces: Vec<&[u8]> = t.as_bytes().chunks(7).collect();
    for (i, piece) in pieces.iter().enumerate() {
        ws.send_fragment(MessageKind::Text, piece, i + 1 == pieces.len())
            .unwrap();
        if i == 1 {
            ws.ping(b"between fragments").unwrap();
        }
    }
    let b = pattern(200_000, 9);
    for piece in b.chunks(65536) {
        ws.send_fragment(MessageKind::Binary, piece, false).unwrap();
    }
    ws.send_fragment(MessageKind::Binary, b"", true).unwrap();
    // A Text fragment while a Binary message is unfinished is refused.
    ws.send_fragment(MessageKind::Binary, b"x", false).unwrap();
    assert!(ws.send_fragment(MessageKind::Text, b"y", true).is_err());
    ws.send_fragment(MessageKind::Binary, b"y", true).unwrap();
    close(ws);
    let seen = join(server);
    let expected = [
        ping(b"between fragments"),
        Message::Text(t.as_str().into()),
        binary(&b),
        binary(b"xy"),
    ];
    assert_eq!(
        seen.len(),
        expected.len(),
        "{:?}",
        seen.iter().map(describe).collect::<Vec<_>>()
    );
    for (got, want) in seen.iter().zip(&expected) {
        assert!(
            got == want,
            "got {}, want {}",
            describe(got),
            describe(want)
        );
    }
}

/// `read_event` hands over a 4 MiB message (one frame) and a fragmented Text
/// message in chunks no larger than the read buffer, and the connection's
/// buffers stay small: the reader never holds a whole message.
#[test]
fn streaming_read_never_holds_the_whole_message() {
    const SIZE: usize = 4 << 20;
    const READ_BUFFER: usize = 4096;
    // Reads start at READ_BUFFER and double while they fill it, up to 64 KiB.
    const MAX_READ: usize = 64 * 1024;
    let t = text(1 << 20);
    let t2 = t.clone();
    let (url, server) = ws_server(move |mut ws| {
        ws.send_binary(&pattern(SIZE, 3)).unwrap();
        let pieces: Vec<&[u8]> = t2.as_bytes().chunks(65537).collect();
        for (i, piece) in pieces.iter().enumerate() {
            ws.send_fragment(MessageKind::Text, piece, i + 1 == pieces.len())
                .unwrap();
        }
        echo(ws);
    });
    let mut ws = connect_with(&url, Config::default().read_buffer_size(READ_BUFFER));

    let expected = pattern(SIZE, 3);
    let mut received = 0;
    let mut chunks = 0;
    let mut max_capacity = 0;
    for _ in 0..SIZE {
        let last = ws
            .read_event(|event| match event {
                Event::Data {
                    kind: MessageKind::Binary,
                    payload,
                    is_first,
                    is_last,
                } => {
                    assert_eq!(is_first, received == 0);
                    assert!(payload.len() <= MAX_READ, "chunk of {}", payload.len());
                    let end = received + payload.len();
                    assert!(
                        payload == &expected[received..end],
                        "bytes {received}..{end}"
                    );
                    received = end;
                    is_last
                }
                other => panic!("unexpected {other:?}"),
            })
            .unwrap();
        chunks += 1;
        max_capacity = max_capacity.max(ws.connection().buffered_capacity());
        if last {
            break;
        }
    }
    assert_eq!(received, SIZE);
    assert!(chunks >= SIZE / MAX_READ, "{chunks} chunks");
    assert!(
        max_capacity <= 2 * MAX_READ,
        "buffered {max_capacity} bytes"
    );

    let mut streamed = Vec::new();
    let mut first = true;
    for _ in 0..t.len() {
        let last = ws
            .read_event(|event| match event {
                Event::Data {
                    kind: MessageKind::Text,
                    payload,
                    is_first,
                    is_last,
                } => {
                    assert_eq!(is_first, first);
                    assert!(payload.len() <= MAX_READ, "chunk of {}", payload.len());
                    streamed.extend_from_slice(payload);
                    is_last
                }
                other => panic!("unexpected {other:?}"),
            })
            .unwrap();
        first = false;
        max_capacity = max_capacity.max(ws.connection().buffered_capacity());
        if last {
            break;
        }
    }
    assert!(streamed == t.as_bytes(), "streamed text differs");
    assert!(
        max_capacity <= 2 * MAX_READ,
        "buffered {max_capacity} bytes"
    );
    close(ws);
    join(server);
}
