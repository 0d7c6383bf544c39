//! Round trips over loopback TCP: every message kind, sizes across the
//! frame-length encodings, the lending read, pings, Stream/Sink.

use futures_util::{SinkExt, StreamExt};

use crate::support::*;

#[tokio::test]
async fn echo_roundtrip_of_text_and_binary_of_many_sizes() {
    let (url, server) = ws_server(echo).await;
    let (mut client, response) = bounded(ws::connect(&url)).await.unwrap();
    assert_eq!(response.response().status(), 101);
    for n in [0, 1, 125, 126, 127, 65535, 65536, 1 << 20] {
        let text = "é".repeat(n / 2);
        bounded(client.send_text(&text)).await.unwrap();
        assert_eq!(bounded(client.read()).await.unwrap(), Message::text(text));
        let data = pattern(n, n as u8);
        bounded(client.send_binary(&data)).await.unwrap();
        assert_eq!(bounded(client.read()).await.unwrap(), Message::binary(data));
    }
    bounded(client.close(CloseCode::NORMAL, "done"))
        .await
        .unwrap();
    assert!(client.is_closed());
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn pings_are_answered_inside_read_and_pongs_come_back() {
    let (url, server) = ws_server(echo).await;
    let (mut client, _) = bounded(ws::connect(&url)).await.unwrap();
    bounded(client.ping(b"are you there")).await.unwrap();
    assert_eq!(
        bounded(client.read()).await.unwrap(),
        Message::Pong(b"are you there".as_slice().into())
    );
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn read_with_lends_the_message_and_the_sender_for_an_echo() {
    let (url, server) = ws_server(|mut ws| async move {
        loop {
            let closed = ws
                .read_with(|message, mut sender| match message {
                    Message::Text(_) | Message::Binary(_) => sender.send(&message).map(|()| false),
                    Message::Close(_) => Ok(true),
                    _ => Ok(false),
                })
                .await??;
            if closed {
                return Ok::<_, Error>(());
            }
        }
    })
    .await;
    let (mut client, _) = bounded(ws::connect(&url)).await.unwrap();
    // Pipelined: all queued, written in one flush, echoed in order.
    for i in 0..100 {
        client.write(Message::text(format!("m{i}"))).await.unwrap();
    }
    bounded(client.flush()).await.unwrap();
    for i in 0..100 {
        assert_eq!(
            bounded(client.read()).await.unwrap(),
            Message::text(format!("m{i}"))
        );
    }
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn read_event_streams_a_large_message_in_chunks() {
    let (url, server) = ws_server(echo).await;
    let (mut client, _) = bounded(ws::connect(&url)).await.unwrap();
    let data = pattern(3 << 20, 7);
    bounded(client.send_binary(&data)).await.unwrap();
    let mut got = Vec::new();
    let mut chunks = 0;
    loop {
        let last = bounded(client.read_event(|event| match event {
            rfc6455::Event::Data {
                payload, is_last, ..
            } => {
                got.extend_from_slice(payload);
                is_last
            }
            other => panic!("unexpected {other:?}"),
        }))
        .await
        .unwrap();
        chunks += 1;
        if last {
            break;
        }
    }
    assert_eq!(got, data);
    assert!(chunks > 1, "a 3 MiB message arrives in more than one chunk");
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn send_fragment_streams_a_message_the_peer_gets_whole() {
    let (url, server) = ws_server(echo).await;
    let (mut client, _) = bounded(ws::connect(&url)).await.unwrap();
    for part in ["one ", "two ", "three"] {
        let last = part == "three";
        bounded(client.send_fragment(rfc6455::MessageKind::Text, part.as_bytes(), last))
            .await
            .unwrap();
    }
    assert_eq!(
        bounded(client.read()).await.unwrap(),
        Message::text("one two three")
    );
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn stream_and_sink_split_and_forward_echo() {
    // The server echoes with `StreamExt::split` + `forward`, as
    // tokio-tungstenite users write it; only data messages are forwarded.
    let (url, server) = ws_server(|ws| async move {
        let (sink, stream) = ws.split();
        stream.filter(data_only).forward(sink).await
    })
    .await;
    let (mut client, _) = bounded(ws::connect(&url)).await.unwrap();
    for i in 0..50 {
        bounded(client.send(Message::text(format!("hello {i}"))))
            .await
            .unwrap();
    }
    for i in 0..50 {
        let got = bounded(client.next()).await.unwrap().unwrap();
        assert_eq!(got, Message::text(format!("hello {i}")));
    }
    // Through the Sink too.
    bounded(SinkExt::send(&mut client, Message::binary(vec![1, 2, 3])))
        .await
        .unwrap();
    assert_eq!(
        bounded(client.next()).await.unwrap().unwrap(),
        Message::binary(vec![1, 2, 3])
    );
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    // The server's stream ended at the Close; forward closed the sink.
    bounded(server).await.unwrap().unwrap();
    // After the close the client's stream is over.
    assert!(bounded(client.next()).await.is_none());
}

/// Keeps data messages and errors (a named fn: a closure here trips rustc's
/// higher-ranked lifetime inference inside `tokio::spawn`).
fn data_only(m: &Result<Message<'static>, Error>) -> std::future::Ready<bool> {
    std::future::ready(m.as_ref().map_or(true, Message::is_data))
}

#[tokio::test]
async fn accept_and_client_handshake_over_an_in_memory_duplex() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(async move { echo(ws::accept(a).await?).await });
    let request = rfc6455::ClientRequest::new("ws://example.com/chat").unwrap();
    let (mut client, _) = bounded(ws::client_handshake(b, &request, Config::default()))
        .await
        .unwrap();
    bounded(client.send_text("over a duplex")).await.unwrap();
    assert_eq!(
        bounded(client.read()).await.unwrap(),
        Message::text("over a duplex")
    );
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn wss_without_tls_or_to_a_plain_server_fails_clearly() {
    let (listener, addr) = bind().await;
    drop(listener);
    let e = ws::connect(&format!("wss://{addr}/")).await.err().unwrap();
    #[cfg(not(feature = "tokio-rustls"))]
    assert!(e.to_string().contains("tokio-rustls"), "{e}");
    #[cfg(feature = "tokio-rustls")]
    assert!(matches!(e, Error::Io(_)), "{e:?}");
}
