//! The blocking adapters over real loopback TCP (issue #4): every message kind
//! and size edge, ping/pong, streaming, closing from either side, rejected and
//! malformed handshakes, timeouts that resume mid-frame, split halves on two
//! threads, plain HTTP on the WebSocket port, keepalive and slowloris.
//!
//! Each test runs its own server thread on `127.0.0.1:0`. Every socket has a
//! timeout ([`TIMEOUT`]) and every loop a bound, so a bug fails a test instead
//! of hanging CI. Threads synchronise through channels, never through sleeps;
//! short socket timeouts are only used to provoke a timeout error, and no test
//! asserts on how long anything took.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rfc6455::blocking::{
    self, Accepted, ClientOptions, Decision, Error, Keepalive, ServerOptions, WebSocket,
};
use rfc6455::{
    AcceptOptions, CloseCode, CloseFrame, Config, Connection, Event, HandshakeError, Message,
    MessageKind, RequestParser, RequestStatus, Role, UpgradeRequest, reject_response,
};

/// The bound on every blocking socket operation and channel wait.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A short timeout, used only to provoke a timeout error.
const SHORT: Duration = Duration::from_millis(50);

type Ws = WebSocket<TcpStream>;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Gives a socket [`TIMEOUT`] in both directions, and `TCP_NODELAY`.
fn bounded(stream: &TcpStream) {
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
}

/// Binds an ephemeral loopback port.
fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Runs `f` in a server thread on the first connection, as plain TCP.
fn raw_server<T, F>(f: F) -> (SocketAddr, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(TcpStream) -> T + Send + 'static,
{
    let (listener, addr) = bind();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        bounded(&stream);
        f(stream)
    });
    (addr, handle)
}

/// Runs `f` in a server thread on the first connection, accepted as a
/// WebSocket with `config`; returns the `ws://` URL.
fn ws_server_with<T, F>(config: Config, f: F) -> (String, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(Ws) -> T + Send + 'static,
{
    let (addr, handle) = raw_server(move |stream| {
        let mut options = ServerOptions::default();
        options.config = config;
        match blocking::accept_with(stream, &options, |_| Decision::accept()) {
            Ok(Accepted::WebSocket(ws, _)) => f(ws),
            Ok(Accepted::Http { request, .. }) => panic!("plain HTTP: {request:?}"),
            Err(e) => panic!("server handshake: {e}"),
        }
    });
    (url(addr), handle)
}

/// [`ws_server_with`] the default config.
fn ws_server<T, F>(f: F) -> (String, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(Ws) -> T + Send + 'static,
{
    ws_server_with(Config::default(), f)
}

fn url(addr: SocketAddr) -> String {
    format!("ws://{addr}/")
}

/// Client options with `config` and [`TIMEOUT`] on reads and writes.
fn client_options(config: Config) -> ClientOptions {
    let mut options = ClientOptions::default();
    options.config = config;
    options.read_timeout = Some(TIMEOUT);
    options.write_timeout = Some(TIMEOUT);
    options
}

fn connect_with(url: &str, config: Config) -> Ws {
    blocking::connect_with(url, &client_options(config))
        .expect("client handshake")
        .0
}

fn connect(url: &str) -> Ws {
    connect_with(url, Config::default())
}

/// Waits for a server thread, passing its panic on.
fn join<T>(handle: JoinHandle<T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Echoes Text and Binary until the peer's Close (which `read` answers).
fn echo(mut ws: Ws) {
    for _ in 0..1_000_000 {
        match ws.read().expect("echo: read") {
            m @ (Message::Text(_) | Message::Binary(_)) => ws.send(m).expect("echo: send"),
            Message::Close(_) => return,
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
    panic!("echo: too many messages");
}

/// Reads messages until the peer's Close, returning what came before it.
fn read_until_close(ws: &mut Ws) -> Vec<Message<'static>> {
    let mut seen = Vec::new();
    for _ in 0..10_000 {
        match ws.read().expect("read until close") {
            Message::Close(_) => return seen,
            m => seen.push(m),
        }
    }
    panic!("no Close after 10000 messages");
}

/// [`read_until_close`] that returns the error instead of panicking.
fn try_read_until_close(ws: &mut Ws) -> Result<Vec<Message<'static>>, Error> {
    let mut seen = Vec::new();
    for _ in 0..10_000 {
        match ws.read()? {
            Message::Close(_) => return Ok(seen),
            m => seen.push(m),
        }
    }
    panic!("no Close after 10000 messages");
}

/// Closes normally and expects the closing handshake to complete.
fn close(mut ws: Ws) {
    ws.close(CloseCode::NORMAL, "bye").expect("client close");
    assert!(ws.is_closed());
}

/// `n` bytes that differ with `seed` and position.
fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31) ^ ((i >> 8) as u8) ^ seed)
        .collect()
}

