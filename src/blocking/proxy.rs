//! The client's proxy setting, and opening a tunnel through a proxy over a
//! `TcpStream` within the handshake's deadline.

use std::prelude::rust_2024::*;

use std::io::{self, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

use super::error::Error;
use super::transport::{ReadOutcome, read_buf_by, restoring_read_timeout};
use crate::handshake::{HandshakeLimits, WsUrl};
use crate::proxy::{Negotiation, ProxyError, ProxyUrl, TunnelStatus, proxy_from_env};

/// Which proxy [`connect_with`](super::connect_with) goes through
/// ([`ClientOptions::proxy`](super::ClientOptions::proxy)).
///
/// ```
/// use rfc6455::blocking::{ClientOptions, Proxy};
///
/// let through_socks = ClientOptions {
///     proxy: Proxy::Url("socks5h://user:secret@127.0.0.1:1080".into()),
///     ..Default::default()
/// };
/// let direct = ClientOptions { proxy: Proxy::None, ..Default::default() };
/// # let _ = (through_socks, direct);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proxy {
    /// The environment's setting (the default): `wss_proxy`/`https_proxy`
    /// for `wss://`, `ws_proxy`/`http_proxy` for `ws://`, `all_proxy`
    /// otherwise, none for a host `no_proxy` lists; read at each connect
    /// (see [`proxy_from_env`]).
    #[default]
    FromEnv,
    /// Like [`FromEnv`](Self::FromEnv), with these `(name, value)` pairs
    /// in place of the process environment: for settings kept elsewhere,
    /// and for tests that must not change the process environment.
    Vars(Vec<(String, String)>),
    /// Connect directly, whatever the environment says.
    None,
    /// This proxy: `http://`, `socks5://` or `socks5h://`, with
    /// credentials as `user:password@` (see [`ProxyUrl`]).
    Url(String),
}

impl Proxy {
    /// The proxy to use for `url`, if any.
    pub fn for_url(&self, url: &WsUrl) -> Result<Option<ProxyUrl>, ProxyError> {
        match self {
            Self::FromEnv => proxy_from_env(url, |name| std::env::var(name).ok()),
            Self::Vars(vars) => proxy_from_env(url, |name| {
                vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            }),
            Self::None => Ok(None),
            Self::Url(s) => ProxyUrl::parse(s).map(Some).map_err(ProxyError::from),
        }
    }
}

/// Runs the negotiation with `proxy` over `stream` for a tunnel to `url`'s
/// host and port, by `deadline`. Returns the bytes read past the proxy's
/// answer (the target's; empty from any proxy that follows its protocol).
pub(super) fn open_tunnel(
    stream: &mut TcpStream,
    proxy: &ProxyUrl,
    url: &WsUrl,
    limits: HandshakeLimits,
    deadline: Option<Instant>,
) -> Result<Vec<u8>, Error> {
    let target = if proxy.resolves_locally() {
        // socks5://: the proxy gets an address, resolved here.
        let addr = (url.host(), url.port())
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "host resolved to no address")
            })?;
        addr.ip().to_string()
    } else {
        url.host().to_string()
    };
    let mut negotiation = Negotiation::new(proxy, &target, url.port(), limits)?;
    let mut buf = [0u8; 1024];
    restoring_read_timeout(stream, |stream| {
        // Bounded: each pass writes, or reads at least one byte into a
        // parser whose input is bounded (head limit, SOCKS reply sizes),
        // and every read waits at most until the deadline.
        loop {
            let out = negotiation.poll_output();
            if !out.is_empty() {
                let n = out.len();
                stream.write_all(out)?;
                negotiation.advance_output(n);
                stream.flush()?;
            }
            let n = match read_buf_by(stream, &mut buf, deadline)? {
                ReadOutcome::Data(0) => return Err(Error::Proxy(ProxyError::Closed)),
                ReadOutcome::Data(n) => n,
                ReadOutcome::Expired => return Err(Error::HandshakeTimeout),
            };
            if negotiation.feed(&buf[..n])? == TunnelStatus::Open {
                return Ok(negotiation.leftover().to_vec());
            }
        }
    })
}
