//! Proxies for the client, sans-IO: HTTP CONNECT (RFC 9110 §9.3.6) and
//! SOCKS5 (RFC 1928, with RFC 1929 user/password), and the proxy settings
//! of the environment.
//!
//! A client reaches a proxy with a plain TCP connection, runs one of these
//! negotiations over it (bytes out with `poll_output`, bytes in with
//! `feed`), and once it says [`TunnelStatus::Open`] uses the same stream as
//! if it were connected to the target: TLS for `wss://`, then the opening
//! handshake. RFC 6455 §4.1 (client requirement 3, _Proxy Usage_): a client
//! configured to use a proxy SHOULD ask it to open a TCP connection to
//! /host/ and /port/, e.g. with `CONNECT example.com:80`.
//!
//! ```text
//! ProxyUrl::parse / proxy_from_env ──▶ ProxyUrl
//! Negotiation::new(&proxy, host, port) ──poll_output──▶ bytes to the proxy
//! bytes ──feed──▶ Pending                (write poll_output, read more, feed again)
//!               ──▶ Open                 (the tunnel; leftover() belongs to the target)
//!               ──▶ Err(ProxyError)      (status(): 407, 403, ...; SOCKS reply codes by name)
//! ```
//!
//! The [`blocking`](crate::blocking) client does all of this through
//! `ClientOptions::proxy`. Nothing here reads a socket, a clock or the
//! process environment ([`proxy_from_env`] takes a getter).

mod env;
mod error;
mod http_connect;
mod socks5;
mod url;

pub use env::{no_proxy_matches, proxy_from_env};
pub use error::ProxyError;
pub use http_connect::HttpConnect;
pub use socks5::{Socks5Connect, SocksReply, SocksTarget};
pub use url::{Credentials, ProxyScheme, ProxyUrl, ProxyUrlError};

use core::net::IpAddr;

use crate::handshake::HandshakeLimits;

/// What a negotiation's `feed` found.
// exhaustive: the tunnel is open or not yet; every failure is a ProxyError.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum TunnelStatus {
    /// Not open yet: write what `poll_output` holds, read, feed again.
    Pending,
    /// The tunnel is open: the stream now reaches the target.
    Open,
}

/// The negotiation a [`ProxyUrl`] calls for, behind one interface.
#[derive(Debug, Clone)]
pub enum Negotiation {
    /// `http://`: a CONNECT request.
    Http(HttpConnect),
    /// `socks5://` or `socks5h://`.
    Socks5(Socks5Connect),
}

impl Negotiation {
    /// The negotiation for a tunnel through `proxy` to `host:port`. `host`
    /// is a name or an IP address (IPv6 with or without brackets); a
    /// `socks5://` proxy needs an address (resolve the name first,
    /// [`ProxyUrl::resolves_locally`]), else [`ProxyError::UnresolvedTarget`].
    /// `limits` bound an HTTP proxy's response head.
    ///
    /// ```
    /// use rfc6455::handshake::HandshakeLimits;
    /// use rfc6455::proxy::{Negotiation, ProxyUrl};
    ///
    /// let proxy = ProxyUrl::parse("socks5h://127.0.0.1:1080")?;
    /// let n = Negotiation::new(&proxy, "example.com", 443, HandshakeLimits::default())?;
    /// assert_eq!(n.poll_output(), [5, 1, 0]);
    /// # Ok::<(), rfc6455::proxy::ProxyError>(())
    /// ```
    pub fn new(
        proxy: &ProxyUrl,
        host: &str,
        port: u16,
        limits: HandshakeLimits,
    ) -> Result<Self, ProxyError> {
        let credentials = proxy.credentials();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let ip = bare.parse::<IpAddr>().ok();
        Ok(match (proxy.scheme(), ip) {
            (ProxyScheme::Http, _) => {
                Self::Http(HttpConnect::new(host, port, credentials, limits)?)
            }
            (ProxyScheme::Socks5 | ProxyScheme::Socks5h, Some(ip)) => Self::Socks5(
                Socks5Connect::new(SocksTarget::Addr(ip), port, credentials)?,
            ),
            (ProxyScheme::Socks5h, None) => Self::Socks5(Socks5Connect::new(
                SocksTarget::Name(bare),
                port,
                credentials,
            )?),
            (ProxyScheme::Socks5, None) => return Err(ProxyError::UnresolvedTarget),
        })
    }

    /// The bytes to write to the proxy now.
    pub fn poll_output(&self) -> &[u8] {
        match self {
            Self::Http(h) => h.poll_output(),
            Self::Socks5(s) => s.poll_output(),
        }
    }

    /// Marks `n` bytes of [`poll_output`](Self::poll_output) as written.
    pub fn advance_output(&mut self, n: usize) {
        match self {
            Self::Http(h) => h.advance_output(n),
            Self::Socks5(s) => s.advance_output(n),
        }
    }

    /// Takes bytes read from the proxy.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<TunnelStatus, ProxyError> {
        match self {
            Self::Http(h) => h.feed(bytes),
            Self::Socks5(s) => s.feed(bytes),
        }
    }

    /// Bytes read past the proxy's last answer: the target's first bytes.
    pub fn leftover(&self) -> &[u8] {
        match self {
            Self::Http(h) => h.leftover(),
            Self::Socks5(s) => s.leftover(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn each_scheme_picks_its_negotiation() {
        let limits = HandshakeLimits::default();
        let http = ProxyUrl::parse("http://u:p@h").unwrap();
        let n = Negotiation::new(&http, "[::1]", 80, limits).unwrap();
        assert!(
            n.poll_output()
                .starts_with(b"CONNECT [::1]:80 HTTP/1.1\r\n")
        );
        let local = ProxyUrl::parse("socks5://h").unwrap();
        assert_eq!(
            Negotiation::new(&local, "name", 80, limits).unwrap_err(),
            ProxyError::UnresolvedTarget
        );
        let mut n = Negotiation::new(&local, "::1", 80, limits).unwrap();
        n.advance_output(3);
        assert_eq!(n.feed(&[5, 0]), Ok(TunnelStatus::Pending));
        assert_eq!(n.poll_output()[3], 4); // ATYP IPv6
        let remote = ProxyUrl::parse("socks5h://h").unwrap();
        let mut n = Negotiation::new(&remote, "name", 80, limits).unwrap();
        n.advance_output(3);
        assert_eq!(n.feed(&[5, 0]), Ok(TunnelStatus::Pending));
        assert_eq!(n.poll_output()[3..5], [3, 4]); // ATYP name, 4 bytes
    }

    proptest::proptest! {
        /// Random bytes from an HTTP proxy, in any split, never panic the
        /// parser; half the inputs start like a status line, to get past it.
        #[test]
        fn random_http_answers_never_panic(
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            http_like in proptest::prelude::any::<bool>(),
            cut in 0usize..400,
        ) {
            let mut data = if http_like { b"HTTP/1.1 ".to_vec() } else { Vec::new() };
            data.extend_from_slice(&tail);
            let limits = HandshakeLimits { max_head_bytes: 256, ..HandshakeLimits::default() };
            let mut n = Negotiation::new(&ProxyUrl::parse("h").unwrap(), "t", 1, limits).unwrap();
            let cut = cut.min(data.len());
            for part in [&data[..cut], &data[cut..]] {
                if n.feed(part).is_err() {
                    break;
                }
            }
        }
    }
}
