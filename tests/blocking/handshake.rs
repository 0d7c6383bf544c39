//! Handshake failures.

use super::support::*;

/// The server's callback refuses with 403: the client's `connect` fails with
/// the response, status 403, headers and body.
#[test]
fn rejection_by_callback_reaches_the_client() {
    let (addr, server) = raw_server(|stream| {
        let decided = blocking::accept_with(stream, &ServerOptions::default(), |request| {
            assert_eq!(request.path(), "/private");
            assert_eq!(request.query(), Some("token=wrong"));
            Decision::reject(403, "go away")
        });
        match decided {
            Err(e) => e,
            Ok(_) => panic!("accepted"),
        }
    });
    let Err(err) = blocking::connect_with(
        &format!("ws://{addr}/private?token=wrong"),
        &client_options(Config::default()),
    ) else {
        panic!("connected");
    };
    assert_eq!(err.status(), Some(403));
    match &err {
        Error::Handshake(HandshakeError::UnexpectedStatus(response)) => {
            assert_eq!(response.status(), 403);
            assert_eq!(
                response.header("content-type"),
                Some(&b"text/plain; charset=utf-8"[..])
            );
            assert_eq!(response.body(), b"go away");
        }
        other => panic!("{other:?}"),
    }
    let server_err = join(server);
    assert!(matches!(server_err, Error::Rejected { status: 403 }));
    assert_eq!(server_err.status(), Some(403));
}

/// Version 8 gets 426 with the version we speak (§4.4).
#[test]
fn unsupported_version_gets_426_with_version_13() {
    let (response, err) = bad_handshake(upgrade_request("GET", "8").as_bytes());
    assert!(response.starts_with("HTTP/1.1 426 "), "{response}");
    assert!(
        has_field(&response, "Sec-WebSocket-Version", "13"),
        "{response}"
    );
    assert!(
        matches!(err, Error::Handshake(HandshakeError::UnsupportedVersion)),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(426));
}

/// An upgrade request with POST gets 405 with `Allow: GET`.
#[test]
fn post_upgrade_gets_405() {
    let (response, err) = bad_handshake(upgrade_request("POST", "13").as_bytes());
    assert!(response.starts_with("HTTP/1.1 405 "), "{response}");
    assert!(has_field(&response, "Allow", "GET"), "{response}");
    assert!(
        matches!(err, Error::Handshake(HandshakeError::MethodNotGet)),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(405));
}

/// Bytes that are not HTTP get 400.
#[test]
fn garbage_gets_400() {
    let (response, err) = bad_handshake(b"\x16\x03\x01 certainly not HTTP\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 400 "), "{response}");
    assert!(
        matches!(
            err,
            Error::Handshake(HandshakeError::MalformedRequest { .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(400));
}

/// An upgrade request without its key gets 400.
#[test]
fn missing_key_gets_400() {
    let request = upgrade_request("GET", "13").replace("Sec-WebSocket-Key", "X-Key");
    let (response, err) = bad_handshake(request.as_bytes());
    assert!(response.starts_with("HTTP/1.1 400 "), "{response}");
    assert!(
        matches!(err, Error::Handshake(HandshakeError::MissingKey)),
        "{err:?}"
    );
}

/// `accept` answers a plain HTTP request with 426 and `NotWebSocket`.
#[test]
fn accept_answers_plain_http_with_426() {
    let (response, err) =
        bad_handshake(b"GET / HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n\r\n");
    assert!(response.starts_with("HTTP/1.1 426 "), "{response}");
    assert!(has_field(&response, "Upgrade", "websocket"), "{response}");
    assert!(
        has_field(&response, "Sec-WebSocket-Version", "13"),
        "{response}"
    );
    assert!(matches!(err, Error::NotWebSocket), "{err:?}");
    assert_eq!(err.status(), Some(426));
}

/// A client sending its request a byte per 100 ms is cut off by the server's
/// handshake deadline: `HandshakeTimeout` on the server, 408 on the wire.
#[test]
fn slowloris_gets_408() {
    let (addr, server) = raw_server(|stream| {
        // A caller-set read timeout; the deadline, not it, ends the handshake.
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let options = ServerOptions {
            handshake_timeout: Some(Duration::from_millis(300)),
            ..Default::default()
        };
        match blocking::accept_with(stream, &options, |_| Decision::accept()) {
            Err(e) => e,
            Ok(_) => panic!("the slow handshake completed"),
        }
    });
    let mut client = TcpStream::connect(addr).unwrap();
    bounded(&client);
    // The read timeout paces the bytes; a read that returns data ends it.
    client
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let request = upgrade_request("GET", "13");
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    for byte in request.bytes() {
        if client.write_all(&[byte]).is_err() {
            break; // the server gave up and closed
        }
        match client.read(&mut buf) {
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                break;
            }
            Err(e) if blocking_timeout(&e) => {}
            Err(_) => break,
        }
    }
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    response.extend(read_to_eof(&mut client));
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    let err = join(server);
    assert!(matches!(err, Error::HandshakeTimeout), "{err:?}");
}

fn blocking_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
