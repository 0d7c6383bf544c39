//! Following a redirect answer to the opening handshake, sans-IO: which
//! statuses redirect (RFC 9110 §15.4), and the URL a `Location` (RFC 9110
//! §10.2.2) names. RFC 6455 §4.1 (response step 1): "the server might
//! redirect the client using a 3xx status code (but clients are not
//! required to follow them)".

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::http::HttpResponse;
use super::url::{UrlError, WsUrl};

/// Why a redirect answer cannot be followed.
// non_exhaustive: redirect policy may grow (e.g. cross-origin rules).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectError {
    /// Peer: a 3xx redirect without a `Location` field.
    MissingLocation,
    /// Peer: a `Location` that is not a URI reference: empty, with spaces,
    /// controls or non-ASCII bytes, or a scheme without `//host`.
    InvalidLocation,
    /// Peer: a `Location` with a scheme other than `ws`, `wss`, `http`, `https`.
    UnsupportedScheme {
        /// The scheme, as sent (at most 32 bytes kept).
        scheme: String,
    },
    /// Peer: a redirect from `wss://` to `ws://` (or `http://`); following
    /// it would drop TLS, so it is refused.
    Downgrade,
    /// Peer: the resolved URL is not a WebSocket URI (§3): bad host or port,
    /// userinfo.
    InvalidUrl(UrlError),
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingLocation => f.write_str("redirect without a Location header"),
            Self::InvalidLocation => f.write_str("redirect Location is not a URI reference"),
            Self::UnsupportedScheme { scheme } => {
                write!(f, "redirect to unsupported scheme {scheme:?}")
            }
            Self::Downgrade => f.write_str("redirect from wss:// to ws:// refused"),
            Self::InvalidUrl(e) => write!(f, "redirect to an invalid WebSocket URL: {e}"),
        }
    }
}

impl core::error::Error for RedirectError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidUrl(e) => Some(e),
            _ => None,
        }
    }
}

/// Whether `status` asks the client to repeat the request elsewhere: 301,
/// 302, 303, 307 and 308 (RFC 9110 §15.4.2–§15.4.9). The handshake is a
/// GET, so all five repeat it as a GET.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The `ws://` or `wss://` URL a redirect `response` to a request for
/// `current` points at.
///
/// The `Location` (RFC 9110 §10.2.2) may be absolute or relative; a
/// relative one is resolved against `current` (RFC 3986 §5.2: `//host/p`,
/// `/p`, `p`, `../p`, `?q`). `http` maps to `ws` and `https` to `wss`: the
/// handshake is an HTTP request, and the WHATWG WebSocket constructor takes
/// `http(s)` URLs the same way. (Python `websockets` resolves the same
/// references but accepts only `ws`/`wss` schemes; browsers do not follow
/// redirects during the handshake at all.) A fragment is dropped (it is
/// never sent, and §3 forbids it in a WebSocket URI). `wss` never goes to
/// `ws`.
///
/// ```
/// use rfc6455::handshake::{WsUrl, redirect_location};
/// # use rfc6455::{ClientRequest, HandshakeError};
/// # let mut parser = ClientRequest::with_nonce("wss://a.example/chat/room", [0; 16])?.response_parser();
/// # let HandshakeError::UnexpectedStatus(response) = parser
/// #     .feed(b"HTTP/1.1 302 Found\r\nLocation: ../lobby?x=1\r\n\r\n").unwrap_err() else { panic!() };
/// // `response` is the 302 a server answered (HandshakeError::UnexpectedStatus).
/// let current = WsUrl::parse("wss://a.example/chat/room")?;
/// assert_eq!(redirect_location(&current, &response)?, "wss://a.example/lobby?x=1");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn redirect_location(
    current: &WsUrl,
    response: &HttpResponse,
) -> Result<String, RedirectError> {
    let location = response
        .header("Location")
        .ok_or(RedirectError::MissingLocation)?;
    let location = trim(location);
    if location.is_empty() || !location.iter().all(u8::is_ascii_graphic) {
        return Err(RedirectError::InvalidLocation);
    }
    // All bytes are ASCII, so this cannot fail.
    let location = core::str::from_utf8(location).map_err(|_| RedirectError::InvalidLocation)?;
    let location = location.split('#').next().unwrap_or("");
    let target = resolve(current, location)?;
    let next = WsUrl::parse(&target).map_err(RedirectError::InvalidUrl)?;
    if current.is_secure() && !next.is_secure() {
        return Err(RedirectError::Downgrade);
    }
    Ok(format!(
        "{}://{}{}",
        if next.is_secure() { "wss" } else { "ws" },
        next.host_header(),
        next.resource_name()
    ))
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    &v[start..end]
}

/// RFC 3986 §5.2.2, for a base that always has an authority and a path
/// starting with `/` (a WebSocket URI's resource name).
fn resolve(base: &WsUrl, reference: &str) -> Result<String, RedirectError> {
    let base_scheme = if base.is_secure() { "wss" } else { "ws" };
    if let Some((scheme, rest)) = split_scheme(reference) {
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => "ws",
            "wss" | "https" => "wss",
            _ => {
                let scheme = scheme.chars().take(32).collect();
                return Err(RedirectError::UnsupportedScheme { scheme });
            }
        };
        let rest = rest
            .strip_prefix("//")
            .ok_or(RedirectError::InvalidLocation)?;
        return Ok(format!("{scheme}://{rest}"));
    }
    if let Some(rest) = reference.strip_prefix("//") {
        return Ok(format!("{base_scheme}://{rest}"));
    }
    let origin = format!("{base_scheme}://{}", base.host_header());
    let (base_path, base_query) = match base.resource_name().split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (base.resource_name(), None),
    };
    let (path, query) = match reference.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (reference, None),
    };
    let path = if path.is_empty() {
        // Only a query (or nothing): the base path, and the base query if none given.
        let query = query.or(base_query);
        return Ok(match query {
            Some(q) => format!("{origin}{base_path}?{q}"),
            None => format!("{origin}{base_path}"),
        });
    } else if path.starts_with('/') {
        remove_dot_segments(path)
    } else {
        // Merge (§5.2.3): the base path up to its last '/', then the reference.
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        remove_dot_segments(&format!("{dir}{path}"))
    };
    Ok(match query {
        Some(q) => format!("{origin}{path}?{q}"),
        None => format!("{origin}{path}"),
    })
}

/// `scheme ":" rest` if the reference starts with a scheme (RFC 3986 §3.1:
/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` before the first `:`, with
/// no `/`, `?` before it).
fn split_scheme(reference: &str) -> Option<(&str, &str)> {
    let colon = reference.find(':')?;
    let scheme = &reference[..colon];
    let mut bytes = scheme.bytes();
    let first_alpha = bytes.next()?.is_ascii_alphabetic();
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    (first_alpha && rest_ok).then(|| (scheme, &reference[colon + 1..]))
}

/// RFC 3986 §5.2.4 for a path starting with `/`.
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    let last = segments.len() - 1;
    for (i, seg) in segments.into_iter().enumerate() {
        match seg {
            "." => {}
            ".." => {
                out.pop();
            }
            s => {
                out.push(s);
                continue;
            }
        }
        if i == last {
            out.push(""); // "/a/." and "/a/b/.." end with '/'
        }
    }
    let mut result = String::with_capacity(path.len());
    for s in out {
        result.push('/');
        result.push_str(s);
    }
    if result.is_empty() {
        result.push('/');
    }
    result
}

#[cfg(test)]
#[path = "redirect_tests.rs"]
mod tests;
