//! The blocking client: connect, run the opening handshake (§4.1), wrap the stream.

use std::prelude::rust_2024::*;

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::error::Error;
use super::proxy::{Proxy, open_tunnel};
use super::redirects::Redirects;
use super::socket::{Keepalive, WebSocket};
use super::stream::{ClientStream, secure};
use super::transport::{
    ReadOutcome, Timeouts, deadline_after, read_buf_by, restoring_read_timeout,
};
use crate::config::Config;
use crate::connection::{Connection, Role};
#[cfg(feature = "deflate")]
use crate::extension::DeflateConfig;
use crate::handshake::{
    AcceptedResponse, ClientRequest, HandshakeLimits, Header, ResponseParser, ResponseStatus,
};

/// Options for [`connect_with`]. Every field has a default.
///
/// Plain public fields with [`Default`], like [`ServerOptions`](super::ServerOptions)
/// and for the same reason: not `#[non_exhaustive]`, so that
/// `ClientOptions { subprotocols, ..Default::default() }` compiles outside the
/// crate (E0639 otherwise). Always end such a literal with `..Default::default()`.
///
/// ```
/// use rfc6455::blocking::ClientOptions;
/// use rfc6455::handshake::Header;
///
/// let options = ClientOptions {
///     subprotocols: vec!["chat".into()],
///     headers: vec![Header::new("Authorization", "Bearer t0ken")],
///     ..Default::default()
/// };
/// let request = options.request("ws://127.0.0.1:9001/chat")?;
/// let bytes = String::from_utf8(request.encode()?).unwrap();
/// assert!(bytes.contains("\r\nSec-WebSocket-Protocol: chat\r\n"));
/// assert!(bytes.contains("\r\nAuthorization: Bearer t0ken\r\n"));
/// # Ok::<(), rfc6455::blocking::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Protocol limits and switches for the connection.
    pub config: Config,
    /// Subprotocols to offer, in order of preference (§4.1 step 10).
    pub subprotocols: Vec<String>,
    /// The `Origin` header to send (§4.1 step 8; browsers always send one).
    pub origin: Option<String>,
    /// Extra request header fields, e.g. `Authorization` (§4.1 step 12).
    pub headers: Vec<Header>,
    /// Limit on establishing the TCP connection. Default 10 s.
    pub connect_timeout: Option<Duration>,
    /// Deadline for the whole opening handshake, from the first byte sent to
    /// the end of the server's response ([`Error::HandshakeTimeout`]).
    /// Default 10 s. Each read and write waits at most the time left, so a
    /// server that answers nothing, or a byte at a time, cannot stretch it.
    pub handshake_timeout: Option<Duration>,
    /// Read timeout on the socket after the handshake. Default none, which
    /// [`keepalive`](Self::keepalive) (on by default) lowers to its ping
    /// interval; with keepalive off, `read` then waits as long as it takes.
    pub read_timeout: Option<Duration>,
    /// Write timeout on the socket after the handshake, so a server that
    /// never reads makes `send` fail with a timeout. Default 30 s.
    pub write_timeout: Option<Duration>,
    /// Pings while the server is silent, and [`Error::IdleTimeout`] when it
    /// stays silent; lowers the read timeout to the ping interval (see
    /// [`WebSocket::set_keepalive`]). Default [`Keepalive::DEFAULT`] (20 s,
    /// then 40 s), as Python `websockets` does.
    pub keepalive: Option<Keepalive>,
    /// Limits on the server's response head.
    pub limits: HandshakeLimits,
    /// permessage-deflate (RFC 7692) to offer: `Some(DeflateConfig::default())`
    /// by default, `None` offers no compression. See
    /// [`ClientRequest::deflate`].
    #[cfg(feature = "deflate")]
    pub deflate: Option<DeflateConfig>,
    /// The proxy to connect through: by default the environment's
    /// ([`Proxy::FromEnv`]: `https_proxy`, `http_proxy`, `all_proxy`,
    /// `no_proxy`, ...). The TCP connection to the proxy is bounded by
    /// [`connect_timeout`](Self::connect_timeout), the proxy's negotiation
    /// by the [`handshake_timeout`](Self::handshake_timeout) it shares with
    /// the opening handshake.
    pub proxy: Proxy,
    /// How many redirects (301, 302, 303, 307, 308 with a `Location`, RFC
    /// 9110 §15.4) to follow, each over a new connection (and proxy
    /// tunnel), before [`Error::TooManyRedirects`]. Default 3, as
    /// tungstenite. 0 turns redirects off: the redirect answer is then
    /// [`HandshakeError::UnexpectedStatus`](crate::HandshakeError::UnexpectedStatus). `Authorization` and `Cookie`
    /// from [`headers`](Self::headers) go only to the first URL's scheme,
    /// host and port, as curl does.
    pub max_redirects: u8,
    /// The TLS configuration for `wss://` URLs (feature `rustls`). `None`
    /// (the default) uses the built-in one: rustls with the `ring` provider,
    /// Mozilla's roots (`webpki-roots`) plus the PEM bundle named by the
    /// `SSL_CERT_FILE` environment variable if it is set, ALPN `http/1.1`.
    ///
    /// Give a config of your own to trust a private CA or the platform's
    /// store (build it with `rustls-native-certs` or
    /// `rustls-platform-verifier`), or for client certificates. Its ALPN
    /// protocols must be `http/1.1` or none. A certificate that does not
    /// verify fails the connection with [`Error::Tls`]; `wss://` never
    /// falls back to `ws://`.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use rfc6455::blocking::{self, ClientOptions};
    /// use rfc6455::rustls::{ClientConfig, RootCertStore};
    /// use rfc6455::rustls::pki_types::{CertificateDer, pem::PemObject};
    ///
    /// let mut roots = RootCertStore::empty();
    /// roots.add(CertificateDer::from_pem_file("my-ca.pem")?)?;
    /// let config = ClientConfig::builder_with_provider(blocking::crypto_provider())
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let options = ClientOptions { tls: Some(Arc::new(config)), ..Default::default() };
    /// let (mut ws, _) = blocking::connect_with("wss://localhost:9443/", &options)?;
    /// ws.send_text("hello")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "rustls")]
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            config: Config::default(),
            subprotocols: Vec::new(),
            origin: None,
            headers: Vec::new(),
            connect_timeout: Some(Duration::from_secs(10)),
            handshake_timeout: Some(Duration::from_secs(10)),
            read_timeout: None,
            write_timeout: Some(super::server::DEFAULT_WRITE_TIMEOUT),
            keepalive: Some(Keepalive::DEFAULT),
            limits: HandshakeLimits::default(),
            #[cfg(feature = "deflate")]
            deflate: Some(DeflateConfig::default()),
            proxy: Proxy::FromEnv,
            max_redirects: 3,
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }
}

