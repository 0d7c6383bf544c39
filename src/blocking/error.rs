//! The blocking adapters' error type: the core's errors, carried whole, plus I/O.

use std::prelude::rust_2024::*;

use std::fmt;
use std::io;

use crate::connection::CloseCode;
use crate::error::{ApiMisuse, Error as CoreError};
use crate::handshake::{HandshakeError, HttpResponse, RedirectError};
use crate::proxy::ProxyError;

/// Everything the blocking adapters report.
///
/// The core's errors are carried whole, not re-flattened: a failed
/// connection is [`Error::Connection`] with the core [`Error`](CoreError),
/// a failed opening handshake is [`Error::Handshake`]. The other variants
/// are the adapter's own (transport, deadlines, the accept callback).
///
/// A read timeout or `WouldBlock` is [`Error::Io`] and loses nothing: call the
/// same method again to continue where it stopped.
// non_exhaustive: the adapters will report new failures (deadlines, transports).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed, or timed out ([`Error::is_timeout`]).
    Io(io::Error),
    /// The opening handshake failed. On the client this includes a server
    /// that answered with another status than 101
    /// ([`HandshakeError::UnexpectedStatus`], with the response; see [`Error::status`]). On the server,
    /// the answer in [`HandshakeError::status`] was already written.
    Handshake(HandshakeError),
    /// The WebSocket connection failed after the handshake: the peer
    /// violated RFC 6455 or exceeded a limit (the Close frame with
    /// [`close_code`](Error::close_code) was sent before this was returned),
    /// the call was not valid (e.g. a Ping over 125 bytes), or the peer
    /// closed the transport without the closing handshake
    /// ([`CoreError::UnexpectedEof`], 1006, §7.1.5).
    ///
    /// A command after the connection closed is [`Error::Closed`] instead.
    Connection(CoreError),
    /// The connection is closed: the closing handshake completed, or it failed
    /// earlier. Nothing more can be read or sent.
    Closed,
    /// The handshake did not finish within the configured deadline.
    HandshakeTimeout,
    /// The peer closed the transport during the opening handshake (§4.1,
    /// §4.2), before its request or response head was complete.
    HandshakeEof,
    /// Keepalive gave up (see [`Keepalive`](super::Keepalive)): nothing was
    /// received for `idle_timeout`. A Close 1001 was sent if the connection
    /// was still open; drop the stream.
    IdleTimeout,
    /// The server's callback refused the handshake; this status was sent.
    Rejected {
        /// The HTTP status sent.
        status: u16,
    },
    /// A plain HTTP request arrived where a WebSocket upgrade was required;
    /// `426 Upgrade Required` was sent.
    NotWebSocket,
    /// The client could not open a tunnel through its proxy: the proxy
    /// refused (407 without or with wrong credentials, 403, 502, a SOCKS
    /// failure code: see [`ProxyError::status`]), answered garbage, closed
    /// the connection, or the proxy setting is invalid.
    Proxy(ProxyError),
    /// The server answered with a redirect (RFC 9110 §15.4) the client
    /// cannot follow: no or a bad `Location`, a scheme other than
    /// ws/wss/http/https, or `wss://` to `ws://`.
    Redirect {
        /// The URLs requested, in order; the last one answered `response`.
        chain: Vec<String>,
        /// The redirect answer.
        response: Box<HttpResponse>,
        /// Why it cannot be followed.
        error: RedirectError,
    },
    /// The server kept redirecting: [`ClientOptions::max_redirects`]
    /// redirects were followed and the last URL answered with one more.
    ///
    /// [`ClientOptions::max_redirects`]: super::ClientOptions::max_redirects
    TooManyRedirects {
        /// The URLs requested, in order; the last one answered `response`.
        chain: Vec<String>,
        /// The last redirect answer.
        response: Box<HttpResponse>,
    },
    /// TLS failed (feature `rustls`): the peer's certificate was not
    /// trusted, had expired or named another host, the peer sent an alert
    /// (e.g. it refused our certificate or protocol versions), or it broke
    /// the TLS protocol. Never retried without TLS. Carries rustls's own
    /// error, also when it reached us wrapped in an `io::Error`.
    #[cfg(feature = "rustls")]
    Tls(rustls::Error),
}

impl Error {
    /// The close code sent to the peer because of this error, if any (§7.4.1):
    /// [`CoreError::close_code`] of a [`Connection`](Error::Connection) error.
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    pub fn close_code(&self) -> Option<CloseCode> {
        // No wildcard: a new variant must say whether it sends a Close.
        match self {
            Self::Connection(e) => e.close_code(),
            Self::Io(_)
            | Self::Handshake(_)
            | Self::Closed
            | Self::HandshakeTimeout
            | Self::HandshakeEof
            | Self::Rejected { .. }
            | Self::NotWebSocket
            | Self::Proxy(_)
            | Self::Redirect { .. }
            | Self::TooManyRedirects { .. } => None,
            // TLS failures end the transport; no WebSocket Close goes out.
            #[cfg(feature = "rustls")]
            Self::Tls(_) => None,
            // Its Close 1001 is sent only if the connection was still open,
            // and says "going away", not what the peer did wrong.
            Self::IdleTimeout => None,
        }
    }

