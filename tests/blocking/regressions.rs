//! Regressions for bugs these tests found in the adapters, now fixed: the split
//! writer losing data on a write timeout, and `read_event` not sending the
//! Pong or Close reply it queued.

use super::support::*;

/// A `WriteHalf` whose write times out part-way must keep the unwritten rest
/// queued, as `WebSocket` does: the next send writes it first, and every
/// message arrives intact.
#[test]
fn split_writer_timeout_loses_nothing() {
    const MESSAGE: usize = 1 << 20;
    let (to_server, may_read) = mpsc::channel();
    let (url, server) = ws_server(move |mut ws| {
        // Only a bound on a failing client: filling the socket buffers takes
        // several MiB of masking, which a loaded 2-core machine (CI building
        // the next job beside it) once stretched past TIMEOUT.
        may_read
            .recv_timeout(6 * TIMEOUT)
            .expect("client timed out");
        try_read_until_close(&mut ws)
    });
    let ws = connect(&url);
    // Socket options are shared by the halves' handles.
    let control = ws.get_ref().tcp().try_clone().unwrap();
    control.set_write_timeout(Some(SHORT)).unwrap();
    let (reader, mut writer) = ws.split().unwrap();
    let mut sent = 0;
    let err = loop {
        assert!(sent < 256, "256 MiB written without a write timeout");
        let result = writer.send_binary(&pattern(MESSAGE, sent as u8));
        sent += 1;
        if let Err(e) = result {
            break e;
        }
    };
    assert!(err.is_timeout(), "{err:?}");
    control.set_write_timeout(Some(TIMEOUT)).unwrap();
    to_server.send(()).unwrap();
    writer.send_text("after").unwrap();
    writer.close(CloseCode::NORMAL, "").unwrap();
    // Close the socket so that a desynchronised server sees EOF, not silence.
    drop((reader, writer, control));
    let seen = join(server).expect("the server reads a clean stream");
    let described: Vec<String> = seen.iter().map(describe).collect();
    assert_eq!(seen.len(), sent + 1, "{described:?}");
    for (i, m) in seen[..sent].iter().enumerate() {
        assert!(
            *m == binary(&pattern(MESSAGE, i as u8)),
            "message {i} differs"
        );
    }
    assert_eq!(seen[sent], Message::Text("after".into()));
}

/// After `read_event` returns the peer's Close, the Close reply is already
/// on the wire, as after `read`: the peer's `close` completes although this
/// side calls nothing more.
#[test]
fn read_event_sends_the_close_reply_before_returning() {
    let (url, server) = ws_server(|mut ws| {
        // Bounds the wait for the reply that does not come.
        ws.get_mut()
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        ws.close(CloseCode::NORMAL, "bye")
    });
    let mut ws = connect(&url);
    let code = ws
        .read_event(|event| match event {
            Event::Close(Some(frame)) => frame.code,
            other => panic!("unexpected {other:?}"),
        })
        .unwrap();
    assert_eq!(code, CloseCode::NORMAL);
    // `ws` stays open (no further call) while the server waits for the reply.
    let closed = join(server);
    assert!(
        closed.is_ok(),
        "the server never got the Close reply: {closed:?}"
    );
    drop(ws);
}

/// After `read_event` returns a Ping, its Pong is already on the wire
/// ("Pings are answered as with read").
#[test]
fn read_event_sends_the_pong_before_returning() {
    let (url, server) = ws_server(|mut ws| {
        ws.get_mut()
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        ws.ping(b"are you there").unwrap();
        ws.read().map(|m| m == pong(b"are you there"))
    });
    let mut ws = connect(&url);
    let pinged = ws
        .read_event(|event| matches!(event, Event::Ping(b"are you there")))
        .unwrap();
    assert!(pinged);
    let answered = join(server);
    assert!(
        matches!(answered, Ok(true)),
        "the server never got the Pong: {answered:?}"
    );
    drop(ws);
}
