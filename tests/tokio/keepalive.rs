//! Keepalive on tokio's timers: Pings while the peer is silent, `IdleTimeout`
//! when it stays silent, and a peer that answers Pings stays connected.

use crate::support::*;

const SHORT: Keepalive = Keepalive {
    interval: Duration::from_millis(50),
    idle_timeout: Duration::from_millis(250),
};

fn quiet_client() -> ClientOptions {
    ClientOptions {
        keepalive: None,
        ..Default::default()
    }
}

/// A server with [`SHORT`] keepalive that runs `f` on the socket.
async fn keepalive_server<T, F, Fut>(f: F) -> (String, tokio::task::JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(WebSocket<TcpStream>) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send,
{
    let (listener, addr) = bind().await;
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let options = ws::ServerOptions {
            keepalive: Some(SHORT),
            ..Default::default()
        };
        match ws::accept_with(stream, &options, |_| ws::Decision::accept()).await {
            Ok(ws::Accepted::WebSocket(ws, _)) => f(ws).await,
            _ => panic!("handshake failed"),
        }
    });
    (url(addr), task)
}

#[tokio::test]
async fn a_silent_peer_is_pinged_then_ends_in_idle_timeout() {
    // The server keeps its socket open after the timeout, so that the
    // client can read what was sent (and write its answers) afterwards.
    let (url, server) = keepalive_server(|mut ws| async move { (ws.read().await, ws) }).await;
    // The client connects and then reads nothing (so answers no Ping).
    let (mut client, _) = bounded(ws::connect_with(&url, &quiet_client()))
        .await
        .unwrap();
    let (result, _server_ws) = bounded(server).await.unwrap();
    assert!(matches!(result, Err(Error::IdleTimeout)), "{result:?}");
    // What the server sent meanwhile: keepalive Pings, then a Close 1001.
    let mut pings = 0;
    loop {
        match bounded(client.read()).await.unwrap() {
            Message::Ping(p) => {
                assert_eq!(&p[..], b"keepalive");
                pings += 1;
            }
            Message::Close(Some(frame)) => {
                assert_eq!(frame.code, CloseCode::GOING_AWAY);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(pings >= 2, "{pings} pings before the idle timeout");
}

#[tokio::test]
async fn a_peer_that_answers_pings_stays_connected() {
    let (url, server) = keepalive_server(|mut ws| async move {
        // Five idle timeouts long: the client's Pongs keep it alive (and
        // `read` returns them, as it returns every message).
        let mut pongs = 0;
        let waited = tokio::time::timeout(Duration::from_millis(1250), async {
            loop {
                match ws.read().await {
                    Ok(Message::Pong(_)) => pongs += 1,
                    other => return other,
                }
            }
        })
        .await;
        assert!(waited.is_err(), "read ended: {waited:?}");
        assert!(pongs >= 10, "only {pongs} pongs");
        ws.send_text("still here").await?;
        // Pings only while silent: the echo of our text resets the silence.
        loop {
            if let Message::Close(_) = ws.read().await? {
                return Ok::<_, Error>(());
            }
        }
    })
    .await;
    let (mut client, _) = bounded(ws::connect_with(&url, &quiet_client()))
        .await
        .unwrap();
    let mut pings = 0;
    loop {
        match bounded(client.read()).await.unwrap() {
            Message::Ping(_) => pings += 1,
            Message::Text(t) => {
                assert_eq!(t, "still here");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        pings >= 10,
        "only {pings} pings in 1.25 s at a 50 ms interval"
    );
    bounded(client.close(CloseCode::NORMAL, "")).await.unwrap();
    bounded(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn keepalive_goes_on_in_the_read_half_after_a_split() {
    // The server completes the handshake, then reads nothing.
    let (listener, addr) = bind().await;
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let ws = ws::accept(stream).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(ws);
    });
    let options = ClientOptions {
        keepalive: Some(SHORT),
        ..Default::default()
    };
    let (client, _) = bounded(ws::connect_with(&url(addr), &options))
        .await
        .unwrap();
    let (mut reader, _writer) = client.into_split();
    let result = bounded(reader.read()).await;
    assert!(matches!(result, Err(Error::IdleTimeout)), "{result:?}");
    server.abort();
}

#[tokio::test(start_paused = true)]
async fn the_default_keepalive_pings_after_20_s_and_gives_up_after_40_s() {
    // On tokio's paused clock, over an in-memory duplex: no wall time.
    let (a, b) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move {
        let mut ws = ws::accept(a).await?;
        let started = tokio::time::Instant::now();
        let result = ws.read().await;
        Ok::<_, Error>((result, started.elapsed(), ws))
    });
    let request = rfc6455::ClientRequest::new("ws://localhost/").unwrap();
    let (mut client, _) = ws::client_handshake(b, &request, Config::default())
        .await
        .unwrap();
    // The client never reads until the server gave up.
    let (result, elapsed, _server_ws) = server.await.unwrap().unwrap();
    assert!(matches!(result, Err(Error::IdleTimeout)), "{result:?}");
    assert_eq!(elapsed.as_secs(), 40, "{elapsed:?}");
    assert_eq!(
        client.read().await.unwrap(),
        Message::Ping(b"keepalive".to_vec().into())
    );
}
