//! The lending read: `read_with` lends each message and the send half, so
//! an echo queues straight from the receive buffer; `ReadHalf` reads the
//! same ways as `WebSocket`.

use super::support::*;

/// An echo server built on `read_with`. Returns, per data message, whether
/// it was lent (borrowed from the connection) rather than copied.
fn lending_echo(mut ws: Ws) -> Vec<bool> {
    let mut lent = Vec::new();
    for _ in 0..10_000 {
        let closed = ws
            .read_with(|message, mut sender| {
                let borrowed = match &message {
                    Message::Text(t) => matches!(t, Cow::Borrowed(_)),
                    Message::Binary(b) => matches!(b, Cow::Borrowed(_)),
                    Message::Close(_) => return Ok(true),
                    Message::Ping(_) | Message::Pong(_) => return Ok(false),
                };
                lent.push(borrowed);
                sender.send(&message).map(|()| false)
            })
            .expect("read_with")
            .expect("queue the echo");
        if closed {
            return lent;
        }
    }
    panic!("no Close after 10000 messages");
}

/// Every size edge comes back intact through the lending echo, and every
/// message was lent, not copied into an owned one: from the receive buffer,
/// or from the assembly buffer where its chunks were joined.
#[test]
fn read_with_lends_single_frame_messages_and_the_echo_round_trips() {
    let (url, server) = ws_server(lending_echo);
    let mut ws = connect(&url);
    let sizes = [0, 1, 125, 126, 65535, 65536, 1 << 20];
    for &size in &sizes {
        let t = text(size);
        ws.send_text(&t).unwrap();
        assert_eq!(
            ws.read().unwrap(),
            Message::Text(t.into()),
            "text of {size}"
        );
        let b = pattern(size, 7);
        ws.send_binary(&b).unwrap();
        assert_eq!(ws.read().unwrap(), binary(&b), "binary of {size}");
    }
    // A fragmented message is joined in the assembly buffer and lent from there.
    ws.send_fragment(MessageKind::Binary, b"frag", false)
        .unwrap();
    ws.send_fragment(MessageKind::Binary, b"mented", true)
        .unwrap();
    assert_eq!(ws.read().unwrap(), binary(b"fragmented"));
    close(ws);
    let lent = join(server);
    assert_eq!(lent.len(), 2 * sizes.len() + 1);
    for (i, was_lent) in lent.iter().enumerate() {
        assert!(was_lent, "message {i} was copied");
    }
}

/// A Ping read through `read_with` is answered before it returns, like `read`.
#[test]
fn read_with_answers_a_ping_before_returning() {
    let (url, server) = ws_server(|mut ws| {
        let seen = ws.read_with(|m, _| m.into_owned()).unwrap();
        assert_eq!(seen, ping(b"are you there"));
        read_until_close(&mut ws)
    });
    let mut ws = connect(&url);
    ws.ping(b"are you there").unwrap();
    assert_eq!(ws.read().unwrap(), pong(b"are you there"));
    close(ws);
    assert!(join(server).is_empty());
}

/// `ReadHalf` has the lending and the streaming read too.
#[test]
fn read_half_reads_with_and_streams_events() {
    let (url, server) = ws_server(echo);
    let (mut reader, mut writer) = connect(&url).split().unwrap();
    writer.send_text("lent").unwrap();
    let got = reader.read_with(|m, _| m.into_owned()).unwrap();
    assert_eq!(got, Message::Text("lent".into()));
    writer.send_binary(&pattern(3000, 1)).unwrap();
    let mut streamed = Vec::new();
    for _ in 0..100 {
        let last = reader
            .read_event(|event| match event {
                Event::Data {
                    payload, is_last, ..
                } => {
                    streamed.extend_from_slice(payload);
                    is_last
                }
                other => panic!("unexpected {other:?}"),
            })
            .unwrap();
        if last {
            break;
        }
    }
    assert_eq!(streamed, pattern(3000, 1));
    writer.close(CloseCode::NORMAL, "done").unwrap();
    assert!(matches!(reader.read().unwrap(), Message::Close(_)));
    join(server);
}
