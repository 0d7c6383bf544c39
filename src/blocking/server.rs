//! The blocking server: read the client's opening handshake (§4.2), answer it,
//! wrap the stream.

use std::prelude::rust_2024::*;
use std::vec;

use std::io::{Read, Write};
use std::time::Duration;

use super::error::Error;
use super::socket::{Keepalive, WebSocket};
use super::transport::{
    ReadOutcome, Timeouts, deadline_after, default_write_timeout, read_buf_by,
    restoring_read_timeout,
};
use crate::config::Config;
use crate::connection::{Connection, Role};
use crate::handshake::{
    AcceptOptions, HandshakeLimits, Header, HttpRequest, RequestParser, RequestStatus,
    UpgradeRequest, reject_response,
};

/// Options for [`accept_with`]. Every field has a default.
///
/// Plain public fields with [`Default`]: set the ones you need and take the
/// rest from the default. Deliberately not `#[non_exhaustive]`, which would
/// forbid this struct-update syntax outside the crate (E0639); a new field
/// then only breaks code that lists every field without `..`, so always
/// write `..Default::default()`.
///
/// ```
/// use rfc6455::Config;
/// use rfc6455::blocking::ServerOptions;
///
/// let options = ServerOptions {
///     config: Config::default().max_message_size(1 << 20),
///     ..Default::default()
/// };
/// assert_eq!(options.config.get_max_message_size(), 1 << 20);
/// ```
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Protocol limits and switches for the connection.
    pub config: Config,
    /// Limits on the request head (§10.4): answered with 431.
    pub limits: HandshakeLimits,
    /// Deadline for the whole opening handshake (§10.4), against clients that
    /// send nothing or their request a byte at a time (slowloris); answered
    /// with `408 Request Timeout` and [`Error::HandshakeTimeout`]. Default 10 s.
    ///
    /// Over a [`Timeouts`] stream that supports them (`TcpStream`), each read
    /// waits at most the time left: the socket's read timeout is set before
    /// it and the caller's restored afterwards. Over a stream without
    /// timeouts the deadline is checked only when a read returns, so the
    /// caller must bound the stream's reads itself.
    pub handshake_timeout: Option<Duration>,
    /// Write timeout given to a stream that has none (the caller's own is
    /// kept), for the handshake's answer and for the connection afterwards:
    /// a peer that never reads then makes `send` fail with a timeout
    /// ([`Error::is_timeout`]) instead of pinning the output queue forever.
    /// Default 30 s. Not restored: it stays on the stream handed back.
    /// Streams without [`Timeouts`] support are left alone.
    pub write_timeout: Option<Duration>,
    /// Pings while the client is silent, and [`Error::IdleTimeout`] when it
    /// stays silent (see [`WebSocket::set_keepalive`], which also gives a
    /// `TcpStream` the read timeout this needs). Default
    /// [`Keepalive::DEFAULT`] (20 s, then 40 s), so a client that completes
    /// the handshake and then sends nothing cannot hold `read` forever.
    pub keepalive: Option<Keepalive>,
}

/// [`ServerOptions::write_timeout`] by default.
pub(super) const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// [`ServerOptions::handshake_timeout`] by default.
pub(super) const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            config: Config::default(),
            limits: HandshakeLimits::default(),
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
            write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
            keepalive: Some(Keepalive::DEFAULT),
        }
    }
}

/// The answer to a client whose handshake missed the deadline. Written here
/// because `reject_response` has no reason phrase for 408 (RFC 9110 §15.5.9).
pub(crate) const REQUEST_TIMEOUT: &[u8] =
    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/// What the [`accept_with`] callback decides about an upgrade request.
// exhaustive: a callback accepts or refuses; other outcomes are options of these two.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Accept, choosing a subprotocol and adding headers as the options say.
    Accept(AcceptOptions),
    /// Refuse with this status (e.g. 403 for a refused Origin, §10.2), headers and body.
    Reject {
        /// An HTTP status in 200..=599.
        status: u16,
        /// Response header fields (`Content-Length` is written for you).
        headers: Vec<Header>,
        /// The response body.
        body: Vec<u8>,
    },
}

impl Decision {
    /// Accepts with no subprotocol and no extra headers.
    pub fn accept() -> Self {
        Self::Accept(AcceptOptions::new())
    }

    /// Refuses with `status` and a plain-text `body`.
    pub fn reject(status: u16, body: &str) -> Self {
        Self::Reject {
            status,
            headers: vec![Header::new("Content-Type", "text/plain; charset=utf-8")],
            body: body.as_bytes().to_vec(),
        }
    }
}

/// What [`accept_with`] produced.
// Returned once per connection and taken apart at once; boxing the socket
// would cost every connection an allocation to save a move.
// exhaustive: mirrors RequestStatus, an upgrade or a plain HTTP request (§4.2.1).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Accepted<S> {
    /// The handshake completed: the socket, and the request it answered.
    WebSocket(WebSocket<S>, Box<UpgradeRequest>),
    /// A plain HTTP request (no WebSocket upgrade): the caller answers it on `stream`.
    Http {
        /// The request.
        request: HttpRequest,
        /// The stream, for the answer.
        stream: S,
        /// Bytes received after the request head (e.g. a body).
        leftover: Vec<u8>,
    },
}

