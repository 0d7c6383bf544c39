//! Pipelining, protocol errors, limits.

use super::support::*;

/// A frame sent in the same write as the handshake is not lost, on either side.
#[test]
fn frames_pipelined_behind_the_handshake_are_kept() {
    // Client side: the server's 101 and its first frame arrive together.
    let (addr, server) = raw_server(|mut stream| {
        let (request, _) = read_upgrade(&mut stream);
        let mut out = plain_101(&request);
        out.extend(server_frame(b"right behind the 101"));
        stream.write_all(&out).unwrap();
        read_to_eof(&mut stream);
    });
    let mut ws = connect(&url(addr));
    assert_eq!(ws.read().unwrap(), binary(b"right behind the 101"));
    drop(ws);
    join(server);

    // Server side: the client's request and its first frame arrive together.
    let (addr, server) = raw_server(|stream| {
        let mut ws = blocking::accept(stream).expect("server handshake");
        ws.read()
    });
    let mut client = Connection::new(Role::Client, Config::default());
    client.send_text("right behind the request").unwrap();
    let mut out = upgrade_request("GET", "13").into_bytes();
    out.extend_from_slice(client.poll_output());
    let mut stream = TcpStream::connect(addr).unwrap();
    bounded(&stream);
    stream.write_all(&out).unwrap();
    let got = join(server).expect("server read");
    assert_eq!(got, Message::Text("right behind the request".into()));
    let response = String::from_utf8_lossy(&read_to_eof(&mut stream)).into_owned();
    assert!(response.starts_with("HTTP/1.1 101 "), "{response}");
}

/// An unmasked frame from a client fails the connection: the server's `read`
/// returns the protocol error and the client receives Close 1002.
#[test]
fn protocol_error_closes_with_1002() {
    let (url, server) = ws_server(|mut ws| ws.read());
    let mut ws = connect(&url);
    // An unmasked Text frame "hi", written past the client's masking.
    ws.get_mut().write_all(b"\x81\x02hi").unwrap();
    let err = join(server).expect_err("an unmasked frame is a protocol error");
    assert!(
        matches!(
            err,
            Error::Connection(rfc6455::Error::Protocol(
                rfc6455::error::ProtocolError::UnmaskedFrame
            ))
        ),
        "{err:?}"
    );
    assert_eq!(err.close_code(), Some(CloseCode::PROTOCOL_ERROR));
    // The core error is carried whole, as the source.
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<rfc6455::Error>());
    assert_eq!(
        source.and_then(rfc6455::Error::close_code),
        Some(CloseCode::PROTOCOL_ERROR)
    );
    match ws.read().unwrap() {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::PROTOCOL_ERROR),
        other => panic!("{other:?}"),
    }
}

/// A message over the server's `max_message_size` fails with a limit error
/// and Close 1009; one at the limit passes.
#[test]
fn oversized_message_closes_with_1009() {
    const LIMIT: usize = 64 * 1024;
    let config = Config::default().max_message_size(LIMIT);
    let (url, server) = ws_server_with(config, |mut ws| {
        let first = ws.read().map(|m| describe(&m));
        let second = ws.read().map(|m| describe(&m));
        // Read on to EOF so that no unread data makes the close a reset.
        let _ = ws.get_mut().set_read_timeout(Some(TIMEOUT));
        let _ = read_to_eof(ws.get_mut());
        (first, second)
    });
    let mut ws = connect(&url);
    ws.send_text(&text(LIMIT)).unwrap();
    ws.send_binary(&pattern(LIMIT + 1, 0)).unwrap();
    match ws.read().unwrap() {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::MESSAGE_TOO_BIG),
        other => panic!("{other:?}"),
    }
    drop(ws);
    let (first, second) = join(server);
    assert_eq!(first.unwrap(), format!("Text({LIMIT} bytes)"));
    let err = second.expect_err("over the limit");
    assert!(
        matches!(err, Error::Connection(rfc6455::Error::Limit(_))),
        "{err:?}"
    );
    assert_eq!(err.close_code(), Some(CloseCode::MESSAGE_TOO_BIG));
}
