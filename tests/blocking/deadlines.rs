//! Issue #10 items 2 and 8: the opening handshake's deadline is real on a
//! `TcpStream` with no timeouts of its own (a silent or trickling peer is cut
//! off at the deadline, not when it pleases), and EOF during the handshake
//! has its own error.

use super::support::*;

const DEADLINE: Duration = Duration::from_millis(300);

fn options(deadline: Duration) -> ServerOptions {
    ServerOptions {
        handshake_timeout: Some(deadline),
        ..Default::default()
    }
}

/// A server on a socket without timeouts, with `deadline`; returns its error.
fn deadline_server(deadline: Duration) -> (SocketAddr, JoinHandle<Error>) {
    unbounded_server(move |stream| {
        match blocking::accept_with(stream, &options(deadline), |_| Decision::accept()) {
            Err(e) => e,
            Ok(_) => panic!("the handshake completed"),
        }
    })
}

/// Reads the server's answer: what arrives within `wait`, then to EOF.
fn answer(client: &mut TcpStream, wait: Duration) -> String {
    client.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 1024];
    let mut response = match client.read(&mut buf) {
        Ok(n) => buf[..n].to_vec(),
        Err(e) if io_timeout(&e) => Vec::new(),
        Err(e) => panic!("{e}"),
    };
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    if !response.is_empty() {
        response.extend(read_to_eof(client));
    }
    String::from_utf8_lossy(&response).into_owned()
}

/// A client that connects and sends nothing is answered 408 (with its reason
/// phrase) once the deadline passes, although the socket has no read timeout.
#[test]
fn silent_client_is_answered_408_at_the_deadline() {
    let (addr, server) = deadline_server(DEADLINE);
    let mut client = TcpStream::connect(addr).unwrap();
    bounded(&client);
    let response = answer(&mut client, TIMEOUT);
    assert!(
        response.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{response:?}"
    );
    assert!(has_field(&response, "Connection", "close"), "{response}");
    drop(client); // lets a server that missed the deadline see EOF
    let err = join(server);
    assert!(matches!(err, Error::HandshakeTimeout), "{err:?}");
}

/// The README's server, exactly: plain `blocking::accept` on a socket from
/// `incoming()`. A silent client gets 408 from the default 10 s deadline.
#[test]
fn plain_accept_answers_a_silent_client_with_408() {
    let (addr, server) = unbounded_server(|stream| blocking::accept(stream).map(drop));
    let mut client = TcpStream::connect(addr).unwrap();
    bounded(&client);
    let response = answer(&mut client, 3 * TIMEOUT);
    assert!(response.starts_with("HTTP/1.1 408 "), "{response:?}");
    drop(client);
    let result = join(server);
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
}

/// A client that sends all of its request but the last byte, then waits
/// twice the deadline before sending it, is cut off before it finishes.
#[test]
fn trickling_client_cannot_stretch_the_handshake_deadline() {
    let (addr, server) = deadline_server(DEADLINE);
    let mut client = TcpStream::connect(addr).unwrap();
    bounded(&client);
    let request = upgrade_request("GET", "13");
    let (most, last) = request.as_bytes().split_at(request.len() - 1);
    client.write_all(most).unwrap();
    let mut response = answer(&mut client, 2 * DEADLINE);
    if response.is_empty() {
        // No answer within twice the deadline: finish the request.
        client.write_all(last).unwrap();
        response = answer(&mut client, TIMEOUT);
    }
    assert!(
        response.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "not cut off before the request was complete: {response:?}"
    );
    drop(client);
    let err = join(server);
    assert!(matches!(err, Error::HandshakeTimeout), "{err:?}");
}

/// The client's handshake: a server that sends its response in three parts,
/// the last well after the deadline but less than one deadline after the
/// previous part, is cut off at the deadline (each read waits only the time
/// left, not a whole `handshake_timeout`).
#[test]
fn trickling_server_cannot_stretch_the_client_handshake_deadline() {
    const CLIENT_DEADLINE: Duration = Duration::from_millis(400);
    let (addr, server) = raw_server(|mut stream| {
        let (request, _) = read_upgrade(&mut stream);
        let response = plain_101(&request);
        let (a, rest) = response.split_at(10);
        let (b, c) = rest.split_at(rest.len() - 1);
        stream.write_all(a).unwrap();
        // The client sends nothing more: its silence paces the parts.
        for (part, after) in [(b, CLIENT_DEADLINE / 2), (c, CLIENT_DEADLINE * 9 / 10)] {
            stream.set_read_timeout(Some(after)).unwrap();
            let mut buf = [0u8; 64];
            match stream.read(&mut buf) {
                Err(e) if io_timeout(&e) => {}
                _ => return, // the client gave up and closed
            }
            if stream.write_all(part).is_err() {
                return;
            }
        }
    });
    let mut options = client_options(Config::default());
    options.handshake_timeout = Some(CLIENT_DEADLINE);
    let result = blocking::connect_with(&url(addr), &options);
    assert!(
        matches!(result, Err(Error::HandshakeTimeout)),
        "{:?}",
        result.map(|_| "connected")
    );
    join(server);
}

/// EOF in the middle of the request is `HandshakeEof`, whose message is not
/// the closing handshake's 1006 wording.
#[test]
fn handshake_eof_has_its_own_error_on_the_server() {
    let (addr, server) = deadline_server(TIMEOUT);
    let mut client = TcpStream::connect(addr).unwrap();
    bounded(&client);
    let request = upgrade_request("GET", "13");
    client.write_all(&request.as_bytes()[..20]).unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let err = join(server);
    assert!(matches!(err, Error::HandshakeEof), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("opening handshake"), "{message}");
    assert!(!message.contains("1006"), "{message}");
}

/// A server that closes before answering: `HandshakeEof` on the client.
#[test]
fn handshake_eof_has_its_own_error_on_the_client() {
    let (addr, server) = raw_server(|mut stream| {
        read_upgrade(&mut stream);
    });
    let result = blocking::connect_with(&url(addr), &client_options(Config::default()));
    join(server);
    let err = result.map(|_| "connected").unwrap_err();
    assert!(matches!(err, Error::HandshakeEof), "{err:?}");
    assert!(!err.to_string().contains("closing handshake"), "{err}");
}

/// The caller's read timeout is back on the socket after the handshake.
#[test]
fn accept_restores_the_callers_read_timeout() {
    let (url, server) = ws_server(|ws| {
        let timeout = ws.get_ref().read_timeout().unwrap();
        echo(ws);
        timeout
    });
    close(connect(&url));
    assert_eq!(join(server), Some(TIMEOUT));
}

/// `UnixStream` implements `Timeouts` too: the deadline holds over it.
#[cfg(unix)]
#[test]
fn silent_client_over_a_unix_socket_is_answered_408() {
    use std::os::unix::net::UnixStream;
    let (server_end, mut client) = UnixStream::pair().unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    let server = thread::spawn(move || {
        match blocking::accept_with(server_end, &options(DEADLINE), |_| Decision::accept()) {
            Err(e) => e,
            Ok(_) => panic!("the handshake completed"),
        }
    });
    let mut response = Vec::new();
    let mut buf = [0u8; 256];
    for _ in 0..100 {
        match client.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(e) => panic!("{e} after {response:?}"),
        }
    }
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{response:?}"
    );
    let err = join(server);
    assert!(matches!(err, Error::HandshakeTimeout), "{err:?}");
}
