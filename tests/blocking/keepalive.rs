//! Issue #10 item 4: keepalive while closing, keepalive in a split reader,
//! and the idle timeout's own error.

use super::support::*;

const INTERVAL: Duration = Duration::from_millis(50);

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
    let (addr, server) = watching_server(Some((reply, 10 * INTERVAL)));
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

/// The README's server (`blocking::accept` on a socket with no timeouts)
/// against a client that completes the handshake and then sends nothing:
/// keepalive is on by default, so the socket gets a read timeout of the
/// ping interval and `read` cannot block forever.
#[test]
fn plain_accept_turns_keepalive_on_so_a_silent_client_cannot_hold_read() {
    let (addr, server) = unbounded_server(|stream| {
        let ws = blocking::accept(stream).expect("handshake");
        ws.get_ref().read_timeout().unwrap()
    });
    let (ws, _) = blocking::connect(&url(addr)).unwrap();
    assert_eq!(join(server), Some(Keepalive::DEFAULT.interval));
    drop(ws);
}

/// The same for the README's client: `connect` gives the socket the
/// default keepalive's interval as its read timeout.
#[test]
fn plain_connect_turns_keepalive_on_so_a_silent_server_cannot_hold_read() {
    let (url, server) = ws_server(drop);
    let (ws, _) = blocking::connect(&url).unwrap();
    assert_eq!(
        ws.get_ref().read_timeout().unwrap(),
        Some(Keepalive::DEFAULT.interval)
    );
    drop(ws);
    join(server);
}

/// A client that completes the handshake, then neither sends nor answers
/// Pings: the server's `read` ends in `IdleTimeout` with the keepalive of
/// `ServerOptions`, on a socket the caller gave no read timeout.
#[test]
fn silent_client_after_the_handshake_ends_in_idle_timeout() {
    let (addr, server) = unbounded_server(|stream| {
        let options = ServerOptions {
            keepalive: Some(Keepalive {
                interval: INTERVAL,
                idle_timeout: 4 * INTERVAL,
            }),
            ..Default::default()
        };
        let Ok(Accepted::WebSocket(mut ws, _)) =
            blocking::accept_with(stream, &options, |_| Decision::accept())
        else {
            panic!("handshake");
        };
        ws.read()
    });
    let mut client = TcpStream::connect(addr).unwrap();
    bounded(&client);
    client
        .write_all(upgrade_request("GET", "13").as_bytes())
        .unwrap();
    // Never answers; the server's Close (1001) and EOF end this, or the
    // client's own read timeout does if the server hangs.
    let _ = read_to_eof(&mut client);
    let result = server.join().unwrap();
    assert!(matches!(result, Err(Error::IdleTimeout)), "{result:?}");
}
