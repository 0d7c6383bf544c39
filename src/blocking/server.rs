//! The blocking server: read the client's opening handshake (§4.2), answer it,
//! wrap the stream.

use std::prelude::rust_2024::*;
use std::vec;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::error::{Error, is_timeout};
use super::socket::WebSocket;
use crate::handshake::{
    AcceptOptions, HandshakeLimits, HttpRequest, RequestParser, RequestStatus, UpgradeRequest,
    reject_response,
};
use crate::{Config, Connection, Role};

/// Options for [`accept_with`]. Every field has a default.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// Protocol limits and switches for the connection.
    pub config: Config,
    /// Limits on the request head (§10.4): answered with 431.
    pub limits: HandshakeLimits,
    /// Deadline for the whole opening handshake, against clients that send
    /// their request a byte at a time (slowloris). Default 10 s. Enforced between
    /// reads: give the stream a read timeout (the examples use the same value).
    pub handshake_timeout: Option<Duration>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            config: Config::default(),
            limits: HandshakeLimits::default(),
            handshake_timeout: Some(Duration::from_secs(10)),
        }
    }
}

/// What the [`accept_with`] callback decides about an upgrade request.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Accept, choosing a subprotocol and adding headers as the options say.
    Accept(AcceptOptions),
    /// Refuse with this status (e.g. 403 for a refused Origin, §10.2), headers and body.
    Reject {
        /// An HTTP status in 200..=599.
        status: u16,
        /// Extra response headers.
        headers: Vec<(String, String)>,
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
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

/// What [`accept_with`] produced.
// Returned once per connection and taken apart at once; boxing the socket
// would cost every connection an allocation to save a move.
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
pub fn accept<S: Read + Write>(stream: S) -> Result<WebSocket<S>, Error> {
    match accept_with(stream, &ServerOptions::default(), |_| Decision::accept())? {
        Accepted::WebSocket(ws, _) => Ok(ws),
        Accepted::Http { mut stream, .. } => {
            let body = b"This is a WebSocket endpoint.\n";
            let headers: &[(&str, &[u8])] = &[
                ("Upgrade", b"websocket"),
                ("Connection", b"Upgrade"),
                ("Sec-WebSocket-Version", b"13"),
                ("Content-Type", b"text/plain"),
            ];
            stream.write_all(&reject_response(426, headers, body)?)?;
            stream.flush()?;
            Err(Error::NotWebSocket)
        }
    }
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
    S: Read + Write,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let started = Instant::now();
    let mut parser = RequestParser::with_limits(options.limits);
    let mut buf = [0u8; 4096];
    let request = loop {
        if options
            .handshake_timeout
            .is_some_and(|t| started.elapsed() >= t)
        {
            let _ = stream.write_all(&reject_response(408, &[("Connection", b"close")], b"")?);
            return Err(Error::HandshakeTimeout);
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => return Err(Error::UnexpectedEof),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) && options.handshake_timeout.is_some() => continue,
            Err(e) => return Err(Error::Io(e)),
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
            stream.write_all(&request.accept(&accept)?)?;
            stream.flush()?;
            let mut conn = Connection::new(Role::Server, options.config.clone());
            conn.receive(parser.leftover());
            Ok(Accepted::WebSocket(
                WebSocket::from_connection(stream, conn),
                Box::new(request),
            ))
        }
        Decision::Reject {
            status,
            headers,
            body,
        } => {
            let headers: Vec<(&str, &[u8])> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes()))
                .collect();
            stream.write_all(&reject_response(status, &headers, &body)?)?;
            stream.flush()?;
            Err(Error::Rejected { status })
        }
    }
}
