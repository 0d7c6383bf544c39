//! Helpers shared by the blocking tests, and the imports they all use.

pub(crate) use std::borrow::Cow;
pub(crate) use std::io::{self, Read, Write};
pub(crate) use std::net::{SocketAddr, TcpListener, TcpStream};
pub(crate) use std::sync::mpsc;
pub(crate) use std::thread::{self, JoinHandle};
pub(crate) use std::time::Duration;

pub(crate) use rfc6455::blocking::{
    self, Accepted, ClientOptions, Decision, Error, Keepalive, ServerOptions, WebSocket,
};
pub(crate) use rfc6455::handshake::{Header, reject_response};
pub(crate) use rfc6455::{
    AcceptOptions, CloseCode, CloseFrame, Config, Connection, Event, HandshakeError, Message,
    MessageKind, RequestParser, RequestStatus, Role, UpgradeRequest,
};

/// The bound on every blocking socket operation and channel wait.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

/// A short timeout, used only to provoke a timeout error.
pub(crate) const SHORT: Duration = Duration::from_millis(50);

pub(crate) type Ws = WebSocket<TcpStream>;

/// What `blocking::connect` gives: a `WebSocket` over a [`ClientStream`](blocking::ClientStream).
pub(crate) type ClientWs = WebSocket<blocking::ClientStream>;

/// Gives a socket [`TIMEOUT`] in both directions, and `TCP_NODELAY`.
pub(crate) fn bounded(stream: &TcpStream) {
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
}

/// Binds an ephemeral loopback port.
pub(crate) fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Runs `f` in a server thread on the first connection, as plain TCP.
pub(crate) fn raw_server<T, F>(f: F) -> (SocketAddr, JoinHandle<T>)
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
pub(crate) fn ws_server_with<T, F>(config: Config, f: F) -> (String, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(Ws) -> T + Send + 'static,
{
    let (addr, handle) = raw_server(move |stream| {
        let options = ServerOptions {
            config,
            ..Default::default()
        };
        match blocking::accept_with(stream, &options, |_| Decision::accept()) {
            Ok(Accepted::WebSocket(ws, _)) => f(ws),
            Ok(Accepted::Http { request, .. }) => panic!("plain HTTP: {request:?}"),
            Err(e) => panic!("server handshake: {e}"),
        }
    });
    (url(addr), handle)
}

/// [`ws_server_with`] the default config.
pub(crate) fn ws_server<T, F>(f: F) -> (String, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(Ws) -> T + Send + 'static,
{
    ws_server_with(Config::default(), f)
}

pub(crate) fn url(addr: SocketAddr) -> String {
    format!("ws://{addr}/")
}

/// Client options with `config` and [`TIMEOUT`] on reads and writes.
pub(crate) fn client_options(config: Config) -> ClientOptions {
    ClientOptions {
        config,
        read_timeout: Some(TIMEOUT),
        write_timeout: Some(TIMEOUT),
        ..Default::default()
    }
}

pub(crate) fn connect_with(url: &str, config: Config) -> ClientWs {
    blocking::connect_with(url, &client_options(config))
        .expect("client handshake")
        .0
}

pub(crate) fn connect(url: &str) -> ClientWs {
    connect_with(url, Config::default())
}

/// Waits for a server thread, passing its panic on.
pub(crate) fn join<T>(handle: JoinHandle<T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Echoes Text and Binary until the peer's Close (which `read` answers).
pub(crate) fn echo(mut ws: Ws) {
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
pub(crate) fn read_until_close<S: Read + Write + blocking::Timeouts>(
    ws: &mut WebSocket<S>,
) -> Vec<Message<'static>> {
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
pub(crate) fn try_read_until_close<S: Read + Write + blocking::Timeouts>(
    ws: &mut WebSocket<S>,
) -> Result<Vec<Message<'static>>, Error> {
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
pub(crate) fn close<S: Read + Write + blocking::Timeouts>(mut ws: WebSocket<S>) {
    ws.close(CloseCode::NORMAL, "bye").expect("client close");
    assert!(ws.is_closed());
}

/// `n` bytes that differ with `seed` and position.
pub(crate) fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31) ^ ((i >> 8) as u8) ^ seed)
        .collect()
}

/// Text of exactly `n` bytes, with 1-, 2-, 3- and 4-byte code points.
pub(crate) fn text(n: usize) -> String {
    const UNIT: &str = "aé€🦀"; // 1 + 2 + 3 + 4 bytes
    let mut s = UNIT.repeat(n / UNIT.len());
    s.push_str(&"z".repeat(n % UNIT.len()));
    assert_eq!(s.len(), n);
    s
}

pub(crate) fn binary(bytes: &[u8]) -> Message<'_> {
    Message::Binary(Cow::Borrowed(bytes))
}