impl ClientOptions {
    /// Builds the request these options describe for `url`.
    pub fn request(&self, url: &str) -> Result<ClientRequest, Error> {
        let mut request = ClientRequest::new(url)?;
        #[cfg(feature = "deflate")]
        {
            request = request.deflate(self.deflate);
        }
        for p in &self.subprotocols {
            request = request.subprotocol(p);
        }
        if let Some(origin) = &self.origin {
            request = request.origin(origin);
        }
        for Header { name, value } in &self.headers {
            request = request.header(name, value);
        }
        Ok(request)
    }
}

/// Connects to a `ws://` or `wss://` URL with default options: resolves the
/// host, connects with `TCP_NODELAY` (through the environment's proxy, if
/// any), for `wss://` runs the TLS handshake (feature `rustls`, see
/// `ClientOptions::tls`), runs the opening handshake, all within
/// [`ClientOptions::handshake_timeout`], and follows up to 3 redirects.
///
/// Returns the stream and the server's verified 101 response (subprotocol,
/// extensions, headers). Without the `rustls` feature a `wss://` URL is an
/// error: open a TLS stream yourself and call [`client_handshake`].
///
/// ```no_run
/// use rfc6455::blocking::connect;
/// use rfc6455::{CloseCode, Message};
///
/// let (mut ws, _response) = connect("ws://127.0.0.1:9001/chat")?;
/// ws.send_text("hello")?;
/// if let Message::Text(reply) = ws.read()? {
///     println!("{reply}");
/// }
/// ws.close(CloseCode::NORMAL, "done")?;
/// # Ok::<(), rfc6455::blocking::Error>(())
/// ```
pub fn connect(url: &str) -> Result<(WebSocket<ClientStream>, AcceptedResponse), Error> {
    connect_with(url, &ClientOptions::default())
}

/// Connects like [`connect`], with options: subprotocols, headers, config,
/// connect / handshake / read / write timeouts, keepalive, proxy, redirects.
///
/// Each attempt opens a TCP connection to the server or to the proxy
/// ([`ClientOptions::proxy`]) and, through a proxy, a tunnel (HTTP CONNECT
/// or SOCKS5); then runs the handshake. A redirect answer starts a new
/// attempt at its `Location` ([`ClientOptions::max_redirects`]).
///
/// ```no_run
/// use rfc6455::blocking::{ClientOptions, Error, Proxy, connect_with};
///
/// let options = ClientOptions {
///     proxy: Proxy::Url("http://user:secret@127.0.0.1:3128".into()),
///     ..Default::default()
/// };
/// match connect_with("ws://echo.example/", &options) {
///     Ok((ws, _)) => drop(ws),
///     Err(e @ Error::Proxy(_)) => eprintln!("proxy said {:?}: {e}", e.status()),
///     Err(e) => eprintln!("{e}"),
/// }
/// ```
pub fn connect_with(
    url: &str,
    options: &ClientOptions,
) -> Result<(WebSocket<ClientStream>, AcceptedResponse), Error> {
    let mut redirects = Redirects::new(url)?;
    loop {
        let request = redirects.request(options)?;
        let attempt = connect_once(&request, options);
        if let Some(done) = redirects.after(attempt, &request, options.max_redirects)? {
            return Ok(done);
        }
    }
}

