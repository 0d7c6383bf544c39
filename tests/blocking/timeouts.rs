//! Timeouts.

use super::support::*;

/// A frame arrives in two parts with a read timeout between them (cut inside
/// the header, inside the extended length, inside the payload): `read`
/// returns a timeout, and the next `read` returns the whole message intact.
#[test]
fn read_timeout_mid_frame_resumes() {
    let payload = pattern(1000, 7);
    let wire = server_frame(&payload);
    assert_eq!(wire.len(), 4 + 1000); // 2-byte header + 16-bit length
    let cuts = [1, 3, 4 + 500];
    let (to_client, written_half) = mpsc::channel();
    let (to_server, timed_out) = mpsc::channel();
    let (url, server) = ws_server(move |mut ws| {
        for cut in cuts {
            ws.get_mut().write_all(&wire[..cut]).unwrap();
            to_client.send(()).unwrap();
            timed_out.recv_timeout(TIMEOUT).expect("client timed out");
            ws.get_mut().write_all(&wire[cut..]).unwrap();
        }
        echo(ws);
    });
    let mut ws = connect(&url);
    // With keepalive on, a read timeout is a tick, not an error.
    ws.set_keepalive(None);
    for cut in cuts {
        written_half.recv_timeout(TIMEOUT).expect("server wrote");
        ws.get_mut().set_read_timeout(Some(SHORT)).unwrap();
        let err = ws.read().expect_err("half a frame is no message");
        assert!(err.is_timeout(), "cut at {cut}: {err:?}");
        to_server.send(()).unwrap();
        ws.get_mut().set_read_timeout(Some(TIMEOUT)).unwrap();
        assert_eq!(ws.read().unwrap(), binary(&payload), "cut at {cut}");
    }
    // The connection is still in step: an echo works.
    ws.send_text("still in sync").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("still in sync".into()));
    close(ws);
    join(server);
}

/// A write that times out part-way (the peer does not read) keeps the rest
/// queued: `flush` later completes it and every message arrives intact.
#[test]
fn write_timeout_mid_message_resumes() {
    const MESSAGE: usize = 1 << 20;
    let (to_client, queued) = mpsc::channel();
    let (url, server) = ws_server(move |mut ws| {
        ws.get_mut().set_write_timeout(Some(SHORT)).unwrap();
        let mut sent = 0;
        let err = loop {
            assert!(sent < 256, "256 MiB written without a write timeout");
            let result = ws.send_binary(&pattern(MESSAGE, sent as u8));
            sent += 1;
            if let Err(e) = result {
                break e;
            }
        };
        assert!(err.is_timeout(), "{err:?}");
        assert!(ws.connection().wants_write(), "nothing left queued");
        to_client.send(sent).unwrap();
        ws.get_mut().set_write_timeout(Some(TIMEOUT)).unwrap();
        ws.flush().expect("flush after the timeout");
        echo(ws);
    });
    // The client reads nothing until the server's write timed out.
    let mut ws = connect(&url);
    // A bound on a failing server only (see regressions.rs for why it is loose).
    let sent = queued.recv_timeout(6 * TIMEOUT).expect("server timed out");
    for i in 0..sent {
        match ws.read().unwrap() {
            Message::Binary(b) => assert!(b == pattern(MESSAGE, i as u8), "message {i} differs"),
            other => panic!("message {i}: {}", describe(&other)),
        }
    }
    close(ws);
    join(server);
}
