//! Closing: from either side, against a silent peer (the close timeout),
//! the write timeout against a peer that never reads, protocol errors.

use crate::support::*;

#[tokio::test]
async fn close_against_a_silent_peer_times_out() {
    // The server completes the handshake, then reads nothing.
    let (listener, addr) = bind().await;
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let ws = ws::accept(stream).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(ws);
    });
    let (mut client, _) = bounded(ws::connect(&url(addr))).await.unwrap();
    let result =
        bounded(client.close_timeout(CloseCode::NORMAL, "", Duration::from_millis(100))).await;
    let e = result.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    server.abort();
}

#[tokio::test]
async fn the_server_closes_first_and_the_client_sees_the_close() {
    let (url, server) = ws_server(|mut ws| async move {
        ws.send_text("bye soon").await?;
        ws.close(CloseCode::new(4000), "bye").await
    })
    .await;
    let (mut client, _) = bounded(ws::connect(&url)).await.unwrap();
    assert_eq!(
        bounded(client.read()).await.unwrap(),
        Message::text("bye soon")
    );
    let Message::Close(Some(frame)) = bounded(client.read()).await.unwrap() else {
        panic!("no close");
    };
    assert_eq!(frame.code, CloseCode::new(4000));
    assert_eq!(frame.reason, "bye");
    // The reply went out inside `read`; the server's close completes.
    bounded(server).await.unwrap().unwrap();
    assert!(matches!(bounded(client.read()).await, Err(Error::Closed)));
    // Finishing the handshake after the peer closed first is Ok.
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
}

#[tokio::test]
async fn sending_to_a_peer_that_never_reads_times_out_and_keeps_the_rest_queued() {
    // An in-memory pipe with 64 KiB of room whose far end never reads (over
    // loopback TCP the kernel buffers tens of MiB first).
    let (near, _far) = tokio::io::duplex(64 * 1024);
    let conn = rfc6455::Connection::new(rfc6455::Role::Client, Config::default());
    let mut client = WebSocket::from_connection(near, conn);
    client.set_write_timeout(Some(Duration::from_millis(100)));
    let chunk = pattern(16 * 1024, 0);
    let mut error = None;
    for _ in 0..64 {
        if let Err(e) = bounded(client.send_binary(&chunk)).await {
            error = Some(e);
            break;
        }
    }
    let e = error.expect("the pipe took 1 MiB");
    assert!(e.is_timeout(), "{e:?}");
    assert!(client.connection().wants_write(), "the rest stays queued");
    // A timeout loses nothing: the next flush goes on from there, and
    // times out again while the peer still does not read.
    let again = bounded(client.flush()).await.unwrap_err();
    assert!(again.is_timeout(), "{again:?}");
}

#[tokio::test]
async fn a_protocol_error_from_the_peer_sends_its_close_code() {
    // A raw server completes the handshake, then sends a masked frame
    // (a server must not mask, §5.1).
    let (addr, server) = raw_server(|mut stream| async move {
        let mut buf = vec![0; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        let mut parser = rfc6455::RequestParser::new();
        let rfc6455::RequestStatus::Upgrade(request) = parser.feed(&buf[..n]).unwrap() else {
            panic!("not an upgrade");
        };
        let (response, _) = request
            .accept(&rfc6455::AcceptOptions::new())
            .unwrap()
            .into_parts();
        stream.write_all(&response).await.unwrap();
        stream
            .write_all(&[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2])
            .await
            .unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
        rest
    })
    .await;
    let (mut client, _) = bounded(ws::connect(&url(addr))).await.unwrap();
    let e = bounded(client.read()).await.unwrap_err();
    assert_eq!(e.close_code(), Some(CloseCode::PROTOCOL_ERROR), "{e:?}");
    drop(client);
    // The client's Close 1002 (masked, 2 + 4 + 2 bytes) reached the server.
    let rest = bounded(server).await.unwrap();
    assert_eq!(rest[0], 0x88, "{rest:?}");
    let mask = &rest[2..6];
    let code = [rest[6] ^ mask[0], rest[7] ^ mask[1]];
    assert_eq!(u16::from_be_bytes(code), 1002);
}
