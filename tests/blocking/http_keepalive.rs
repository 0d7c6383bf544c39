//! HTTP on the same port, keepalive.

use super::support::*;

/// `accept_with` hands a plain HTTP request back with the stream; the server
/// answers it with a page, and a WebSocket client on the same port still works.
#[test]
fn plain_http_is_served_on_the_websocket_port() {
    const PAGE: &str = "<!doctype html><title>hi</title><p>hello</p>";
    let (listener, addr) = bind();
    let server = thread::spawn(move || {
        let mut log = Vec::new();
        for _ in 0..2 {
            let (stream, _) = listener.accept().unwrap();
            bounded(&stream);
            let accepted =
                blocking::accept_with(stream, &ServerOptions::default(), |_| Decision::accept());
            match accepted.expect("accept_with") {
                Accepted::Http {
                    request,
                    mut stream,
                    leftover,
                } => {
                    log.push(format!("HTTP {} {}", request.method(), request.target()));
                    assert!(leftover.is_empty());
                    let headers = [
                        Header::new("Content-Type", "text/html; charset=utf-8"),
                        Header::new("Connection", "close"),
                    ];
                    let response = reject_response(200, &headers, PAGE.as_bytes()).unwrap();
                    stream.write_all(&response).unwrap();
                }
                Accepted::WebSocket(ws, request) => {
                    log.push(format!("WebSocket {}", request.path()));
                    echo(ws);
                }
            }
        }
        log
    });
    let response = raw_exchange(
        addr,
        b"GET /index.html?x=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(has_field(
        &response,
        "Content-Type",
        "text/html; charset=utf-8"
    ));
    assert!(has_field(
        &response,
        "Content-Length",
        &PAGE.len().to_string()
    ));
    assert!(response.ends_with(PAGE), "{response}");

    let mut ws = connect(&format!("ws://{addr}/ws"));
    ws.send_text("over the same port").unwrap();
    assert_eq!(
        ws.read().unwrap(),
        Message::Text("over the same port".into())
    );
    close(ws);
    assert_eq!(join(server), ["HTTP GET /index.html?x=1", "WebSocket /ws"]);
}

/// With keepalive on and a peer that never answers, the client sends Pings
/// while idle, then gives up: `read` fails with `IdleTimeout` and a Close 1001
/// is sent. Asserts on what is seen on the wire, not on durations.
#[test]
fn keepalive_pings_a_silent_peer_then_times_out() {
    // The handshake by hand; afterwards nothing is ever written.
    let (addr, server) = watching_server(None);
    let mut options = client_options(Config::default());
    options.keepalive = Some(Keepalive {
        interval: Duration::from_millis(50),
        idle_timeout: Duration::from_millis(300),
    });
    let (mut ws, _) = blocking::connect_with(&url(addr), &options).unwrap();
    let err = ws.read().expect_err("the silent peer should time out");
    assert!(matches!(err, Error::IdleTimeout), "{err:?}");
    assert!(ws.connection().is_awaiting_close());
    drop(ws);

    let seen = join(server);
    let (close, pings) = seen.split_last().expect("something on the wire");
    assert!(!pings.is_empty(), "no keepalive Ping before the Close");
    assert!(pings.iter().all(|p| *p == ping(b"keepalive")), "{seen:?}");
    assert_eq!(*close, close_msg(1001, "idle timeout"));
}

/// With keepalive on and a peer that answers, the Pongs keep the connection
/// alive past the idle timeout (more Pings than fit in it are answered).
#[test]
fn keepalive_keeps_an_answering_peer() {
    const PINGS: usize = 6;
    let (url, server) = ws_server(|mut ws| {
        for _ in 0..PINGS {
            assert_eq!(ws.read().unwrap(), ping(b"keepalive"));
        }
        ws.send_text("still here").unwrap();
        echo(ws);
    });
    let mut options = client_options(Config::default());
    options.keepalive = Some(Keepalive {
        interval: Duration::from_millis(50),
        idle_timeout: Duration::from_millis(150),
    });
    let (mut ws, _) = blocking::connect_with(&url, &options).unwrap();
    let mut pongs = 0;
    for _ in 0..1000 {
        match ws.read().expect("the answering peer must not time out") {
            Message::Pong(p) => {
                assert_eq!(&*p, b"keepalive");
                pongs += 1;
            }
            Message::Text(t) => {
                assert_eq!(t, "still here");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(pongs, PINGS);
    close(ws);
    join(server);
}
