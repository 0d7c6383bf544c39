//! Issue #10 items 3 and 5: a peer that never answers the Close, or never
//! reads, costs a bounded wait by default on a `TcpStream`.

use super::support::*;

/// The README's client (`blocking::connect`, default options, no read
/// timeout) closing against a server that reads the Close and says nothing:
/// `close` returns a timeout (the default close timeout) instead of waiting
/// for the server, and the socket's read timeout is back to none.
#[test]
fn close_against_a_silent_peer_times_out_by_default() {
    let (release, released) = mpsc::channel::<()>();
    let (addr, server) = raw_server(move |mut stream| {
        let (request, _) = read_upgrade(&mut stream);
        stream.write_all(&plain_101(&request)).unwrap();
        let mut frame = [0u8; 2 + 4 + 2];
        stream.read_exact(&mut frame).unwrap();
        // Silent until the client is done (bounded, so a hang ends in EOF).
        let _ = released.recv_timeout(3 * TIMEOUT);
        frame
    });
    let (mut ws, _) = blocking::connect(&url(addr)).unwrap();
    let result = ws.close(CloseCode::NORMAL, "");
    release.send(()).unwrap();
    assert!(matches!(&result, Err(e) if e.is_timeout()), "{result:?}");
    assert_eq!(join(server)[0], 0x88, "a Close frame reached the peer");
    // Restored to what `connect` left: the default keepalive interval.
    let keepalive = Some(Keepalive::DEFAULT.interval);
    assert_eq!(ws.get_ref().read_timeout().unwrap(), keepalive, "restored");
}

/// `set_close_timeout` shortens the wait.
#[test]
fn set_close_timeout_bounds_close() {
    let (release, released) = mpsc::channel::<()>();
    let (url, server) = ws_server(move |ws| {
        let _ = released.recv_timeout(TIMEOUT);
        drop(ws);
    });
    let (mut ws, _) = blocking::connect(&url).unwrap();
    ws.set_close_timeout(Some(SHORT));
    let result = ws.close(CloseCode::NORMAL, "");
    release.send(()).unwrap();
    assert!(matches!(&result, Err(e) if e.is_timeout()), "{result:?}");
    join(server);
}

/// A server on a socket without a write timeout (as `incoming()` gives it)
/// echoing large messages to a client that never reads: `send` fails with a
/// timeout from `ServerOptions::write_timeout` instead of blocking forever.
#[test]
fn server_send_to_a_client_that_never_reads_times_out() {
    const MESSAGE: usize = 1 << 20;
    let (addr, server) = unbounded_server(|stream| {
        let options = ServerOptions {
            write_timeout: Some(SHORT),
            ..Default::default()
        };
        let Ok(Accepted::WebSocket(mut ws, _)) =
            blocking::accept_with(stream, &options, |_| Decision::accept())
        else {
            panic!("handshake");
        };
        let message = ws.read().expect("the client's message");
        for _ in 0..256 {
            if let Err(e) = ws.send(message.clone()) {
                return e;
            }
        }
        panic!("256 MiB written to a client that reads nothing");
    });
    let mut ws = connect(&url(addr));
    ws.send_binary(&pattern(MESSAGE, 1)).unwrap();
    // Never reads; waits (bounded) for the server's verdict.
    let (done, verdict) = mpsc::channel();
    let waiter = thread::spawn(move || done.send(join(server)));
    let err = verdict
        .recv_timeout(3 * TIMEOUT)
        .expect("server still writing");
    assert!(err.is_timeout(), "{err:?}");
    waiter.join().unwrap().unwrap();
}

/// The default write timeout is given only to a socket that has none.
#[test]
fn accept_keeps_the_callers_write_timeout() {
    let (addr, server) = unbounded_server(|stream| {
        let untouched = stream.try_clone().unwrap();
        let custom = Duration::from_secs(7);
        untouched.set_write_timeout(Some(custom)).unwrap();
        let ws = blocking::accept(stream).unwrap();
        let kept = ws.get_ref().write_timeout().unwrap();
        echo(ws);
        kept
    });
    close(connect(&url(addr)));
    assert_eq!(join(server), Some(Duration::from_secs(7)));

    let (addr, server) = unbounded_server(|stream| {
        let ws = blocking::accept(stream).unwrap();
        let given = ws.get_ref().write_timeout().unwrap();
        echo(ws);
        given
    });
    close(connect(&url(addr)));
    assert_eq!(join(server), Some(Duration::from_secs(30)));
}