pub(crate) fn ping(bytes: &[u8]) -> Message<'_> {
    Message::Ping(Cow::Borrowed(bytes))
}

pub(crate) fn pong(bytes: &[u8]) -> Message<'_> {
    Message::Pong(Cow::Borrowed(bytes))
}

pub(crate) fn close_msg(code: u16, reason: &str) -> Message<'_> {
    Message::Close(Some(CloseFrame {
        code: CloseCode::new(code),
        reason: Cow::Borrowed(reason),
    }))
}

/// A data message described without its payload, for failure output.
pub(crate) fn describe(m: &Message<'_>) -> String {
    match m {
        Message::Text(t) => format!("Text({} bytes)", t.len()),
        Message::Binary(b) => format!("Binary({} bytes)", b.len()),
        other => format!("{other:?}"),
    }
}

/// A WebSocket upgrade request with this method and version.
pub(crate) fn upgrade_request(method: &str, version: &str) -> String {
    format!(
        "{method} /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: {version}\r\n\r\n"
    )
}

/// Reads until EOF (or a reset after the data); bounded by the read timeout.
pub(crate) fn read_to_eof(stream: &mut TcpStream) -> Vec<u8> {
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
pub(crate) fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    bounded(&stream);
    stream.write_all(request).unwrap();
    String::from_utf8_lossy(&read_to_eof(&mut stream)).into_owned()
}

/// Sends `request` to a server running [`blocking::accept`]: returns the
/// response on the wire and the server's error.
pub(crate) fn bad_handshake(request: &[u8]) -> (String, Error) {
    let (addr, server) = raw_server(|stream| match blocking::accept(stream) {
        Ok(_) => panic!("the handshake should have failed"),
        Err(e) => e,
    });
    let response = raw_exchange(addr, request);
    (response, join(server))
}

/// Whether an HTTP head has this field (name case-insensitive, exact value).
pub(crate) fn has_field(response: &str, name: &str, value: &str) -> bool {
    let head = response.split("\r\n\r\n").next().unwrap_or("");
    head.lines().skip(1).any(|line| {
        line.split_once(':')
            .is_some_and(|(n, v)| n.trim().eq_ignore_ascii_case(name) && v.trim() == value)
    })
}

/// Reads a WebSocket upgrade request by hand: the request and the bytes
/// received after it.
pub(crate) fn read_upgrade(stream: &mut TcpStream) -> (UpgradeRequest, Vec<u8>) {
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

/// The 101 answer to `request` with nothing negotiated: the hand-written
/// peers in these tests speak plain frames.
pub(crate) fn plain_101(request: &UpgradeRequest) -> Vec<u8> {
    let options = AcceptOptions::new().deflate(None);
    request.accept(&options).unwrap().into_parts().0
}

/// The bytes of one unmasked (server-to-client) Binary frame.
pub(crate) fn server_frame(payload: &[u8]) -> Vec<u8> {
    let mut conn = Connection::new(Role::Server, Config::default());
    conn.send_binary(payload).unwrap();
    conn.poll_output().to_vec()
}

/// [`raw_server`] whose socket keeps the OS defaults: no read or write
/// timeout, as `TcpListener::incoming` hands it to the README's server.
pub(crate) fn unbounded_server<T, F>(f: F) -> (SocketAddr, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(TcpStream) -> T + Send + 'static,
{
    let (listener, addr) = bind();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        f(stream)
    });
    (addr, handle)
}

/// Whether an I/O error is a read or write timeout.
pub(crate) fn io_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A server that answers the handshake, then decodes what the client sends
/// without answering; on the client's Close it waits (at most the given time)
/// for the channel before answering, or with `None` stops at once. Returns
/// the Pings and the Close it saw.
pub(crate) fn watching_server(
    close_reply: Option<(mpsc::Receiver<()>, Duration)>,
) -> (SocketAddr, JoinHandle<Vec<Message<'static>>>) {
    raw_server(move |mut stream| {
        let (request, leftover) = read_upgrade(&mut stream);
        stream.write_all(&plain_101(&request)).unwrap();
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
                        if let Some((reply, wait)) = &close_reply {
                            // Several keepalive intervals pass before the reply.
                            let _ = reply.recv_timeout(*wait);
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