/// One attempt: TCP (direct or to the proxy), the tunnel, the handshake.
fn connect_once(
    request: &ClientRequest,
    options: &ClientOptions,
) -> Result<(WebSocket<ClientStream>, AcceptedResponse), Error> {
    let url = request.url();
    let proxy = options.proxy.for_url(url)?;
    let (host, port) = match &proxy {
        Some(p) => (p.host(), p.port()),
        None => (url.host(), url.port()),
    };
    let mut stream = tcp_connect(host, port, options.connect_timeout)?;
    stream.set_nodelay(true)?;
    // The request is small; this bounds writing it to a server that never reads.
    stream.set_write_timeout(options.handshake_timeout.filter(|t| !t.is_zero()))?;
    // One deadline for the proxy's negotiation, TLS and the handshake.
    let deadline = deadline_after(options.handshake_timeout);
    let early = match &proxy {
        Some(p) => open_tunnel(&mut stream, p, url, options.limits, deadline)?,
        None => Vec::new(),
    };
    let stream = if url.is_secure() {
        if !early.is_empty() {
            // The server speaks first only after our ClientHello: bytes the
            // proxy passed on before it are not from a TLS server.
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                "the proxy sent data after opening the tunnel, before the TLS handshake",
            )));
        }
        secure(stream, url.host(), options, deadline)?
    } else {
        ClientStream::Plain(stream)
    };
    let (mut ws, response) = handshake(
        stream,
        request,
        options.config.clone(),
        options.limits,
        deadline,
        &early,
    )?;
    ws.get_mut().set_read_timeout(options.read_timeout)?;
    ws.get_mut().set_write_timeout(options.write_timeout)?;
    ws.set_keepalive(options.keepalive);
    Ok((ws, response))
}

fn tcp_connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let attempt = match timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Io(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "host resolved to no address")
    })))
}

/// Runs the client's opening handshake over an already-open stream (e.g. TLS),
/// then wraps it.
///
/// The response must arrive within [`ClientOptions::handshake_timeout`]'s
/// default (10 s, else [`Error::HandshakeTimeout`]). Over a stream that
/// supports [`Timeouts`] each read waits at most the time left (the
/// stream's read timeout is restored afterwards); over one that does not,
/// the deadline is checked only when a read returns, so bound the stream's
/// reads and writes yourself.
pub fn client_handshake<S: Read + Write + Timeouts>(
    stream: S,
    request: &ClientRequest,
    config: Config,
) -> Result<(WebSocket<S>, AcceptedResponse), Error> {
    let deadline = deadline_after(ClientOptions::default().handshake_timeout);
    handshake(
        stream,
        request,
        config,
        HandshakeLimits::default(),
        deadline,
        &[],
    )
}

fn handshake<S: Read + Write + Timeouts>(
    mut stream: S,
    request: &ClientRequest,
    config: Config,
    limits: HandshakeLimits,
    deadline: Option<Instant>,
    early: &[u8],
) -> Result<(WebSocket<S>, AcceptedResponse), Error> {
    stream.write_all(&request.encode()?)?;
    stream.flush()?;
    let mut parser = request.response_parser().with_limits(limits);
    // Bytes a proxy passed on with its answer are the server's first bytes.
    if !early.is_empty() {
        if let ResponseStatus::Accepted(response) = parser.feed(early)? {
            return Ok(finish(stream, parser, response, config));
        }
    }
    let mut buf = [0u8; 4096];
    let response = loop {
        let read = restoring_read_timeout(&mut stream, |s| read_buf_by(s, &mut buf, deadline));
        let n = match read? {
            ReadOutcome::Data(0) => return Err(Error::HandshakeEof),
            ReadOutcome::Data(n) => n,
            ReadOutcome::Expired => return Err(Error::HandshakeTimeout),
        };
        match parser.feed(&buf[..n])? {
            ResponseStatus::Partial => {}
            ResponseStatus::Accepted(response) => break response,
        }
    };
    Ok(finish(stream, parser, response, config))
}

fn finish<S: Read + Write + Timeouts>(
    stream: S,
    parser: ResponseParser,
    response: AcceptedResponse,
    config: Config,
) -> (WebSocket<S>, AcceptedResponse) {
    let mut conn = Connection::new(Role::Client, config).with_extensions(response.negotiated());
    conn.receive(parser.leftover());
    (WebSocket::from_connection(stream, conn), response)
}
