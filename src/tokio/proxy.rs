//! Opening a tunnel through the client's proxy ([`ClientOptions::proxy`]),
//! driving the sans-IO [`Negotiation`] over a tokio `TcpStream`: the async
//! twin of the blocking adapter's, with the same proxies, environment
//! variables and errors. The caller bounds it with the handshake deadline.

use std::prelude::rust_2024::*;

use std::io;

use ::tokio::io::{AsyncReadExt, AsyncWriteExt};
use ::tokio::net::TcpStream;

use crate::blocking::Error;
use crate::handshake::{HandshakeLimits, WsUrl};
use crate::proxy::{Negotiation, ProxyError, ProxyUrl, TunnelStatus};

/// Runs the negotiation with `proxy` over `stream` for a tunnel to `url`'s
/// host and port. Returns the bytes read past the proxy's answer (the
/// target's; empty from any proxy that follows its protocol).
pub(super) async fn open_tunnel(
    stream: &mut TcpStream,
    proxy: &ProxyUrl,
    url: &WsUrl,
    limits: HandshakeLimits,
) -> Result<Vec<u8>, Error> {
    let target = if proxy.resolves_locally() {
        // socks5://: the proxy gets an address, resolved here.
        let mut addrs = ::tokio::net::lookup_host((url.host(), url.port())).await?;
        let addr = addrs.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "host resolved to no address")
        })?;
        addr.ip().to_string()
    } else {
        url.host().to_string()
    };
    let mut negotiation = Negotiation::new(proxy, &target, url.port(), limits)?;
    let mut buf = [0u8; 1024];
    // Bounded: each pass writes, or reads at least one byte into a parser
    // whose input is bounded (head limit, SOCKS reply sizes); the caller's
    // deadline bounds the waits.
    loop {
        let out = negotiation.poll_output();
        if !out.is_empty() {
            let n = out.len();
            stream.write_all(out).await?;
            negotiation.advance_output(n);
            stream.flush().await?;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(Error::Proxy(ProxyError::Closed));
        }
        if negotiation.feed(&buf[..n])? == TunnelStatus::Open {
            return Ok(negotiation.leftover().to_vec());
        }
    }
}
