//! Proxy URLs: `http://`, `socks5://` and `socks5h://`, with credentials in
//! the userinfo (RFC 3986 §3.2.1), percent-decoded.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// Why a string is not a usable proxy URL. Caller errors (or a bad
/// environment variable): nothing here comes from the network.
// non_exhaustive: more proxy kinds (https, socks4) may be accepted later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyUrlError {
    /// A scheme other than `http`, `socks5` or `socks5h` (e.g. `https`,
    /// whose TLS to the proxy is not supported, or `socks4`).
    UnsupportedScheme,
    /// The host is empty.
    EmptyHost,
    /// The host has a byte RFC 3986 §3.2.2 does not allow, or a bad IPv6 literal.
    InvalidHost,
    /// The port is not a number in 1..=65535.
    InvalidPort,
    /// A path other than `/`, a query or a fragment, which mean nothing for a proxy.
    Path,
    /// A `%` not followed by two hex digits, or credentials that do not
    /// decode to UTF-8.
    PercentEncoding,
}

impl fmt::Display for ProxyUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnsupportedScheme => "scheme must be http://, socks5:// or socks5h://",
            Self::EmptyHost => "empty host",
            Self::InvalidHost => "invalid host",
            Self::InvalidPort => "invalid port",
            Self::Path => "a proxy URL has no path, query or fragment",
            Self::PercentEncoding => "invalid percent-encoding in the credentials",
        })
    }
}

impl core::error::Error for ProxyUrlError {}

/// The kind of proxy, from the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyScheme {
    /// `http://`: an HTTP proxy, asked with `CONNECT` for a tunnel (RFC 9110
    /// §9.3.6). Also a URL without a scheme, as curl reads one.
    Http,
    /// `socks5://`: SOCKS5 (RFC 1928); the client resolves the target's
    /// name and sends the address.
    Socks5,
    /// `socks5h://`: SOCKS5 with the name sent to the proxy, which resolves
    /// it ("remote DNS", the `h` of curl's spelling).
    Socks5h,
}

/// A user name and password from a proxy URL's userinfo, percent-decoded.
/// Sent as `Proxy-Authorization: Basic` to an HTTP proxy (RFC 9110 §11.7.1,
/// RFC 7617) and as the RFC 1929 sub-negotiation to a SOCKS5 proxy.
///
/// `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    /// Credentials from a user name and password, as given.
    pub fn new(username: &str, password: &str) -> Self {
        Self {
            username: username.to_string(),
            password: password.to_string(),
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password (empty if the URL had none).
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// A parsed proxy URL: `scheme://[user[:password]@]host[:port][/]`.
///
/// The default port is 80 for `http` (the URL scheme's own, as Python's
/// `urllib`, `requests` and Go's `net/http` read a proxy URL; curl assumes
/// 1080 for every proxy kind) and 1080 for `socks5`/`socks5h` (the port
/// IANA assigned to SOCKS, which all of them use). A URL without `://` is
/// an HTTP proxy, as curl and `requests` read `proxy.example:3128`.
///
/// ```
/// use rfc6455::proxy::{ProxyScheme, ProxyUrl};
///
/// let p = ProxyUrl::parse("socks5h://me:p%40ss@127.0.0.1")?;
/// assert_eq!((p.scheme(), p.host(), p.port()), (ProxyScheme::Socks5h, "127.0.0.1", 1080));
/// assert_eq!(p.credentials().unwrap().password(), "p@ss");
/// assert_eq!(p.to_string(), "socks5h://me:***@127.0.0.1:1080"); // no password in logs
/// # Ok::<(), rfc6455::proxy::ProxyUrlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    scheme: ProxyScheme,
    host: String,
    port: u16,
    credentials: Option<Credentials>,
}

impl ProxyUrl {
    /// Parses a proxy URL.
    pub fn parse(url: &str) -> Result<Self, ProxyUrlError> {
        let url = url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some((s, rest)) => (scheme_of(s)?, rest),
            None => (ProxyScheme::Http, url),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if !(tail.is_empty() || tail == "/") {
            return Err(ProxyUrlError::Path);
        }
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((info, hp)) => {
                let (user, pass) = info.split_once(':').unwrap_or((info, ""));
                let credentials = Credentials {
                    username: percent_decode(user)?,
                    password: percent_decode(pass)?,
                };
                (Some(credentials), hp)
            }
            None => (None, authority),
        };
        let (host, port) = split_host_port(host_port)?;
        let default = match scheme {
            ProxyScheme::Http => 80,
            ProxyScheme::Socks5 | ProxyScheme::Socks5h => 1080,
        };
        Ok(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(default),
            credentials,
        })
    }

    /// A proxy of this kind at `host:port`, with or without credentials.
    pub fn new(
        scheme: ProxyScheme,
        host: &str,
        port: u16,
        credentials: Option<Credentials>,
    ) -> Self {
        Self {
            scheme,
            host: host.trim_start_matches('[').trim_end_matches(']').into(),
            port,
            credentials,
        }
    }

    /// The kind of proxy.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }

    /// The proxy's host: a name, an IPv4 address or an IPv6 address without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The credentials from the userinfo, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// Whether the client resolves the target's name itself and sends the
    /// proxy an address (`socks5://`).
    pub fn resolves_locally(&self) -> bool {
        self.scheme == ProxyScheme::Socks5
    }
}

