//! Issue #10 item 4: keepalive while closing, keepalive in a split reader,
//! and the idle timeout's own error.

use super::support::*;

const INTERVAL: Duration = Duration::from_millis(50);

/// A server that answers the handshake, then decodes what the client sends
/// without answering until `reply_close` says so; returns what it saw.
fn watching_server(
    close_reply: Option<mpsc::Receiver<()>>,
) -> (SocketAddr, JoinHandle<Vec<Message<'static>>>) {
    raw_server(move |mut stream| {
        let (request, leftover) = read_upgrade(&mut stream);
        stream
            .write_all(&request.accept(&AcceptOptions::new()).unwrap())
            .unwrap();
        let mut conn = Connection::new(Role::Server, Config::default());
        conn.receive(&leftover);
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        for _ in 0..10_000 {
            while let Some(event) = conn.poll_event().expect("valid frames") {
                match event {
                    Event::Ping(p) => seen.push(ping(p).into_owned()),
                    Event::Close(c) => {
                        seen.push(Message::Close(c.map(CloseFrame::into_owned)));
                        if let Some(reply) = &close_reply {
                            // Several keepalive intervals pass before the reply.
                            let _ = reply.recv_timeout(10 * INTERVAL);
                            stream.write_all(conn.poll_output()).unwrap();
                            let _ = read_to_eof(&mut stream);
                        }
                        return seen;
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                return seen;
            }
            conn.receive(&buf[..n]);
        }
        panic!("too many reads");
    })
}

fn keepalive_options(idle_timeout: Duration) -> ClientOptions {
    let mut options = client_options(Config::default());
    options.keepalive = Some(Keepalive {
        interval: INTERVAL,
        idle_timeout,
    });
    options
}

/// After `send(Close)`, keepalive ticks while the peer's Close is on its way
/// send no Ping and do not end `read`: it returns the peer's Close.
#[test]
fn keepalive_after_send_close_still_receives_the_peer_close() {
    let (_never, reply) = mpsc::channel();
    let (addr, server) = watching_server(Some(reply));
    let (mut ws, _) = blocking::connect_with(&url(addr), &keepalive_options(TIMEOUT)).unwrap();
    ws.send(close_msg(1000, "done")).unwrap();
    let message = ws.read().expect("the peer's Close, not an error");
    assert!(
        matches!(&message, Message::Close(Some(c)) if c.code == CloseCode::NORMAL),
        "{message:?}"
    );
    drop(ws);
    assert_eq!(
        join(server),
        [close_msg(1000, "done")],
        "no Ping after the Close"
    );
}

/// A `ReadHalf` from `split()` keeps the keepalive: it pings a silent peer,
/// then gives up with `IdleTimeout` and a Close 1001.
#[test]
fn split_reader_keeps_keepalive_and_gives_idle_timeout() {
    let (addr, server) = watching_server(None);
    let options = keepalive_options(Duration::from_millis(300));
    let (ws, _) = blocking::connect_with(&url(addr), &options).unwrap();
    let (mut reader, writer) = ws.split().unwrap();
    let err = reader.read().expect_err("the silent peer should time out");
    assert!(matches!(err, Error::IdleTimeout), "{err:?}");
    assert!(!err.is_timeout(), "not a retryable timeout");
    drop((reader, writer));
    let seen = join(server);
    let (close, pings) = seen.split_last().expect("something on the wire");
    assert!(!pings.is_empty(), "no keepalive Ping: {seen:?}");
    assert!(pings.iter().all(|p| *p == ping(b"keepalive")), "{seen:?}");
    assert_eq!(*close, close_msg(1001, "idle timeout"));
}
