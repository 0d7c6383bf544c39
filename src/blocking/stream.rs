//! [`ClientStream`]: the stream [`connect`](super::connect) opens, plain TCP
//! for `ws://` or TLS for `wss://`.

use std::prelude::rust_2024::*;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::split::TryClone;
#[cfg(feature = "rustls")]
use super::tls::TlsStream;
use super::transport::Timeouts;

#[cfg(feature = "rustls")]
pub(super) use super::tls_client::secure;

/// The stream under a [`WebSocket`](super::WebSocket) from
/// [`connect`](super::connect): a TCP connection for `ws://`, TLS over one
/// for `wss://` (feature `rustls`).
///
/// Both kinds read, write, take timeouts ([`Timeouts`], forwarded to the
/// socket) and clone into a second handle ([`TryClone`]), so
/// [`WebSocket::split`](super::WebSocket::split) works over either.
///
/// ```no_run
/// use rfc6455::blocking::{self, ClientStream};
///
/// let (ws, _response) = blocking::connect("ws://127.0.0.1:9001/")?;
/// assert!(matches!(ws.get_ref(), ClientStream::Plain(_)));
/// println!("connected from {}", ws.get_ref().tcp().local_addr()?);
/// # Ok::<(), blocking::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientStream {
    /// A `ws://` connection: TCP, unencrypted.
    Plain(TcpStream),
    /// A `wss://` connection: TLS (RFC 6455 §4.1, "If /secure/ is true").
    #[cfg(feature = "rustls")]
    Tls(TlsStream),
}

impl ClientStream {
    /// The TCP socket beneath, e.g. for its addresses. Reading or writing it
    /// directly corrupts the connection.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(tcp) => tcp,
            #[cfg(feature = "rustls")]
            Self::Tls(tls) => tls.get_ref(),
        }
    }

    /// The socket's read timeout, as [`TcpStream::read_timeout`].
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.tcp().read_timeout()
    }

    /// Sets the socket's read timeout, as [`TcpStream::set_read_timeout`].
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp().set_read_timeout(timeout)
    }

    /// The socket's write timeout, as [`TcpStream::write_timeout`].
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        self.tcp().write_timeout()
    }

    /// Sets the socket's write timeout, as [`TcpStream::set_write_timeout`].
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp().set_write_timeout(timeout)
    }
}

impl Read for ClientStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.read(buf),
            #[cfg(feature = "rustls")]
            Self::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for ClientStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.write(buf),
            #[cfg(feature = "rustls")]
            Self::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(tcp) => tcp.flush(),
            #[cfg(feature = "rustls")]
            Self::Tls(tls) => tls.flush(),
        }
    }
}

/// The socket's timeouts, whichever the kind.
impl Timeouts for ClientStream {
    fn read_timeout(&self) -> io::Result<Option<Duration>> {
        Self::read_timeout(self)
    }

    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        Self::set_read_timeout(self, timeout)
    }

    fn write_timeout(&self) -> io::Result<Option<Duration>> {
        Self::write_timeout(self)
    }

    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        Self::set_write_timeout(self, timeout)
    }
}

impl TryClone for ClientStream {
    fn try_clone(&self) -> io::Result<Self> {
        Ok(match self {
            Self::Plain(tcp) => Self::Plain(tcp.try_clone()?),
            #[cfg(feature = "rustls")]
            Self::Tls(tls) => Self::Tls(tls.try_clone()?),
        })
    }
}

/// Without the `rustls` feature a `wss://` URL is refused, never downgraded
/// to `ws://`.
#[cfg(not(feature = "rustls"))]
pub(super) fn secure(
    _tcp: TcpStream,
    _host: &str,
    _options: &super::ClientOptions,
    _deadline: Option<std::time::Instant>,
) -> Result<ClientStream, super::Error> {
    Err(super::Error::Io(io::Error::new(
        io::ErrorKind::Unsupported,
        "wss:// needs the `rustls` feature of rfc6455 \
         (or open a TLS stream yourself and call client_handshake)",
    )))
}