/// The URL with the password replaced by `***`, for logs and error messages.
impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            ProxyScheme::Http => "http",
            ProxyScheme::Socks5 => "socks5",
            ProxyScheme::Socks5h => "socks5h",
        };
        write!(f, "{scheme}://")?;
        if let Some(c) = &self.credentials {
            write!(f, "{}:***@", c.username)?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

fn scheme_of(s: &str) -> Result<ProxyScheme, ProxyUrlError> {
    if s.eq_ignore_ascii_case("http") {
        Ok(ProxyScheme::Http)
    } else if s.eq_ignore_ascii_case("socks5") {
        Ok(ProxyScheme::Socks5)
    } else if s.eq_ignore_ascii_case("socks5h") {
        Ok(ProxyScheme::Socks5h)
    } else {
        Err(ProxyUrlError::UnsupportedScheme)
    }
}

/// Splits `host[:port]` (host may be `[IPv6]`); returns the host without brackets.
fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), ProxyUrlError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inner, after) = rest.split_once(']').ok_or(ProxyUrlError::InvalidHost)?;
        let ipv6 = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
        if !inner.contains(':') || !inner.bytes().all(ipv6) {
            return Err(ProxyUrlError::InvalidHost);
        }
        match after.strip_prefix(':') {
            Some(p) => (inner, Some(p)),
            None if after.is_empty() => (inner, None),
            None => return Err(ProxyUrlError::InvalidHost),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(ProxyUrlError::EmptyHost);
    }
    // reg-name = *( unreserved / pct-encoded / sub-delims ) (RFC 3986 §3.2.2).
    let reg_name = |b: u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b);
    if !host.contains(':') && !host.bytes().all(reg_name) {
        return Err(ProxyUrlError::InvalidHost);
    }
    let port = match port {
        None | Some("") => None,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(ProxyUrlError::InvalidPort),
                Ok(n) => Some(n),
            }
        }
        Some(_) => return Err(ProxyUrlError::InvalidPort),
    };
    Ok((host, port))
}

/// Decodes `%XX` escapes (RFC 3986 §2.1); the result must be UTF-8.
fn percent_decode(s: &str) -> Result<String, ProxyUrlError> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b != b'%' {
            out.push(b);
            continue;
        }
        let hex = |d: Option<u8>| {
            d.and_then(|d| (d as char).to_digit(16))
                .ok_or(ProxyUrlError::PercentEncoding)
        };
        let (hi, lo) = (hex(bytes.next())?, hex(bytes.next())?);
        // Two hex digits make at most 0xff.
        out.push(((hi << 4) | lo) as u8);
    }
    String::from_utf8(out).map_err(|_| ProxyUrlError::PercentEncoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_ports_and_credentials() {
        let p = ProxyUrl::parse("http://proxy.example").unwrap();
        assert_eq!(
            (p.scheme(), p.port(), p.credentials()),
            (ProxyScheme::Http, 80, None)
        );
        let p = ProxyUrl::parse("SOCKS5://[::1]:9050/").unwrap();
        assert_eq!(
            (p.scheme(), p.host(), p.port()),
            (ProxyScheme::Socks5, "::1", 9050)
        );
        assert!(p.resolves_locally());
        let p = ProxyUrl::parse("Proxy.Example:3128").unwrap();
        assert_eq!(
            (p.scheme(), p.host(), p.port()),
            (ProxyScheme::Http, "proxy.example", 3128)
        );
        let p = ProxyUrl::parse("socks5h://u%3Ax:p%40%25s:s@h").unwrap();
        let c = p.credentials().unwrap();
        assert_eq!((c.username(), c.password()), ("u:x", "p@%s:s"));
        let p = ProxyUrl::parse("http://only-user@h:1").unwrap();
        assert_eq!(p.credentials().unwrap().password(), "");
        assert_eq!(p.to_string(), "http://only-user:***@h:1");
        assert!(!alloc::format!("{p:?}").contains("p@%s"));
    }

    #[test]
    fn bad_proxy_urls() {
        use ProxyUrlError::*;
        let cases = [
            ("https://h", UnsupportedScheme),
            ("socks4://h", UnsupportedScheme),
            ("http://", EmptyHost),
            ("http://u:p@:80", EmptyHost),
            ("http://h o", InvalidHost),
            ("http://[::1", InvalidHost),
            ("http://[zz]", InvalidHost),
            ("http://h:0", InvalidPort),
            ("http://h:99999", InvalidPort),
            ("http://h:x", InvalidPort),
            ("http://h/path", Path),
            ("http://h?q", Path),
            ("http://h#f", Path),
            ("http://u%4:p@h", PercentEncoding),
            ("http://u%ff:p@h", PercentEncoding),
        ];
        for (url, want) in cases {
            assert_eq!(ProxyUrl::parse(url), Err(want), "{url}");
        }
    }
}
