//! [`ProxyError`]: why no tunnel was opened through a proxy.

use alloc::boxed::Box;
use core::fmt;

use super::socks5::SocksReply;
use super::url::ProxyUrlError;
use crate::handshake::HttpResponse;

/// Everything that can go wrong while opening a tunnel through a proxy.
///
/// Each variant says whether it comes from the proxy (peer) or the caller.
/// [`status`](Self::status) gives the HTTP status an HTTP proxy answered.
// non_exhaustive: more proxy kinds bring more failures.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    // ---- caller ----
    /// Caller: the proxy URL is not usable.
    Url(ProxyUrlError),
    /// Caller (environment): the proxy URL in this environment variable is not usable.
    InvalidEnv {
        /// The variable, e.g. `https_proxy`.
        variable: &'static str,
        /// What is wrong with its value.
        error: ProxyUrlError,
    },
    /// Caller: a target host with a byte that cannot go into a request line
    /// (HTTP) or longer than 255 bytes (SOCKS5, RFC 1928 §5).
    InvalidTarget,
    /// Caller: a name given to a `socks5://` proxy, which needs an address
    /// (resolve it first, or use `socks5h://`).
    UnresolvedTarget,
    /// Caller: a SOCKS5 user name empty or over 255 bytes, or a password
    /// over 255 bytes (RFC 1929 §2).
    CredentialsTooLong,
    /// Caller: `feed` after the tunnel opened or the negotiation failed.
    Finished,

    // ---- the proxy ----
    /// Peer: the proxy closed the connection before the tunnel was open
    /// (reported by the adapter, which sees the end of the stream).
    Closed,
    /// Peer: the HTTP proxy answered `407 Proxy Authentication Required`
    /// (RFC 9110 §15.5.8): no credentials were sent, or they were refused.
    /// The response carries `Proxy-Authenticate`.
    AuthRequired(Box<HttpResponse>),
    /// Peer: the HTTP proxy answered CONNECT with a status other than 2xx
    /// and 407 (RFC 9110 §9.3.6), e.g. 403 or 502.
    Refused(Box<HttpResponse>),
    /// Peer (limit): the HTTP proxy's response head exceeds `max_head_bytes`.
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Peer (limit): the HTTP proxy's response has more than `max_headers` fields.
    TooManyHeaders {
        /// The limit in header fields.
        limit: usize,
    },
    /// Peer: the HTTP proxy's response is not HTTP/1.x.
    MalformedResponse {
        /// What was wrong.
        reason: &'static str,
    },
    /// Peer: a SOCKS reply whose version byte is not 5 (RFC 1928 §3, §6).
    SocksVersion {
        /// The version byte received.
        got: u8,
    },
    /// Peer: the SOCKS5 proxy accepts none of the methods offered
    /// (`X'FF'`, RFC 1928 §3): it wants credentials and we had none, or
    /// a method we do not speak.
    NoAcceptableMethod,
    /// Peer: the SOCKS5 proxy chose a method we did not offer.
    UnofferedMethod {
        /// The method byte it chose.
        method: u8,
    },
    /// Peer: the RFC 1929 status reply's version byte is not 1.
    AuthVersion {
        /// The version byte received.
        got: u8,
    },
    /// Peer: the SOCKS5 proxy refused the user name and password (RFC 1929 §2).
    AuthRejected {
        /// The non-zero status byte.
        status: u8,
    },
    /// Peer: the SOCKS5 proxy could not connect to the target (RFC 1928 §6).
    SocksFailure(SocksReply),
    /// Peer: a SOCKS5 reply with an address type other than 1, 3 and 4.
    AddressType {
        /// The ATYP byte received.
        atyp: u8,
    },
}

impl ProxyError {
    /// The HTTP status an HTTP proxy answered CONNECT with (407, 403, 502, ...).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::AuthRequired(r) | Self::Refused(r) => Some(r.status()),
            _ => None,
        }
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(e) => write!(f, "invalid proxy URL: {e}"),
            Self::InvalidEnv { variable, error } => {
                write!(f, "invalid proxy URL in {variable}: {error}")
            }
            Self::InvalidTarget => f.write_str("the target host cannot be sent to the proxy"),
            Self::UnresolvedTarget => {
                f.write_str("a socks5:// proxy needs an address: resolve the host first")
            }
            Self::CredentialsTooLong => {
                f.write_str("SOCKS5 user name must be 1-255 bytes and password at most 255")
            }
            Self::Finished => f.write_str("the proxy negotiation already completed or failed"),
            Self::Closed => f.write_str("the proxy closed the connection before the tunnel opened"),
            Self::AuthRequired(r) => write!(
                f,
                "the proxy requires authentication ({} {})",
                r.status(),
                r.reason()
            ),
            Self::Refused(r) => write!(
                f,
                "the proxy refused CONNECT: {} {}",
                r.status(),
                r.reason()
            ),
            Self::ResponseTooLarge { limit } => {
                write!(f, "proxy response head exceeds {limit} bytes")
            }
            Self::TooManyHeaders { limit } => {
                write!(f, "proxy response has more than {limit} header fields")
            }
            Self::MalformedResponse { reason } => write!(f, "malformed proxy response: {reason}"),
            Self::SocksVersion { got } => write!(f, "not a SOCKS5 reply (version byte {got})"),
            Self::NoAcceptableMethod => {
                f.write_str("the SOCKS5 proxy accepts none of the offered authentication methods")
            }
            Self::UnofferedMethod { method } => {
                write!(
                    f,
                    "the SOCKS5 proxy chose method {method}, which was not offered"
                )
            }
            Self::AuthVersion { got } => {
                write!(
                    f,
                    "bad SOCKS5 user/password reply version {got} (expected 1)"
                )
            }
            Self::AuthRejected { status } => {
                write!(
                    f,
                    "the SOCKS5 proxy rejected the credentials (status {status})"
                )
            }
            Self::SocksFailure(reply) => write!(f, "SOCKS5 connect failed: {reply}"),
            Self::AddressType { atyp } => {
                write!(f, "SOCKS5 reply with unknown address type {atyp}")
            }
        }
    }
}

impl core::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Url(e) | Self::InvalidEnv { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl From<ProxyUrlError> for ProxyError {
    fn from(e: ProxyUrlError) -> Self {
        Self::Url(e)
    }
}
