//! The HTTP/1.1 pieces the opening handshake is made of (RFC 6455 §4.1, §4.2).
//!
//! Parsed heads are owned values ([`HttpRequest`], [`HttpResponse`]) built from
//! one `httparse` pass over a header block that [`super::scan`] has already
//! found complete; helpers here write heads and check header fields we send.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::error::HandshakeError;
use super::tokens;

/// Limits on what a peer may make us buffer during the opening handshake
/// (§10.4: an implementation MUST protect itself against exceeding its limits).
///
/// Plain public fields with safe [`Default`]s. Not `#[non_exhaustive]`, so
/// that a struct literal ending in `..Default::default()` works outside the
/// crate (E0639 otherwise); end every such literal that way, since limits
/// may be added.
///
/// ```
/// use rfc6455::RequestParser;
/// use rfc6455::handshake::HandshakeLimits;
///
/// let limits = HandshakeLimits { max_headers: 32, ..Default::default() };
/// let parser = RequestParser::with_limits(limits);
/// # let _ = parser;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeLimits {
    /// Most bytes a header block (request or status line, header fields and
    /// the empty line) may take. Default: 16 KiB. Exceeding it gives 431.
    pub max_head_bytes: usize,
    /// Most header fields in one header block. Default: 100. Exceeding it
    /// gives 431.
    pub max_headers: usize,
    /// Most body bytes kept in [`HttpResponse::body`] when a server answers
    /// the client with a status other than 101. Default: 4 KiB.
    pub max_body_bytes: usize,
}

impl Default for HandshakeLimits {
    fn default() -> Self {
        Self {
            max_head_bytes: 16 * 1024,
            max_headers: 100,
            max_body_bytes: 4 * 1024,
        }
    }
}

/// One header field as received or to be sent: a name (an RFC 7230 `token`)
/// and the raw value bytes, without surrounding whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The field name, as spelled on the wire; compare it case-insensitively.
    pub name: String,
    /// The field value bytes (may hold `obs-text`, so not always UTF-8).
    pub value: Vec<u8>,
}

impl Header {
    /// A field with this name and value (copied).
    pub fn new(name: &str, value: impl AsRef<[u8]>) -> Self {
        Self {
            name: name.into(),
            value: value.as_ref().to_vec(),
        }
    }
}

/// A parsed HTTP/1.x request head (§4.1 step 1: "a valid HTTP request").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    method: String,
    target: String,
    minor_version: u8,
    headers: Vec<Header>,
    head_len: usize,
}

impl HttpRequest {
    /// The request method, e.g. `GET`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request-target exactly as sent (origin-form or absolute-form).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The path of the request-target: the /resource name/ of §3 without its
    /// query. For an absolute-form target (`http://host/p`, §4.1 step 3) the
    /// scheme and authority are skipped; an empty path reads as `/`.
    pub fn path(&self) -> &str {
        let rest = origin_form(&self.target);
        let path = rest.split('?').next().unwrap_or("");
        if path.is_empty() { "/" } else { path }
    }

    /// The query of the request-target (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        origin_form(&self.target).split_once('?').map(|(_, q)| q)
    }

    /// The minor HTTP version: `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub fn minor_version(&self) -> u8 {
        self.minor_version
    }

    /// All header fields, in the order received.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The value of the first header field called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        values(&self.headers, name).next()
    }

    /// The number of bytes the header block used: the bytes consumed from the
    /// stream before any leftover (body or pipelined frames).
    pub fn head_len(&self) -> usize {
        self.head_len
    }

    /// Parses a complete header block (`buf` ends with its empty line).
    pub(crate) fn parse(buf: &[u8], max_headers: usize) -> Result<Self, HeadError> {
        let mut slots = vec![httparse::EMPTY_HEADER; max_headers];
        let mut req = httparse::Request::new(&mut slots);
        check_complete(req.parse(buf), buf.len())?;
        Ok(Self {
            method: req.method.unwrap_or("").to_string(),
            target: req.path.unwrap_or("").to_string(),
            minor_version: req.version.unwrap_or(0),
            headers: owned(req.headers),
            head_len: buf.len(),
        })
    }
}

/// A parsed HTTP/1.x response head, plus the first body bytes when the server
/// did not switch protocols (§4.1: "the client handles the response per HTTP").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    status: u16,
    reason: String,
    headers: Vec<Header>,
    body: Vec<u8>,
    head_len: usize,
}

impl HttpResponse {
    /// The status code, e.g. `101`, `401` or `302`.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (empty if absent or not ASCII).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// All header fields, in the order received.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The value of the first header field called `name` (case-insensitive),
    /// e.g. `Location` after a 3xx or `WWW-Authenticate` after a 401.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        values(&self.headers, name).next()
    }

    /// The body bytes received together with the head, at most
    /// [`HandshakeLimits::max_body_bytes`]; empty for a 101.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The number of bytes the header block used.
    pub fn head_len(&self) -> usize {
        self.head_len
    }

    pub(crate) fn set_body(&mut self, body: &[u8]) {
        self.body = body.to_vec();
    }

    /// Parses a complete header block (`buf` ends with its empty line).
    pub(crate) fn parse(buf: &[u8], max_headers: usize) -> Result<Self, HeadError> {
        let mut slots = vec![httparse::EMPTY_HEADER; max_headers];
        let mut res = httparse::Response::new(&mut slots);
        check_complete(res.parse(buf), buf.len())?;
        Ok(Self {
            status: res.code.unwrap_or(0),
            reason: res.reason.unwrap_or("").to_string(),
            headers: owned(res.headers),
            body: Vec::new(),
            head_len: buf.len(),
        })
    }
}