/// Text of exactly `n` bytes, with 1-, 2-, 3- and 4-byte code points.
fn text(n: usize) -> String {
    const UNIT: &str = "aé€🦀"; // 1 + 2 + 3 + 4 bytes
    let mut s = UNIT.repeat(n / UNIT.len());
    s.push_str(&"z".repeat(n % UNIT.len()));
    assert_eq!(s.len(), n);
    s
}

fn binary(bytes: &[u8]) -> Message<'_> {
    Message::Binary(Cow::Borrowed(bytes))
}

fn ping(bytes: &[u8]) -> Message<'_> {
    Message::Ping(Cow::Borrowed(bytes))
}

fn pong(bytes: &[u8]) -> Message<'_> {
    Message::Pong(Cow::Borrowed(bytes))
}

fn close_msg(code: u16, reason: &str) -> Message<'_> {
    Message::Close(Some(CloseFrame {
        code: CloseCode(code),
        reason: Cow::Borrowed(reason),
    }))
}

/// A data message described without its payload, for failure output.
fn describe(m: &Message<'_>) -> String {
    match m {
        Message::Text(t) => format!("Text({} bytes)", t.len()),
        Message::Binary(b) => format!("Binary({} bytes)", b.len()),
        other => format!("{other:?}"),
    }
}

/// A WebSocket upgrade request with this method and version.
fn upgrade_request(method: &str, version: &str) -> String {
    format!(
        "{method} /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: {version}\r\n\r\n"
    )
}

/// Reads until EOF (or a reset after the data); bounded by the read timeout.
fn read_to_eof(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    for _ in 0..100_000 {
        match stream.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("read to EOF: {e} after {out:?}"),
        }
    }
    panic!("no EOF");
}

/// Sends `request` on a fresh connection to `addr` and returns all it gets back.
fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    bounded(&stream);
    stream.write_all(request).unwrap();
    String::from_utf8_lossy(&read_to_eof(&mut stream)).into_owned()
}

/// Sends `request` to a server running [`blocking::accept`]: returns the
/// response on the wire and the server's error.
fn bad_handshake(request: &[u8]) -> (String, Error) {
    let (addr, server) = raw_server(|stream| match blocking::accept(stream) {
        Ok(_) => panic!("the handshake should have failed"),
        Err(e) => e,
    });
    let response = raw_exchange(addr, request);
    (response, join(server))
}

/// Whether an HTTP head has this field (name case-insensitive, exact value).
fn has_field(response: &str, name: &str, value: &str) -> bool {
    let head = response.split("\r\n\r\n").next().unwrap_or("");
    head.lines().skip(1).any(|line| {
        line.split_once(':')
            .is_some_and(|(n, v)| n.trim().eq_ignore_ascii_case(name) && v.trim() == value)
    })
}

/// Reads a WebSocket upgrade request by hand: the request and the bytes
/// received after it.
fn read_upgrade(stream: &mut TcpStream) -> (UpgradeRequest, Vec<u8>) {
    let mut parser = RequestParser::new();
    let mut buf = [0u8; 4096];
    for _ in 0..1000 {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "EOF in the handshake");
        match parser.feed(&buf[..n]).unwrap() {
            RequestStatus::Partial => {}
            RequestStatus::Upgrade(r) => return (r, parser.into_leftover()),
            RequestStatus::Http(r) => panic!("{r:?}"),
        }
    }
    panic!("no complete request");
}

