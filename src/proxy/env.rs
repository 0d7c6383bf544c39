//! The proxy a client takes from its environment: `ws_proxy`/`wss_proxy`,
//! `http_proxy`/`https_proxy`, `all_proxy` and `no_proxy`, read as curl and
//! Python `websockets` read them. The environment is a function argument,
//! so this is pure code (and tests never touch the process environment).

use alloc::string::String;

use super::error::ProxyError;
use super::url::ProxyUrl;
use crate::handshake::WsUrl;

/// The proxy for `url` by the environment variables `var` returns (e.g.
/// `|name| std::env::var(name).ok()`), or `None` to connect directly.
///
/// 1. If `no_proxy` (or `NO_PROXY`) matches the host (see [`no_proxy_matches`]), none.
/// 2. For `wss://`: `wss_proxy`, `https_proxy`, `all_proxy`. For `ws://`:
///    `ws_proxy`, `http_proxy`, `all_proxy`. The first set and non-empty
///    one wins; each is read lower case first, then upper case (curl and
///    Python read both, and prefer lower case). `ws_proxy` and `wss_proxy`
///    are what curl and `websockets` look up first for these schemes;
///    `websockets` also takes `https_proxy` for `ws://`, after the NOTE in
///    RFC 6455 §4.1 (client requirement 3) that encourages preferring the
///    HTTPS proxy; we do not: a plain connection goes through the plain
///    HTTP proxy, as in curl, and `ws_proxy` or `all_proxy` can name another.
/// 3. `HTTP_PROXY` in upper case is ignored when `REQUEST_METHOD` is set:
///    in a CGI program it comes from the request's `Proxy:` header
///    ("httpoxy", CVE-2016-5385), as curl and Python guard against.
///
/// A value that is not a proxy URL is [`ProxyError::InvalidEnv`], never
/// silently a direct connection.
///
/// ```
/// use rfc6455::handshake::WsUrl;
/// use rfc6455::proxy::proxy_from_env;
///
/// let env = |name: &str| match name {
///     "https_proxy" => Some("http://proxy.corp:3128".to_string()),
///     "NO_PROXY" => Some("localhost,.internal".to_string()),
///     _ => None,
/// };
/// let via = proxy_from_env(&WsUrl::parse("wss://api.example/feed")?, env)?;
/// assert_eq!(via.unwrap().host(), "proxy.corp");
/// assert!(proxy_from_env(&WsUrl::parse("wss://db.internal/")?, env)?.is_none());
/// assert!(proxy_from_env(&WsUrl::parse("ws://api.example/")?, env)?.is_none());
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn proxy_from_env(
    url: &WsUrl,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyUrl>, ProxyError> {
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if let Some(list) = set("no_proxy").or_else(|| set("NO_PROXY")) {
        if no_proxy_matches(&list, url.host(), url.port()) {
            return Ok(None);
        }
    }
    let cgi = var("REQUEST_METHOD").is_some();
    let names: &[&'static str] = if url.is_secure() {
        &["wss_proxy", "WSS_PROXY", "https_proxy", "HTTPS_PROXY"]
    } else {
        &["ws_proxy", "WS_PROXY", "http_proxy", "HTTP_PROXY"]
    };
    let fallback: &[&'static str] = &["all_proxy", "ALL_PROXY"];
    for &variable in names.iter().chain(fallback) {
        if cgi && variable == "HTTP_PROXY" {
            continue;
        }
        if let Some(value) = set(variable) {
            return ProxyUrl::parse(&value)
                .map(Some)
                .map_err(|error| ProxyError::InvalidEnv { variable, error });
        }
    }
    Ok(None)
}

/// Whether a `no_proxy` list names `host` (a name or an IP address,
/// without brackets) on `port`. Entries are separated by commas; spaces
/// around them are ignored; matching is case-insensitive.
///
/// - `*` alone matches every host.
/// - A name matches itself and every name below it: `example.com`,
///   `.example.com` and `*.example.com` all match `example.com` and
///   `ws.example.com`, but not `notexample.com` (curl's rule; the leading
///   `.` or `*.` is optional).
/// - An IP address matches that address (IPv6 with or without brackets);
///   `address/bits` matches a CIDR range, as curl 7.86 and Go read it.
/// - `entry:port` matches only that port (Python's and Go's reading; curl
///   has no ports in `no_proxy`).
///
/// Loopback is not exempt unless listed (curl and Python do the same), so
/// most setups list `localhost,127.0.0.1,::1`.
pub fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.strip_suffix('.').unwrap_or(host);
    let host_ip = host.parse::<core::net::IpAddr>().ok();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| entry == "*" || entry_matches(entry, host, host_ip, port))
}

fn entry_matches(entry: &str, host: &str, host_ip: Option<core::net::IpAddr>, port: u16) -> bool {
    let (pattern, want_port) = split_port(entry);
    if want_port.is_some_and(|p| p != port) {
        return false;
    }
    if let Some((net, bits)) = pattern.split_once('/') {
        return match (net.parse(), bits.parse::<u8>(), host_ip) {
            (Ok(net), Ok(bits), Some(ip)) => in_cidr(ip, net, bits),
            _ => false,
        };
    }
    if let (Ok(ip), Some(host_ip)) = (pattern.parse::<core::net::IpAddr>(), host_ip) {
        return ip == host_ip;
    }
    let name = pattern.trim_start_matches('*').trim_start_matches('.');
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || host_ip.is_some() {
        return false;
    }
    let n = name.len();
    host.eq_ignore_ascii_case(name)
        || (host.len() > n
            && host.as_bytes()[host.len() - n - 1] == b'.'
            && host.as_bytes()[host.len() - n..].eq_ignore_ascii_case(name.as_bytes()))
}

/// Splits `pattern:port`, `[v6]:port` or `[v6]`; a bare IPv6 has no port.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, after)) => (ip, after.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (entry, None),
        };
    }
    match entry.split_once(':') {
        Some((pattern, p)) if !p.contains(':') => match p.parse() {
            Ok(port) => (pattern, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

fn in_cidr(ip: core::net::IpAddr, net: core::net::IpAddr, bits: u8) -> bool {
    use core::net::IpAddr::{V4, V6};
    let (ip, net, width) = match (ip, net) {
        (V4(a), V4(b)) => (u128::from(a.to_bits()), u128::from(b.to_bits()), 32),
        (V6(a), V6(b)) => (a.to_bits(), b.to_bits(), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let shift = u32::from(width - bits);
    // A shift of 128 (a /0 over IPv6) would overflow: everything matches.
    shift >= 128 || (ip >> shift) == (net >> shift)
}

#[cfg(test)]
#[path = "env_tests.rs"]
mod tests;