/// Why a header block could not be used; each side maps it to its own
/// [`HandshakeError`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// More than `max_head_bytes` without the empty line.
    TooLarge,
    /// More than `max_headers` header fields.
    TooManyHeaders,
    /// Not HTTP/1.x syntax.
    Malformed(&'static str),
}

impl From<httparse::Error> for HeadError {
    fn from(e: httparse::Error) -> Self {
        match e {
            httparse::Error::TooManyHeaders => Self::TooManyHeaders,
            httparse::Error::HeaderName => Self::Malformed("invalid header name"),
            httparse::Error::HeaderValue => Self::Malformed("invalid header value"),
            httparse::Error::NewLine => Self::Malformed("invalid line ending"),
            httparse::Error::Status => Self::Malformed("invalid status line"),
            httparse::Error::Token => Self::Malformed("invalid token in start line"),
            httparse::Error::Version => Self::Malformed("invalid HTTP version"),
        }
    }
}

fn owned(headers: &[httparse::Header<'_>]) -> Vec<Header> {
    headers
        .iter()
        .map(|h| Header {
            name: h.name.to_string(),
            value: h.value.to_vec(),
        })
        .collect()
}

/// Strips `scheme://authority` from an absolute-form target (§4.1 step 3).
///
/// The target comes from the network and may hold any UTF-8 (httparse allows
/// bytes >= 0x80), so the prefix is compared as bytes: slicing the `str` at
/// 7 or 8 could fall inside a character. Once an ASCII prefix matched, its
/// end is a character boundary, and `find` returns boundaries.
fn origin_form(target: &str) -> &str {
    let rest = ["http://", "https://"].iter().find_map(|scheme| {
        let head = target.as_bytes().get(..scheme.len())?;
        head.eq_ignore_ascii_case(scheme.as_bytes())
            .then(|| &target[scheme.len()..])
    });
    let Some(rest) = rest else {
        return target;
    };
    match rest.find(['/', '?']) {
        Some(i) => &rest[i..],
        None => "",
    }
}

/// The values of every header field called `name`, in order.
pub(crate) fn values<'a, 'n>(
    headers: &'a [Header],
    name: &'n str,
) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_slice())
}

/// How many header fields are called `name`.
pub(crate) fn count(headers: &[Header], name: &str) -> usize {
    values(headers, name).count()
}

/// Whether any `name` field lists `token` (comma-separated, case-insensitive,
/// across repeated lines), as §4.2.1 items 3–4 and §4.1 response steps 2–3 ask.
pub(crate) fn has_token(headers: &[Header], name: &str, token: &str) -> bool {
    values(headers, name)
        .flat_map(tokens::list_elements)
        .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
}

/// Checks a caller-given header field before we write it: the name must be a
/// `token` and the value `*( field-vchar / SP / HTAB )` (RFC 7230 §3.2), so
/// no CR or LF can split the head.
pub(crate) fn check_field(name: &str, value: &[u8]) -> Result<(), HandshakeError> {
    let ok_value = value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f));
    if !tokens::is_token(name.as_bytes()) || !ok_value {
        return Err(HandshakeError::InvalidHeader {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Checks caller-given fields and refuses the ones the handshake writes itself.
pub(crate) fn check_extra(headers: &[Header], reserved: &[&str]) -> Result<(), HandshakeError> {
    for h in headers {
        check_field(&h.name, &h.value)?;
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(&h.name)) {
            return Err(HandshakeError::ReservedHeader {
                name: h.name.clone(),
            });
        }
    }
    Ok(())
}

/// Appends `name: value\r\n`.
pub(crate) fn write_field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends `HTTP/1.1 {status} {reason}\r\n`.
pub(crate) fn write_status_line(out: &mut Vec<u8>, status: u16) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// The usual reason phrase of a status code (RFC 9110 §15), or `""`.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// httparse's verdict on a head the scanner saw end: complete, and all of it.
fn check_complete(
    parsed: Result<httparse::Status<usize>, httparse::Error>,
    len: usize,
) -> Result<(), HeadError> {
    match parsed {
        Ok(httparse::Status::Complete(n)) if n == len => Ok(()),
        Ok(httparse::Status::Complete(_)) => {
            Err(HeadError::Malformed("header block length mismatch"))
        }
        Ok(httparse::Status::Partial) => Err(HeadError::Malformed("incomplete head")),
        Err(e) => Err(HeadError::from(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_of_origin_and_absolute_forms() {
        let req = |t: &str| HttpRequest {
            method: "GET".into(),
            target: t.into(),
            minor_version: 1,
            headers: Vec::new(),
            head_len: 0,
        };
        assert_eq!(req("/chat?a=1").path(), "/chat");
        assert_eq!(req("/chat?a=1").query(), Some("a=1"));
        assert_eq!(req("/chat").query(), None);
        assert_eq!(req("HTTP://h:8/x?y").path(), "/x");
        assert_eq!(req("https://h").path(), "/");
        assert_eq!(req("http://h?q").query(), Some("q"));
    }

    #[test]
    fn field_check_refuses_cr_lf_and_bad_names() {
        assert!(check_field("X-A", b"ok value\t1").is_ok());
        assert!(check_field("X-A", b"a\r\nInjected: 1").is_err());
        assert!(check_field("X-A", b"a\nb").is_err());
        assert!(check_field("X A", b"v").is_err());
        assert!(check_field("", b"v").is_err());
    }

    #[test]
    fn tokens_across_lines() {
        let hs = [
            Header {
                name: "connection".into(),
                value: b"keep-alive".to_vec(),
            },
            Header {
                name: "Connection".into(),
                value: b" , UPGRADE ".to_vec(),
            },
        ];
        assert!(has_token(&hs, "CONNECTION", "upgrade"));
        assert!(!has_token(&hs, "Upgrade", "websocket"));
    }
}