/// The bytes of one unmasked (server-to-client) Binary frame.
fn server_frame(payload: &[u8]) -> Vec<u8> {
    let mut conn = Connection::new(Role::Server, Config::default());
    conn.send_binary(payload).unwrap();
    conn.poll_output().to_vec()
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

/// Text (with multi-byte UTF-8) and Binary of every length-encoding edge, from
/// the client to an echo server and back.
#[test]
fn text_and_binary_of_every_size_edge_round_trip() {
    let (url, server) = ws_server(echo);
    let mut ws = connect(&url);
    for size in [0, 125, 126, 65535, 65536, 16 << 20] {
        let t = text(size);
        ws.send_text(&t).unwrap();
        match ws.read().unwrap() {
            Message::Text(got) => assert!(got == t, "text of {size} bytes differs"),
            other => panic!("sent Text({size}), got {}", describe(&other)),
        }
        let b = pattern(size, size as u8);
        ws.send(binary(&b)).unwrap();
        match ws.read().unwrap() {
            Message::Binary(got) => assert!(got == b, "binary of {size} bytes differs"),
            other => panic!("sent Binary({size}), got {}", describe(&other)),
        }
    }
    close(ws);
    join(server);
}

/// The client's Ping comes back as a Pong with its payload; the server's Ping
/// is answered inside the client's `read`, and the server sees that Pong.
#[test]
fn pings_are_answered_both_ways() {
    let (url, server) = ws_server(|mut ws| {
        assert_eq!(ws.read().unwrap(), ping(b"from client"));
        ws.ping(b"from server").unwrap();
        assert_eq!(ws.read().unwrap(), pong(b"from server"));
        ws.ping(b"").unwrap();
        assert_eq!(ws.read().unwrap(), pong(b""));
        echo(ws);
    });
    let mut ws = connect(&url);
    ws.ping(b"from client").unwrap();
    assert_eq!(ws.read().unwrap(), pong(b"from client"));
    assert_eq!(ws.read().unwrap(), ping(b"from server"));
    assert_eq!(ws.read().unwrap(), ping(b""));
    assert!(matches!(
        ws.ping(&[0; 126]),
        Err(Error::Api(rfc6455::ApiMisuse::ControlPayloadTooLong))
    ));
    close(ws);
    join(server);
}

/// `send_fragment` streams a message (Text cut inside code points, a Ping
/// between fragments, an empty last fragment); the server reads it whole.
#[test]
fn fragmented_send_is_read_whole() {
    let (url, server) = ws_server(|mut ws| read_until_close(&mut ws));
    let mut ws = connect(&url);
    let t = text(100);
    let pieces: Vec<&[u8]> = t.as_bytes().chunks(7).collect();
    for (i, piece) in pieces.iter().enumerate() {
        ws.send_fragment(MessageKind::Text, piece, i + 1 == pieces.len())
            .unwrap();
        if i == 1 {
            ws.ping(b"between fragments").unwrap();
        }
    }
    let b = pattern(200_000, 9);
    for piece in b.chunks(65536) {
        ws.send_fragment(MessageKind::Binary, piece, false).unwrap();
    }
    ws.send_fragment(MessageKind::Binary, b"", true).unwrap();
    // A Text fragment while a Binary message is unfinished is refused.
    ws.send_fragment(MessageKind::Binary, b"x", false).unwrap();
    assert!(ws.send_fragment(MessageKind::Text, b"y", true).is_err());
    ws.send_fragment(MessageKind::Binary, b"y", true).unwrap();
    close(ws);
    let seen = join(server);
    let expected = [
        ping(b"between fragments"),
        Message::Text(t.as_str().into()),
        binary(&b),
        binary(b"xy"),
    ];
    assert_eq!(
        seen.len(),
        expected.len(),
        "{:?}",
        seen.iter().map(describe).collect::<Vec<_>>()
    );
    for (got, want) in seen.iter().zip(&expected) {
        assert!(
            got == want,
            "got {}, want {}",
            describe(got),
            describe(want)
        );
    }
}

/// `read_event` hands over a 4 MiB message (one frame) and a fragmented Text
/// message in chunks no larger than the read buffer, and the connection's
/// buffers stay small: the reader never holds a whole message.
#[test]
fn streaming_read_never_holds_the_whole_message() {
    const SIZE: usize = 4 << 20;
    const READ_BUFFER: usize = 4096;
    // Reads start at READ_BUFFER and double while they fill it, up to 64 KiB.
    const MAX_READ: usize = 64 * 1024;
    let t = text(1 << 20);
    let t2 = t.clone();
    let (url, server) = ws_server(move |mut ws| {
        ws.send_binary(&pattern(SIZE, 3)).unwrap();
        let pieces: Vec<&[u8]> = t2.as_bytes().chunks(65537).collect();
        for (i, piece) in pieces.iter().enumerate() {
            ws.send_fragment(MessageKind::Text, piece, i + 1 == pieces.len())
                .unwrap();
        }
        echo(ws);
    });
    let mut ws = connect_with(&url, Config::default().read_buffer_size(READ_BUFFER));

    let expected = pattern(SIZE, 3);
    let mut received = 0;
    let mut chunks = 0;
    let mut max_capacity = 0;
    for _ in 0..SIZE {
        let last = ws
            .read_event(|event| match event {
                Event::Data {
                    kind: MessageKind::Binary,
                    payload,
                    is_first,
                    is_last,
                } => {
                    assert_eq!(is_first, received == 0);
                    assert!(payload.len() <= MAX_READ, "chunk of {}", payload.len());
                    let end = received + payload.len();
                    assert!(
                        payload == &expected[received..end],
                        "bytes {received}..{end}"
                    );
                    received = end;
                    is_last
                }
                other => panic!("unexpected {other:?}"),
            })
            .unwrap();
        chunks += 1;
        max_capacity = max_capacity.max(ws.connection().buffered_capacity());
        if last {
            break;
        }
    }
    assert_eq!(received, SIZE);
    assert!(chunks >= SIZE / MAX_READ, "{chunks} chunks");
    assert!(
        max_capacity <= 2 * MAX_READ,
        "buffered {max_capacity} bytes"
    );

    let mut streamed = Vec::new();
    let mut first = true;
    for _ in 0..t.len() {
        let last = ws
            .read_event(|event| match event {
                Event::Data {
                    kind: MessageKind::Text,
                    payload,
                    is_first,
                    is_last,
                } => {
                    assert_eq!(is_first, first);
                    assert!(payload.len() <= MAX_READ, "chunk of {}", payload.len());
                    streamed.extend_from_slice(payload);
                    is_last
                }
                other => panic!("unexpected {other:?}"),
            })
            .unwrap();
        first = false;
        max_capacity = max_capacity.max(ws.connection().buffered_capacity());
        if last {
            break;
        }
    }
    assert!(streamed == t.as_bytes(), "streamed text differs");
    assert!(
        max_capacity <= 2 * MAX_READ,
        "buffered {max_capacity} bytes"
    );
    close(ws);
    join(server);
}

// ---------------------------------------------------------------------------
// Closing
// ---------------------------------------------------------------------------

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
    ws.close(CloseCode(4000), "tschüß").unwrap();
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

// ---------------------------------------------------------------------------
// Handshake failures
// ---------------------------------------------------------------------------

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
        // The deadline is checked between reads, so reads must wake up.
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut options = ServerOptions::default();
        options.handshake_timeout = Some(Duration::from_millis(300));
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

// ---------------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------------

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
    let sent = queued.recv_timeout(TIMEOUT).expect("server timed out");
    for i in 0..sent {
        match ws.read().unwrap() {
            Message::Binary(b) => assert!(b == pattern(MESSAGE, i as u8), "message {i} differs"),
            other => panic!("message {i}: {}", describe(&other)),
        }
    }
    close(ws);
    join(server);
}

