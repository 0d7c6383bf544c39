//! Closing.

use super::support::*;

/// The client closes with a code and reason: the server reads that Close, then
/// `Closed`; the client's `close` completes.
#[test]
fn client_closes_with_code_and_reason() {
    let (url, server) = ws_server(|mut ws| {
        let first = ws.read().unwrap();
        let then = ws.read();
        (first, then)
    });
    let mut ws = connect(&url);
    ws.close(CloseCode::new(4000), "tschüß").unwrap();
    assert!(ws.is_closed());
    assert!(matches!(ws.read(), Err(Error::Closed)));
    assert!(matches!(ws.send_text("late"), Err(Error::Closed)));
    let (first, then) = join(server);
    assert_eq!(first, close_msg(4000, "tschüß"));
    assert!(matches!(then, Err(Error::Closed)), "{then:?}");
}

/// The server closes with a code and reason: the client reads that Close
/// (its reply is sent inside `read`), then `Closed`; the server's `close`
/// completes.
#[test]
fn server_closes_with_code_and_reason() {
    let (url, server) = ws_server(|mut ws| {
        let closed = ws.close(CloseCode::GOING_AWAY, "shutting down");
        let then = ws.read();
        (closed, then)
    });
    let mut ws = connect(&url);
    assert_eq!(ws.read().unwrap(), close_msg(1001, "shutting down"));
    assert!(matches!(ws.read(), Err(Error::Closed)));
    assert!(ws.is_closed());
    let (closed, then) = join(server);
    assert!(closed.is_ok(), "{closed:?}");
    assert!(matches!(then, Err(Error::Closed)), "{then:?}");
}

/// Data the server sent before the client's Close still reaches the client
/// while it waits in `close` (it is discarded there, not lost as an error).
#[test]
fn close_while_data_is_in_flight() {
    let (url, server) = ws_server(|mut ws| {
        for i in 0..100 {
            ws.send_text(&format!("message {i}")).unwrap();
        }
        read_until_close(&mut ws)
    });
    let ws = connect(&url);
    close(ws);
    assert!(join(server).is_empty());
}

/// A peer that never answers the Close: `close_timeout` returns a timeout
/// instead of waiting forever, and the peer did receive our Close.
#[test]
fn close_timeout_bounds_a_silent_peer() {
    let (addr, server) = raw_server(|mut stream| {
        let (request, _) = read_upgrade(&mut stream);
        stream.write_all(&plain_101(&request)).unwrap();
        // Read the client's Close frame, then say nothing.
        let mut frame = [0u8; 2 + 4 + 2];
        stream.read_exact(&mut frame).unwrap();
        let (tx, rx) = mpsc::channel::<()>();
        (frame, tx, rx, stream)
    });
    let mut ws = connect(&url(addr));
    let result = ws.close_timeout(CloseCode::NORMAL, "", SHORT);
    assert!(matches!(&result, Err(e) if e.is_timeout()), "{result:?}");
    let (frame, _tx, _rx, _stream) = join(server);
    assert_eq!(frame[0], 0x88, "a Close frame reached the peer");
    assert_eq!(
        ws.get_ref().read_timeout().unwrap(),
        Some(TIMEOUT),
        "read timeout restored"
    );
}