    /// The HTTP status involved in a failed handshake: the one the server
    /// answered with (client side), or the one we answered with (server side).
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Handshake(HandshakeError::UnexpectedStatus(r)) => Some(r.status()),
            Self::Handshake(e) => e.status(),
            Self::Rejected { status } => Some(*status),
            Self::NotWebSocket => Some(426),
            // The proxy's answer to CONNECT (407, 403, 502, ...), if HTTP.
            Self::Proxy(e) => e.status(),
            Self::Redirect { response, .. } | Self::TooManyRedirects { response, .. } => {
                Some(response.status())
            }
            Self::Io(_)
            | Self::Connection(_)
            | Self::Closed
            | Self::HandshakeTimeout
            | Self::HandshakeEof
            | Self::IdleTimeout => None,
            #[cfg(feature = "rustls")]
            Self::Tls(_) => None,
        }
    }

    /// Whether this is a read or write timeout (`WouldBlock` or `TimedOut`):
    /// the operation can be retried and continues where it stopped. Not true
    /// of [`Error::IdleTimeout`] or [`Error::HandshakeTimeout`], which end
    /// the connection.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Io(e) if is_timeout(e))
    }
}

pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// An `io::Error` that carries a `rustls::Error` (as TLS streams report
/// them) becomes `Error::Tls` (feature `rustls`); any other is [`Error::Io`].
impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        #[cfg(feature = "rustls")]
        let e = match super::tls_client::unwrap_tls_error(e) {
            Ok(tls) => return Self::Tls(tls),
            Err(e) => e,
        };
        Self::Io(e)
    }
}

impl From<ProxyError> for Error {
    fn from(e: ProxyError) -> Self {
        Self::Proxy(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Self::Handshake(e)
    }
}

/// Wraps the core error, except that a command after the connection closed
/// ([`ApiMisuse::AlreadyClosing`]) is [`Error::Closed`], the adapter's one
/// way of saying "closed" whether the core or the adapter noticed it.
impl From<CoreError> for Error {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Api(ApiMisuse::AlreadyClosing) => Self::Closed,
            e => Self::Connection(e),
        }
    }
}

/// For callers that speak `io::Error` (e.g. `Read`/`Write` wrappers), as quinn maps its errors.
impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(e) => e,
            Error::Connection(CoreError::UnexpectedEof) => {
                Self::new(io::ErrorKind::UnexpectedEof, e)
            }
            Error::Closed => Self::new(io::ErrorKind::NotConnected, e),
            Error::HandshakeTimeout | Error::IdleTimeout => Self::new(io::ErrorKind::TimedOut, e),
            Error::HandshakeEof | Error::Proxy(ProxyError::Closed) => {
                Self::new(io::ErrorKind::UnexpectedEof, e)
            }
            Error::Proxy(_) => Self::new(io::ErrorKind::ConnectionRefused, e),
            Error::Connection(_)
            | Error::Handshake(_)
            | Error::Rejected { .. }
            | Error::NotWebSocket
            | Error::Redirect { .. }
            | Error::TooManyRedirects { .. } => Self::new(io::ErrorKind::InvalidData, e),
            // The same io::Error as rustls's own streams give.
            #[cfg(feature = "rustls")]
            Error::Tls(e) => Self::new(io::ErrorKind::InvalidData, e),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Handshake(e) => write!(f, "WebSocket handshake failed: {e}"),
            Self::Connection(e) => e.fmt(f),
            Self::Closed => f.write_str("the WebSocket connection is closed"),
            Self::HandshakeTimeout => f.write_str("the WebSocket handshake timed out"),
            Self::HandshakeEof => {
                f.write_str("connection closed during the WebSocket opening handshake")
            }
            Self::IdleTimeout => {
                f.write_str("WebSocket keepalive: nothing received within the idle timeout")
            }
            Self::Rejected { status } => {
                write!(f, "WebSocket handshake refused with status {status}")
            }
            Self::NotWebSocket => f.write_str("not a WebSocket upgrade request (426 sent)"),
            Self::Proxy(e) => write!(f, "proxy: {e}"),
            Self::Redirect { chain, error, .. } => {
                write!(f, "{error} (requested: {})", chain.join(" -> "))
            }
            Self::TooManyRedirects { chain, .. } => write!(
                f,
                "too many redirects ({} followed): {}",
                chain.len().saturating_sub(1),
                chain.join(" -> ")
            ),
            #[cfg(feature = "rustls")]
            Self::Tls(e) => write!(f, "TLS error: {e}"),
        }
    }
}

impl std::error::Error for Error {
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Handshake(e) => Some(e),
            Self::Connection(e) => Some(e),
            Self::Proxy(e) => Some(e),
            Self::Redirect { error, .. } => Some(error),
            #[cfg(feature = "rustls")]
            Self::Tls(e) => Some(e),
            Self::TooManyRedirects { .. }
            | Self::Closed
            | Self::HandshakeTimeout
            | Self::HandshakeEof
            | Self::IdleTimeout
            | Self::Rejected { .. }
            | Self::NotWebSocket => None,
        }
    }
}