// ---------------------------------------------------------------------------
// Split halves
// ---------------------------------------------------------------------------

/// A writer thread sends N messages while the reader reads the N echoes;
/// Pings the server sends meanwhile are answered although the writer is
/// busy, and the answer to the latest one always gets out before the Close.
#[test]
fn split_halves_from_two_threads() {
    const N: usize = 2000;
    const PING_EVERY: usize = 100;
    let (url, server) = ws_server(|mut ws| {
        let (mut pings, mut pongs) = (Vec::new(), Vec::new());
        let mut echoed = 0;
        for _ in 0..4 * N {
            match ws.read().unwrap() {
                m @ (Message::Text(_) | Message::Binary(_)) => {
                    ws.send(m).unwrap();
                    echoed += 1;
                    // Mid-way between echoes, so every Ping precedes the last echo.
                    if echoed % PING_EVERY == PING_EVERY / 2 {
                        ws.ping(echoed.to_string().as_bytes()).unwrap();
                        pings.push(echoed);
                    }
                }
                Message::Pong(p) => pongs.push(String::from_utf8(p.into_owned()).unwrap()),
                Message::Close(_) => return (pings, pongs),
                Message::Ping(_) => panic!("unexpected Ping"),
            }
        }
        panic!("no Close");
    });
    let (mut reader, mut writer) = connect(&url).split().unwrap();
    let sender = thread::spawn(move || {
        for i in 0..N {
            writer.send_text(&format!("message {i}")).unwrap();
        }
        writer
    });
    let mut pings_seen = 0;
    let mut next = 0;
    for _ in 0..2 * N {
        if next == N {
            break;
        }
        match reader.read().unwrap() {
            Message::Text(t) => {
                assert_eq!(t, format!("message {next}"));
                next += 1;
            }
            Message::Ping(_) => pings_seen += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(next, N);
    let mut writer = join(sender);
    writer.close(CloseCode::NORMAL, "done").unwrap();
    // The server's reply to our Close.
    assert!(matches!(
        reader.read().unwrap(),
        Message::Close(Some(CloseFrame {
            code: CloseCode::NORMAL,
            ..
        }))
    ));
    assert!(matches!(reader.read(), Err(Error::Closed)));

    let (pings, pongs) = join(server);
    assert_eq!(pings.len(), N / PING_EVERY);
    assert_eq!(pings_seen, pings.len());
    // Pongs answer Pings in order; a Ping flood may coalesce (§5.5.3), but the
    // latest Ping is always answered.
    let pongs: Vec<usize> = pongs.iter().map(|p| p.parse().unwrap()).collect();
    assert!(pongs.iter().all(|p| pings.contains(p)), "{pongs:?}");
    assert!(pongs.windows(2).all(|w| w[0] < w[1]), "{pongs:?}");
    assert_eq!(pongs.last(), pings.last(), "{pongs:?}");
}

/// While the writer half is busy sending a message larger than the socket
/// buffers (the server does not read yet), the reader half still reads, and
/// the Pong it queues goes out once the writer is done.
#[test]
fn split_reader_is_not_blocked_by_a_busy_writer() {
    const BIG: usize = 16 << 20;
    let (to_server, may_read) = mpsc::channel();
    let (url, server) = ws_server(move |mut ws| {
        ws.send_text("before").unwrap();
        ws.ping(b"while busy").unwrap();
        ws.send_text("after").unwrap();
        may_read.recv_timeout(TIMEOUT).expect("client read");
        read_until_close(&mut ws)
    });
    let (mut reader, mut writer) = connect(&url).split().unwrap();
    let (to_main, writing) = mpsc::channel();
    let sender = thread::spawn(move || {
        to_main.send(()).unwrap();
        writer.send_binary(&vec![7; BIG]).unwrap();
        writer
    });
    writing.recv_timeout(TIMEOUT).expect("writer started");
    assert_eq!(reader.read().unwrap(), Message::Text("before".into()));
    assert_eq!(reader.read().unwrap(), ping(b"while busy"));
    assert_eq!(reader.read().unwrap(), Message::Text("after".into()));
    to_server.send(()).unwrap();
    let mut writer = join(sender);
    writer.close(CloseCode::NORMAL, "").unwrap();
    assert!(matches!(reader.read().unwrap(), Message::Close(_)));
    let seen = join(server);
    let described: Vec<String> = seen.iter().map(describe).collect();
    assert_eq!(seen.len(), 2, "{described:?}");
    assert!(seen.contains(&pong(b"while busy")), "{described:?}");
    assert!(
        seen.iter().any(
            |m| matches!(m, Message::Binary(b) if b.len() == BIG && b.iter().all(|&x| x == 7))
        ),
        "{described:?}"
    );
}

// ---------------------------------------------------------------------------
// HTTP on the same port, keepalive
// ---------------------------------------------------------------------------

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
                    let headers: &[(&str, &[u8])] = &[
                        ("Content-Type", b"text/html; charset=utf-8"),
                        ("Connection", b"close"),
                    ];
                    let response = reject_response(200, headers, PAGE.as_bytes()).unwrap();
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
/// while idle, then gives up: `read` fails with a timeout and a Close 1001 is
/// sent. Asserts on what is seen on the wire, not on durations.
#[test]
fn keepalive_pings_a_silent_peer_then_times_out() {
    let (addr, server) = raw_server(|mut stream| {
        // The handshake by hand; afterwards nothing is ever written.
        let (request, leftover) = read_upgrade(&mut stream);
        stream
            .write_all(&request.accept(&AcceptOptions::new()).unwrap())
            .unwrap();
        // Decode what the client sends, never answering.
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
    });
    let mut options = client_options(Config::default());
    options.keepalive = Some(Keepalive {
        interval: Duration::from_millis(50),
        idle_timeout: Duration::from_millis(300),
    });
    let (mut ws, _) = blocking::connect_with(&url(addr), &options).unwrap();
    let err = ws.read().expect_err("the silent peer should time out");
    assert!(err.is_timeout(), "{err:?}");
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

// ---------------------------------------------------------------------------
// Pipelining, protocol errors, limits
// ---------------------------------------------------------------------------

/// A frame sent in the same write as the handshake is not lost, on either side.
#[test]
fn frames_pipelined_behind_the_handshake_are_kept() {
    // Client side: the server's 101 and its first frame arrive together.
    let (addr, server) = raw_server(|mut stream| {
        let (request, _) = read_upgrade(&mut stream);
        let mut out = request.accept(&AcceptOptions::new()).unwrap();
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
        matches!(err, Error::Protocol(rfc6455::ProtocolError::UnmaskedFrame)),
        "{err:?}"
    );
    assert_eq!(err.close_code(), Some(CloseCode::PROTOCOL_ERROR));
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
    assert!(matches!(err, Error::Limit(_)), "{err:?}");
    assert_eq!(err.close_code(), Some(CloseCode::MESSAGE_TOO_BIG));
}

// ---------------------------------------------------------------------------
// Known bugs (ignored until fixed in the library)
// ---------------------------------------------------------------------------

/// A `WriteHalf` whose write times out part-way must keep the unwritten rest
/// queued, as `WebSocket` does: the next send writes it first, and every
/// message arrives intact.
#[test]
fn split_writer_timeout_loses_nothing() {
    const MESSAGE: usize = 1 << 20;
    let (to_server, may_read) = mpsc::channel();
    let (url, server) = ws_server(move |mut ws| {
        may_read.recv_timeout(TIMEOUT).expect("client timed out");
        try_read_until_close(&mut ws)
    });
    let ws = connect(&url);
    // Socket options are shared by the halves' handles.
    let control = ws.get_ref().try_clone().unwrap();
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
