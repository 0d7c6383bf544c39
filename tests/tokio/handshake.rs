//! Opening handshakes: deadlines (408), bad requests (4xx), plain HTTP (426),
//! a callback's refusal, a server that never answers.

use crate::support::*;

/// A server that accepts one connection with `options`, and its result.
async fn server_with(
    options: ServerOptions,
) -> (SocketAddr, tokio::task::JoinHandle<Result<(), Error>>) {
    let (listener, addr) = bind().await;
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        match ws::accept_with(stream, &options, |_| Decision::accept()).await? {
            Accepted::WebSocket(..) => Ok(()),
            Accepted::Http { .. } => panic!("plain HTTP"),
        }
    });
    (addr, task)
}

use rfc6455::tokio::{Accepted, Decision, ServerOptions};

#[tokio::test]
async fn a_silent_client_gets_408_and_handshake_timeout() {
    let options = ServerOptions {
        handshake_timeout: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let (addr, server) = server_with(options).await;
    let mut client = TcpStream::connect(addr).await.unwrap();
    let answer = read_to_eof(&mut client).await;
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
    let result = bounded(server).await.unwrap();
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
}

#[tokio::test]
async fn a_trickling_client_cannot_stretch_the_deadline() {
    let options = ServerOptions {
        handshake_timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    let (addr, server) = server_with(options).await;
    let mut client = TcpStream::connect(addr).await.unwrap();
    let request = b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n";
    for byte in request {
        if client.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answer = read_to_eof(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let result = bounded(server).await.unwrap();
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
}

#[tokio::test]
async fn garbage_is_answered_400() {
    let (addr, server) = server_with(ServerOptions::default()).await;
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.write_all(b"this is not http\r\n\r\n").await.unwrap();
    let answer = read_to_eof(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let result = bounded(server).await.unwrap();
    assert_eq!(result.unwrap_err().status(), Some(400));
}

#[tokio::test]
async fn a_missing_key_is_answered_400() {
    let (addr, server) = server_with(ServerOptions::default()).await;
    let mut client = TcpStream::connect(addr).await.unwrap();
    let request = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Version: 13\r\n\r\n";
    client.write_all(request.as_bytes()).await.unwrap();
    let answer = read_to_eof(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(matches!(
        bounded(server).await.unwrap(),
        Err(Error::Handshake(_))
    ));
}

#[tokio::test]
async fn accept_answers_plain_http_with_426() {
    let (listener, addr) = bind().await;
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        ws::accept(stream).await.map(drop)
    });
    let mut client = TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = vec![0; 256];
    let n = bounded(client.read(&mut head)).await.unwrap();
    let answer = String::from_utf8_lossy(&head[..n]);
    assert!(answer.starts_with("HTTP/1.1 426"), "{answer}");
    assert!(matches!(
        bounded(server).await.unwrap(),
        Err(Error::NotWebSocket)
    ));
}

#[tokio::test]
async fn a_refusal_by_the_callback_reaches_the_client() {
    let (listener, addr) = bind().await;
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        ws::accept_with(stream, &ServerOptions::default(), |request| {
            assert_eq!(request.path(), "/private");
            Decision::reject(403, "no")
        })
        .await
        .map(drop)
    });
    let e = bounded(ws::connect(&format!("ws://{addr}/private")))
        .await
        .err()
        .unwrap();
    assert_eq!(e.status(), Some(403), "{e:?}");
    let result = bounded(server).await.unwrap();
    assert!(
        matches!(result, Err(Error::Rejected { status: 403 })),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_accept_callback_sees_the_request_and_picks_a_subprotocol() {
    let (listener, addr) = bind().await;
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let accepted = ws::accept_with(stream, &ServerOptions::default(), |request| {
            assert_eq!(request.subprotocols(), ["chat", "superchat"]);
            Decision::Accept(rfc6455::AcceptOptions::new().subprotocol("superchat"))
        })
        .await?;
        let Accepted::WebSocket(ws, request) = accepted else {
            panic!("plain HTTP");
        };
        assert_eq!(request.path(), "/room");
        echo(ws).await
    });
    let options = ClientOptions {
        subprotocols: vec!["chat".into(), "superchat".into()],
        ..Default::default()
    };
    let (mut client, response) = bounded(ws::connect_with(&format!("ws://{addr}/room"), &options))
        .await
        .unwrap();
    assert_eq!(response.subprotocol(), Some("superchat"));
    bounded(client.send_text("hi")).await.unwrap();
    assert_eq!(bounded(client.read()).await.unwrap(), Message::text("hi"));
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_server_that_never_answers_gives_the_client_handshake_timeout() {
    let (addr, server) = raw_server(|mut stream| async move {
        // Read the request, answer nothing.
        let mut buf = vec![0; 4096];
        let _ = stream.read(&mut buf).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let options = ClientOptions {
        handshake_timeout: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let result = bounded(ws::connect_with(&url(addr), &options)).await;
    assert!(
        matches!(result, Err(Error::HandshakeTimeout)),
        "{:?}",
        result.err()
    );
    server.abort();
}

#[tokio::test]
async fn eof_during_the_handshake_has_its_own_error() {
    let (addr, server) = server_with(ServerOptions::default()).await;
    let client = TcpStream::connect(addr).await.unwrap();
    drop(client);
    assert!(matches!(
        bounded(server).await.unwrap(),
        Err(Error::HandshakeEof)
    ));
}
