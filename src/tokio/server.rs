//! The server side: read the client's opening handshake (§4.2), answer it,
//! wrap the stream.

use std::prelude::rust_2024::*;

use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

use super::io::write_all_within;
use super::socket::WebSocket;
use crate::blocking::server::{REQUEST_TIMEOUT, upgrade_required};
use crate::blocking::{Decision, Error, ServerOptions};
use crate::connection::{Connection, Role};
use crate::handshake::{
    HttpRequest, RequestParser, RequestStatus, UpgradeRequest, reject_response,
};

/// What [`accept_with`] produced: the tokio twin of
/// [`blocking::Accepted`](crate::blocking::Accepted).
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

/// Accepts a WebSocket on `stream` with default options ([`ServerOptions`]),
/// any path, no subprotocol.
///
/// A malformed handshake gets its 4xx answer written before the error is
/// returned; a plain HTTP request gets `426 Upgrade Required`
/// ([`Error::NotWebSocket`]). Every wait is bounded by the defaults: the
/// handshake must complete within 10 s (else `408 Request Timeout` and
/// [`Error::HandshakeTimeout`]), writes time out after 30 s without
/// progress, keepalive pings a silent client after 20 s and gives up after 40 s.
///
/// ```no_run
/// use rfc6455::Message;
/// use rfc6455::tokio::accept;
///
/// # async fn serve() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
/// loop {
///     let (stream, _) = listener.accept().await?;
///     tokio::spawn(async move {
///         let mut ws = accept(stream).await?;
///         loop {
///             match ws.read().await? {
///                 msg @ (Message::Text(_) | Message::Binary(_)) => ws.send(msg).await?,
///                 Message::Close(_) => return Ok::<_, rfc6455::tokio::Error>(()),
///                 _ => {}
///             }
///         }
///     });
/// }
/// # }
/// ```
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> Result<WebSocket<S>, Error> {
    let options = ServerOptions::default();
    match accept_with(stream, &options, |_| Decision::accept()).await? {
        Accepted::WebSocket(ws, _) => Ok(ws),
        Accepted::Http { mut stream, .. } => {
            let response = upgrade_required()?;
            write_all_within(&mut stream, &response, options.write_timeout).await?;
            Err(Error::NotWebSocket)
        }
    }
}

/// Accepts with options and a callback that sees the request (path, Origin,
/// offered subprotocols and extensions, headers) and decides, as
/// [`blocking::accept_with`](crate::blocking::accept_with) does.
///
/// A plain HTTP request is handed back with the stream so the caller can
/// serve a page on the same port. The handshake deadline
/// ([`ServerOptions::handshake_timeout`]) bounds reading the request; the
/// answers are bounded by [`ServerOptions::write_timeout`], which the
/// socket keeps afterwards.
pub async fn accept_with<S, F>(
    mut stream: S,
    options: &ServerOptions,
    decide: F,
) -> Result<Accepted<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&UpgradeRequest) -> Decision,
{
    let mut parser = RequestParser::with_limits(options.limits);
    let read = read_request(&mut stream, &mut parser);
    let status = match options.handshake_timeout {
        Some(t) => match ::tokio::time::timeout(t, read).await {
            Ok(status) => status,
            Err(_) => {
                let _ = write_all_within(&mut stream, REQUEST_TIMEOUT, short(options)).await;
                return Err(Error::HandshakeTimeout);
            }
        },
        None => read.await,
    };
    let request = match status {
        Ok(RequestStatus::Upgrade(request)) => request,
        Ok(RequestStatus::Http(request)) => {
            let leftover = parser.into_leftover();
            return Ok(Accepted::Http {
                request,
                stream,
                leftover,
            });
        }
        Ok(RequestStatus::Partial) => unreachable!("read_request returns a whole head"),
        Err(Error::Handshake(e)) => {
            if let Some(response) = e.rejection_response() {
                let _ = write_all_within(&mut stream, &response, short(options)).await;
            }
            return Err(Error::Handshake(e));
        }
        Err(e) => return Err(e),
    };
    match decide(&request) {
        Decision::Accept(accept) => {
            let (response, negotiated) = request.accept(&accept)?.into_parts();
            write_all_within(&mut stream, &response, options.write_timeout).await?;
            let mut conn =
                Connection::new(Role::Server, options.config.clone()).with_extensions(&negotiated);
            conn.receive(parser.leftover());
            let mut ws = WebSocket::from_connection(stream, conn);
            ws.set_write_timeout(options.write_timeout);
            ws.set_keepalive(options.keepalive);
            Ok(Accepted::WebSocket(ws, Box::new(request)))
        }
        Decision::Reject {
            status,
            headers,
            body,
        } => {
            let response = reject_response(status, &headers, &body)?;
            write_all_within(&mut stream, &response, options.write_timeout).await?;
            Err(Error::Rejected { status })
        }
    }
}

/// The bound on writing an error answer: the write timeout, at most 1 s
/// (the connection is being refused; a peer that does not read gets no more).
fn short(options: &ServerOptions) -> Option<Duration> {
    let cap = Duration::from_secs(1);
    Some(options.write_timeout.map_or(cap, |t| t.min(cap)))
}

/// Reads until the parser has a whole request head (never `Partial`).
async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
    parser: &mut RequestParser,
) -> Result<RequestStatus, Error> {
    // On the heap, freed when the handshake ends: a buffer in this future
    // would stay in the task's state for the connection's whole life when
    // the caller awaits the handshake inline (4 KiB per idle connection).
    let mut buf = std::vec![0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(Error::HandshakeEof);
        }
        match parser.feed(&buf[..n])? {
            RequestStatus::Partial => {}
            done => return Ok(done),
        }
    }
}