/// Accepts a WebSocket on `stream` with default options, any path, no subprotocol.
///
/// A malformed handshake gets its 4xx answer written before the error is
/// returned; a plain HTTP request gets `426 Upgrade Required`.
///
/// Over a `TcpStream` every wait is bounded by the [`ServerOptions`]
/// defaults: the handshake must complete within 10 s (else 408), and the
/// socket gets a 30 s write timeout unless it has one. The resulting
/// [`WebSocket`] waits at most 10 s in [`close`](WebSocket::close). For any
/// other stream, see [`Timeouts`].
///
/// ```no_run
/// use std::net::TcpListener;
/// use rfc6455::blocking::accept;
/// use rfc6455::Message;
///
/// let listener = TcpListener::bind("127.0.0.1:9001")?;
/// for stream in listener.incoming() {
///     std::thread::spawn(move || -> Result<(), rfc6455::blocking::Error> {
///         let mut ws = accept(stream?)?;
///         loop {
///             match ws.read()? {
///                 msg @ (Message::Text(_) | Message::Binary(_)) => ws.send(msg)?,
///                 Message::Close(_) => return Ok(()),
///                 _ => {}
///             }
///         }
///     });
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn accept<S: Read + Write + Timeouts>(stream: S) -> Result<WebSocket<S>, Error> {
    match accept_with(stream, &ServerOptions::default(), |_| Decision::accept())? {
        Accepted::WebSocket(ws, _) => Ok(ws),
        Accepted::Http { mut stream, .. } => {
            stream.write_all(&upgrade_required()?)?;
            stream.flush()?;
            Err(Error::NotWebSocket)
        }
    }
}

/// `426 Upgrade Required` (RFC 9110 §15.5.22, with the fields RFC 6455
/// §4.2.2 asks for): `accept`'s answer to a plain HTTP request, in every
/// adapter.
pub(crate) fn upgrade_required() -> Result<Vec<u8>, Error> {
    let body = b"This is a WebSocket endpoint.\n";
    let headers = [
        Header::new("Upgrade", "websocket"),
        Header::new("Connection", "Upgrade"),
        Header::new("Sec-WebSocket-Version", "13"),
        Header::new("Content-Type", "text/plain"),
    ];
    Ok(reject_response(426, &headers, body)?)
}

/// Accepts with options and a callback that sees the request (path, Origin,
/// offered subprotocols and extensions, headers) and decides.
///
/// A plain HTTP request is handed back with the stream so the caller can
/// serve a page on the same port.
pub fn accept_with<S, F>(
    mut stream: S,
    options: &ServerOptions,
    decide: F,
) -> Result<Accepted<S>, Error>
where
    S: Read + Write + Timeouts,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let deadline = deadline_after(options.handshake_timeout);
    default_write_timeout(&stream, options.write_timeout)?;
    let mut parser = RequestParser::with_limits(options.limits);
    let mut buf = [0u8; 4096];
    let request = loop {
        let read = restoring_read_timeout(&mut stream, |s| read_buf_by(s, &mut buf, deadline));
        let n = match read? {
            ReadOutcome::Data(0) => return Err(Error::HandshakeEof),
            ReadOutcome::Data(n) => n,
            ReadOutcome::Expired => {
                let _ = stream
                    .write_all(REQUEST_TIMEOUT)
                    .and_then(|()| stream.flush());
                return Err(Error::HandshakeTimeout);
            }
        };
        match parser.feed(&buf[..n]) {
            Ok(RequestStatus::Partial) => {}
            Ok(RequestStatus::Http(request)) => {
                let leftover = parser.into_leftover();
                return Ok(Accepted::Http {
                    request,
                    stream,
                    leftover,
                });
            }
            Ok(RequestStatus::Upgrade(request)) => break request,
            Err(e) => {
                if let Some(response) = e.rejection_response() {
                    let _ = stream.write_all(&response).and_then(|()| stream.flush());
                }
                return Err(e.into());
            }
        }
    };
    match decide(&request) {
        Decision::Accept(accept) => {
            let (response, negotiated) = request.accept(&accept)?.into_parts();
            stream.write_all(&response)?;
            stream.flush()?;
            let mut conn =
                Connection::new(Role::Server, options.config.clone()).with_extensions(&negotiated);
            conn.receive(parser.leftover());
            let mut ws = WebSocket::from_connection(stream, conn);
            ws.set_keepalive(options.keepalive);
            Ok(Accepted::WebSocket(ws, Box::new(request)))
        }
        Decision::Reject {
            status,
            headers,
            body,
        } => {
            stream.write_all(&reject_response(status, &headers, &body)?)?;
            stream.flush()?;
            Err(Error::Rejected { status })
        }
    }
}
