//! WebSocket URIs (§3): `ws-URI = "ws:" "//" host [ ":" port ] path [ "?" query ]`.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

/// Why a string is not a WebSocket URI (§3); the client MUST then _Fail the
/// WebSocket Connection_ (§4.1 client step 1).
// non_exhaustive: URL checks may be refined (e.g. host syntax) without a major release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The scheme is not `ws` or `wss` (case-insensitive), or `//` is missing.
    Scheme,
    /// The host is empty.
    EmptyHost,
    /// The host has a byte RFC 3986 §3.2.2 does not allow, or a bad IPv6 literal.
    InvalidHost,
    /// `user@` before the host; §3 has no userinfo.
    UserInfo,
    /// The port is not a number in 1..=65535.
    InvalidPort,
    /// A `#`: "Fragment identifiers ... MUST NOT be used on these URIs" (§3).
    Fragment,
    /// The path or query has a space, a control or a non-ASCII byte.
    InvalidPath,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Scheme => "scheme must be ws:// or wss://",
            Self::EmptyHost => "empty host",
            Self::InvalidHost => "invalid host",
            Self::UserInfo => "user information is not allowed",
            Self::InvalidPort => "invalid port",
            Self::Fragment => "fragment (#) is not allowed",
            Self::InvalidPath => "invalid character in path or query",
        })
    }
}

impl core::error::Error for UrlError {}

/// A parsed `ws://` or `wss://` URI: the /host/, /port/, /resource name/ and
/// /secure/ flag of §3 that a client needs to connect (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUrl {
    secure: bool,
    host: String,
    port: u16,
    explicit_port: bool,
    resource: String,
}

impl WsUrl {
    /// Parses a WebSocket URI, e.g. `wss://[::1]:9000/chat?room=1`.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        if url.contains('#') {
            return Err(UrlError::Fragment);
        }
        let (secure, rest) = strip_scheme(url).ok_or(UrlError::Scheme)?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(end);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = split_host_port(authority)?;
        let default = if secure { 443 } else { 80 };
        let port = match port {
            None | Some("") => None,
            Some(p) => Some(parse_port(p)?),
        };
        if !resource.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UrlError::InvalidPath);
        }
        // §3: "/" if the path component is empty, then path, "?" query.
        let resource = if resource.starts_with('/') {
            resource.to_string()
        } else {
            format!("/{resource}")
        };
        Ok(Self {
            secure,
            host: host.to_string(),
            port: port.unwrap_or(default),
            explicit_port: port.is_some_and(|p| p != default),
            resource,
        })
    }

    /// Whether the scheme is `wss`: connect with TLS, using SNI (§4.1 client step 5).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The host to connect to: a name, an IPv4 address, or an IPv6 literal
    /// without brackets (`::1`).
    pub fn host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// The port: as given, else 80 for `ws` and 443 for `wss` (§3).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The /resource name/ (§3): path (at least `/`) and `?query` if any.
    pub fn resource_name(&self) -> &str {
        &self.resource
    }

    /// The `Host` field value: the host (IPv6 in brackets), plus `:port`
    /// when not the default (§4.1 step 4).
    pub fn host_header(&self) -> String {
        if self.explicit_port {
            format!("{}:{}", self.host, self.port)
        } else {
            self.host.clone()
        }
    }
}

fn strip_scheme(url: &str) -> Option<(bool, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.eq_ignore_ascii_case("ws") {
        Some((false, rest))
    } else if scheme.eq_ignore_ascii_case("wss") {
        Some((true, rest))
    } else {
        None
    }
}

/// Splits `host[:port]`, where host may be `[IPv6]`; the host keeps brackets.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), UrlError> {
    if authority.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or(UrlError::InvalidHost)?;
        let (host, after) = authority.split_at(close + 1);
        let inner = &host[1..host.len() - 1];
        let ipv6 = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
        if inner.is_empty() || !inner.contains(':') || !inner.bytes().all(ipv6) {
            return Err(UrlError::InvalidHost);
        }
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err(UrlError::InvalidHost),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    // reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 §3.2.2).
    let reg_name = |b: u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b);
    if !host.starts_with('[') && !host.bytes().all(reg_name) {
        return Err(UrlError::InvalidHost);
    }
    Ok((host, port))
}

fn parse_port(p: &str) -> Result<u16, UrlError> {
    if p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::InvalidPort);
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(UrlError::InvalidPort),
        Ok(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_good_urls() {
        let u = WsUrl::parse("ws://example.com/chat").unwrap();
        assert_eq!(
            (u.is_secure(), u.host(), u.port(), u.resource_name()),
            (false, "example.com", 80, "/chat")
        );
        assert_eq!(u.host_header(), "example.com");
        let u = WsUrl::parse("WSS://[::1]:9000?x=1").unwrap();
        assert_eq!(
            (u.is_secure(), u.host(), u.port(), u.resource_name()),
            (true, "::1", 9000, "/?x=1")
        );
        assert_eq!(u.host_header(), "[::1]:9000");
        let u = WsUrl::parse("wss://h:443").unwrap();
        assert_eq!(
            (u.port(), u.host_header(), u.resource_name()),
            (443, "h".into(), "/")
        );
        let u = WsUrl::parse("ws://10.0.0.1:/p").unwrap();
        assert_eq!((u.port(), u.host_header()), (80, "10.0.0.1".into()));
    }

    #[test]
    fn bad_urls() {
        use UrlError::*;
        let cases = [
            ("http://h/", Scheme),
            ("ws:/h/", Scheme),
            ("h/", Scheme),
            ("ws:///x", EmptyHost),
            ("ws://:80/x", EmptyHost),
            ("ws://h:0/", InvalidPort),
            ("ws://h:65536/", InvalidPort),
            ("ws://h:8a/", InvalidPort),
            ("ws://h:-1/", InvalidPort),
            ("ws://h/#frag", Fragment),
            ("ws://u@h/", UserInfo),
            ("ws://[::1/", InvalidHost),
            ("ws://[]/", InvalidHost),
            ("ws://[::1]x/", InvalidHost),
            ("ws://h o/", InvalidHost),
            ("ws://h/a b", InvalidPath),
            ("ws://h/\u{e9}", InvalidPath),
        ];
        for (url, want) in cases {
            assert_eq!(WsUrl::parse(url), Err(want), "{url}");
        }
    }
}
