//! The client side: connect, run the opening handshake (§4.1), wrap the stream.

use std::prelude::rust_2024::*;

use std::io;
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::net::TcpStream;

use super::socket::WebSocket;
use super::transport::MaybeTlsStream;
use crate::blocking::{ClientOptions, Error};
use crate::config::Config;
use crate::connection::{Connection, Role};
use crate::handshake::{AcceptedResponse, ClientRequest, HandshakeLimits, ResponseStatus};

/// Connects to a `ws://` or `wss://` URL with default options
/// ([`ClientOptions`]): resolves the host, connects with `TCP_NODELAY`, runs
/// TLS for `wss://` (feature `tokio-rustls`) and the opening handshake.
///
/// Returns the socket and the server's verified 101 response (subprotocol,
/// extensions, headers).
///
/// ```no_run
/// use rfc6455::{CloseCode, Message};
///
/// # async fn run() -> Result<(), rfc6455::tokio::Error> {
/// let (mut ws, _response) = rfc6455::tokio::connect("ws://127.0.0.1:9001/chat").await?;
/// ws.send_text("hello").await?;
/// if let Message::Text(reply) = ws.read().await? {
///     println!("{reply}");
/// }
/// ws.close(CloseCode::NORMAL, "done").await?;
/// # Ok(())
/// # }
/// ```
pub async fn connect(url: &str) -> Result<(WebSocket<MaybeTlsStream>, AcceptedResponse), Error> {
    connect_with(url, &ClientOptions::default()).await
}

/// Connects like [`connect`], with options: subprotocols, headers, Origin,
/// config, permessage-deflate, connect / handshake / write timeouts,
/// keepalive.
///
/// [`ClientOptions::read_timeout`] has no effect here: bound a read with
/// `tokio::time::timeout`, which is safe (see [`WebSocket::read`]).
pub async fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<(WebSocket<MaybeTlsStream>, AcceptedResponse), Error> {
    let request = options.request(url)?;
    #[cfg(not(feature = "tokio-rustls"))]
    if request.url().is_secure() {
        return Err(no_tls());
    }
    let tcp = open_tcp(&request, options).await?;
    let opening = async {
        let stream = secure(tcp, &request, options).await?;
        handshake(stream, &request, options.config.clone(), options.limits).await
    };
    let (mut ws, response) = within(options.handshake_timeout, opening).await?;
    ws.set_write_timeout(options.write_timeout);
    ws.set_keepalive(options.keepalive);
    Ok((ws, response))
}

/// Opens the TCP connection for `request`: the one place that decides how
/// the client reaches the server (the seam for HTTP proxies: a proxy's
/// `CONNECT` goes here, before TLS and the WebSocket handshake).
pub(super) async fn open_tcp(
    request: &ClientRequest,
    options: &ClientOptions,
) -> Result<TcpStream, Error> {
    let (host, port) = (request.url().host(), request.url().port());
    let connect = TcpStream::connect((host, port));
    let stream = match options.connect_timeout.filter(|t| !t.is_zero()) {
        Some(t) => ::tokio::time::timeout(t, connect)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??,
        None => connect.await?,
    };
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// TLS for a `wss://` request (feature `tokio-rustls`), or the plain stream.
async fn secure(
    tcp: TcpStream,
    request: &ClientRequest,
    options: &ClientOptions,
) -> Result<MaybeTlsStream, Error> {
    if !request.url().is_secure() {
        return Ok(MaybeTlsStream::Plain(tcp));
    }
    #[cfg(feature = "tokio-rustls")]
    {
        super::tls::connect(tcp, request.url().host(), options).await
    }
    #[cfg(not(feature = "tokio-rustls"))]
    {
        let _ = (tcp, options);
        Err(no_tls())
    }
}

/// The error for a `wss://` URL without the `tokio-rustls` feature.
#[cfg(not(feature = "tokio-rustls"))]
fn no_tls() -> Error {
    Error::Io(io::Error::new(
        io::ErrorKind::Unsupported,
        "wss:// needs the `tokio-rustls` feature of rfc6455 \
         (or open a TLS stream yourself and call client_handshake)",
    ))
}

/// `future` within `timeout` ([`Error::HandshakeTimeout`] after it).
async fn within<T>(
    timeout: Option<Duration>,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match timeout {
        Some(t) => ::tokio::time::timeout(t, future)
            .await
            .unwrap_or(Err(Error::HandshakeTimeout)),
        None => future.await,
    }
}

/// Runs the client's opening handshake over an already-open stream (e.g. a
/// TLS stream of your own), then wraps it. The response must arrive within
/// [`ClientOptions::handshake_timeout`]'s default (10 s, else
/// [`Error::HandshakeTimeout`]). The socket has no keepalive and no write
/// timeout: set them with [`WebSocket::set_keepalive`] and
/// [`WebSocket::set_write_timeout`].
pub async fn client_handshake<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    request: &ClientRequest,
    config: Config,
) -> Result<(WebSocket<S>, AcceptedResponse), Error> {
    let timeout = ClientOptions::default().handshake_timeout;
    within(
        timeout,
        handshake(stream, request, config, HandshakeLimits::default()),
    )
    .await
}

async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &ClientRequest,
    config: Config,
    limits: HandshakeLimits,
) -> Result<(WebSocket<S>, AcceptedResponse), Error> {
    stream.write_all(&request.encode()?).await?;
    stream.flush().await?;
    let mut parser = request.response_parser().with_limits(limits);
    let mut buf = [0u8; 4096];
    let response = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(Error::HandshakeEof);
        }
        match parser.feed(&buf[..n])? {
            ResponseStatus::Partial => {}
            ResponseStatus::Accepted(response) => break response,
        }
    };
    let mut conn = Connection::new(Role::Client, config).with_extensions(response.negotiated());
    conn.receive(parser.leftover());
    Ok((WebSocket::from_connection(stream, conn), response))
}
