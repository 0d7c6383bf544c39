//! The server side of the opening handshake: read the client's request
//! (§4.2.1) and write the answer (§4.2.2). The flow is drawn in the
//! [module docs](super).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::accept_key::{accept_key, is_valid_key};
use super::error::HandshakeError;
use super::http::{self, HandshakeLimits, HeadError, Header, HttpRequest};
use super::scan::HeadScanner;
use super::tokens::{self, Extension};
#[cfg(feature = "deflate")]
use crate::extension::DeflateConfig;
use crate::extension::Negotiated;

/// Reads a client's opening handshake from bytes arriving in any split
/// (§4.2.1), in time linear in their number.
///
/// Feed received bytes to [`feed`](Self::feed) until it returns something
/// other than [`RequestStatus::Partial`]. Bytes after the header block (a
/// request body, or frames a client pipelined) stay here: take them with
/// [`into_leftover`](Self::into_leftover) and give them to the frame layer.
///
/// The [`handshake` module docs](super) draw the flow and run a whole
/// handshake in memory.
#[derive(Debug, Clone)]
pub struct RequestParser {
    scan: HeadScanner,
    limits: HandshakeLimits,
    finished: bool,
}

/// What [`RequestParser::feed`] found.
// exhaustive: incomplete, plain HTTP or a valid upgrade; §4.2.1 leaves nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum RequestStatus {
    /// The header block is not complete yet: feed more bytes.
    Partial,
    /// A plain HTTP request: no `Upgrade` field listing `websocket`, and no
    /// `Sec-WebSocket-*` request field (with one, it is a failed handshake,
    /// [`HandshakeError::UpgradeNotWebSocket`]). Not an error; a server
    /// sharing its port (§1.3) answers it itself.
    Http(HttpRequest),
    /// A WebSocket upgrade request that passed every check of §4.2.1.
    Upgrade(UpgradeRequest),
}

impl Default for RequestParser {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestParser {
    /// A parser with the default [`HandshakeLimits`].
    pub fn new() -> Self {
        Self::with_limits(HandshakeLimits::default())
    }

    /// A parser with the given limits (§10.4).
    pub fn with_limits(limits: HandshakeLimits) -> Self {
        Self {
            scan: HeadScanner::new(limits.max_head_bytes),
            limits,
            finished: false,
        }
    }

    /// Takes the next received bytes. Returns `Partial` until the header block
    /// is complete, then the parsed request once. Each byte is scanned once;
    /// the block is parsed once. Errors carry the answer to send
    /// ([`HandshakeError::rejection_response`]). After a result other than
    /// `Partial`, feeding again is [`HandshakeError::ParserFinished`].
    pub fn feed(&mut self, bytes: &[u8]) -> Result<RequestStatus, HandshakeError> {
        let limits = self.limits;
        let to_error = |e: HeadError| match e {
            HeadError::TooLarge => HandshakeError::RequestTooLarge {
                limit: limits.max_head_bytes,
            },
            HeadError::TooManyHeaders => HandshakeError::TooManyRequestHeaders {
                limit: limits.max_headers,
            },
            HeadError::Malformed(reason) => HandshakeError::MalformedRequest { reason },
        };
        if !self.scan.feed(&mut self.finished, bytes, to_error)? {
            return Ok(RequestStatus::Partial);
        }
        let request = HttpRequest::parse(self.scan.head(), limits.max_headers).map_err(to_error)?;
        classify(request)
    }

    /// Bytes received after the header block so far.
    pub fn leftover(&self) -> &[u8] {
        self.scan.leftover()
    }

    /// Gives up the parser for the bytes received after the header block:
    /// the first frames (or HTTP body) for the next layer.
    pub fn into_leftover(self) -> Vec<u8> {
        self.scan.into_leftover()
    }

    /// Bytes looked at so far, counting the scan and the one parse. For the
    /// fuzz harness and the tests that check the work is linear in the
    /// input; only with the non-default `fuzzing` feature, not a stable API.
    #[cfg(feature = "fuzzing")]
    #[doc(hidden)]
    pub fn bytes_scanned(&self) -> usize {
        self.scan.bytes_scanned()
    }
}

/// The request fields §4.2.1 items 5, 6, 8 and 9 define: a request with any
/// of them is a WebSocket handshake attempt.
const WEBSOCKET_REQUEST_FIELDS: &[&str] = &[
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
];

/// Applies §4.2.1 to a parsed request.
fn classify(request: HttpRequest) -> Result<RequestStatus, HandshakeError> {
    let headers = request.headers();
    if !http::has_token(headers, "Upgrade", "websocket") {
        // Item 3. Fields only a WebSocket client sends make this a handshake
        // that fails §4.2.1 (400), not plain HTTP for the application.
        if WEBSOCKET_REQUEST_FIELDS
            .iter()
            .any(|name| http::count(headers, name) > 0)
        {
            return Err(HandshakeError::UpgradeNotWebSocket);
        }
        return Ok(RequestStatus::Http(request));
    }
    // §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
    if request.method() != "GET" {
        return Err(HandshakeError::MethodNotGet);
    }
    if request.minor_version() < 1 {
        return Err(HandshakeError::HttpVersionTooOld);
    }
    // Item 2: "A |Host| header field containing the server's authority."
    let host = match single(headers, "Host") {
        Err(0) => return Err(HandshakeError::MissingHost),
        Err(_) => return Err(HandshakeError::DuplicateHost),
        Ok(v) => v,
    };
    if host.is_empty() || !host.iter().all(|b| b.is_ascii_graphic()) {
        return Err(HandshakeError::InvalidHost);
    }
    // Item 4: "A |Connection| header field that includes the token "Upgrade"".
    if !http::has_token(headers, "Connection", "Upgrade") {
        return Err(HandshakeError::MissingConnectionUpgrade);
    }
    // Item 6 before item 5, so a client of another version learns ours (§4.4).
    match single(headers, "Sec-WebSocket-Version") {
        Err(0) => return Err(HandshakeError::MissingVersion),
        Err(_) => return Err(HandshakeError::DuplicateVersion),
        Ok(v) if v != b"13" => return Err(HandshakeError::UnsupportedVersion),
        Ok(_) => {}
    }
    // Item 5, and §11.3.1: the key "MUST NOT appear more than once".
    let key = match single(headers, "Sec-WebSocket-Key") {
        Err(0) => return Err(HandshakeError::MissingKey),
        Err(_) => return Err(HandshakeError::DuplicateKey),
        Ok(v) if !is_valid_key(v) => return Err(HandshakeError::InvalidKey),
        Ok(v) => String::from_utf8_lossy(v).into_owned(),
    };
    // Items 8-9: lists may be split over several lines (§9.1, §11.3.2, §11.3.4).
    let mut subprotocols = Vec::new();
    for v in http::values(headers, "Sec-WebSocket-Protocol") {
        subprotocols
            .extend(tokens::parse_token_list(v).map_err(HandshakeError::InvalidSubprotocols)?);
    }
    let mut extensions = Vec::new();
    for v in http::values(headers, "Sec-WebSocket-Extensions") {
        extensions.extend(tokens::parse_extensions(v).map_err(HandshakeError::InvalidExtensions)?);
    }
    let origin = request
        .header("Origin")
        .map(|v| String::from_utf8_lossy(tokens::trim_ows(v)).to_ascii_lowercase());
    Ok(RequestStatus::Upgrade(UpgradeRequest {
        host: String::from_utf8_lossy(host).into_owned(),
        key,
        origin,
        subprotocols,
        extensions,
        request,
    }))
}

/// The trimmed value of a field that must appear exactly once, or how many
/// times it appeared.
fn single<'a>(headers: &'a [Header], name: &str) -> Result<&'a [u8], usize> {
    let mut values = http::values(headers, name);
    match (values.next(), values.next()) {
        (Some(v), None) => Ok(tokens::trim_ows(v)),
        (None, _) => Err(0),
        (Some(_), Some(_)) => Err(2),
    }
}

/// A valid WebSocket upgrade request (§4.2.1), with what §4.2.2 step 4 asks
/// the server to establish: /origin/, /key/, /resource name/, the offered
/// /subprotocol/s and /extensions/.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRequest {
    request: HttpRequest,
    host: String,
    key: String,
    origin: Option<String>,
    subprotocols: Vec<String>,
    extensions: Vec<Extension>,
}

impl UpgradeRequest {
    /// The underlying HTTP request (method, target, all headers).
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// The path of the /resource name/ (§3), e.g. `/chat`.
    pub fn path(&self) -> &str {
        self.request.path()
    }

    /// The query of the /resource name/, if any.
    pub fn query(&self) -> Option<&str> {
        self.request.query()
    }

    /// The `Host` value (§4.2.1 item 2), e.g. `server.example.com:8080`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The `Origin` value, if sent (§4.2.1 item 7), converted to lowercase as
    /// §4.2.2 step 4 /origin/ asks (bytes that are not UTF-8 become U+FFFD,
    /// so they match no expected origin). Checking it is the
    /// caller's policy (§10.2: a server that only serves certain sites SHOULD
    /// verify it and answer 403 otherwise, e.g. with [`reject_response`]).
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The `Sec-WebSocket-Key` value, trimmed (§4.2.2 /key/).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The offered subprotocols in order of preference, from every
    /// `Sec-WebSocket-Protocol` line (§4.2.1 item 8).
    pub fn subprotocols(&self) -> &[String] {
        &self.subprotocols
    }

    /// The offered extensions with their parameters, from every
    /// `Sec-WebSocket-Extensions` line (§4.2.1 item 9, §9.1).
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// All header fields, in order.
    pub fn headers(&self) -> &[Header] {
        self.request.headers()
    }

    /// The number of bytes the header block used.
    pub fn head_len(&self) -> usize {
        self.request.head_len()
    }

    /// Builds the 101 answer of §4.2.2 step 5: `Upgrade: websocket`,
    /// `Connection: Upgrade`, `Sec-WebSocket-Accept`, then the chosen
    /// subprotocol and extensions and any extra fields from `options`.
    ///
    /// With [`AcceptOptions::deflate`] (on by default), the first valid
    /// permessage-deflate offer is accepted (RFC 7692 §7.1) and the
    /// [`Acceptance`] carries the agreed parameters: write
    /// [`response`](Acceptance::response), then give
    /// [`negotiated`](Acceptance::negotiated) to
    /// [`Connection::with_extensions`](crate::Connection::with_extensions).
    ///
    /// Errors (all caller errors, nothing is sent): a subprotocol or extension
    /// the client did not offer, an extension that is not tokens, an extra
    /// field with CR/LF or one of the fields written here.
    pub fn accept(&self, options: &AcceptOptions) -> Result<Acceptance, HandshakeError> {
        if let Some(p) = &options.subprotocol {
            if !self.subprotocols.iter().any(|o| o == p) {
                return Err(HandshakeError::SubprotocolNotOffered { name: p.clone() });
            }
        }
        for e in &options.extensions {
            if !e.is_valid() {
                return Err(HandshakeError::InvalidExtension {
                    name: e.name().to_string(),
                });
            }
            if !self
                .extensions
                .iter()
                .any(|o| o.name().eq_ignore_ascii_case(e.name()))
            {
                return Err(HandshakeError::ExtensionNotOffered {
                    name: e.name().to_string(),
                });
            }
        }
        http::check_extra(&options.headers, ACCEPT_FIELDS)?;

        let mut out = Vec::new();
        http::write_status_line(&mut out, 101);
        http::write_field(&mut out, "Upgrade", b"websocket");
        http::write_field(&mut out, "Connection", b"Upgrade");
        http::write_field(
            &mut out,
            "Sec-WebSocket-Accept",
            accept_key(self.key.as_bytes()).as_bytes(),
        );
        if let Some(p) = &options.subprotocol {
            http::write_field(&mut out, "Sec-WebSocket-Protocol", p.as_bytes());
        }
        #[allow(unused_mut)]
        let (mut accepted, mut negotiated) = (options.extensions.clone(), Negotiated::default());
        #[cfg(feature = "deflate")]
        if let Some(config) = &options.deflate {
            let by_hand = accepted.iter().any(super::deflate::is_deflate);
            if let Some((answer, params)) =
                super::deflate::accept_offer(config, &self.extensions).filter(|_| !by_hand)
            {
                accepted.insert(0, answer);
                negotiated = Negotiated::with_deflate(params);
            }
        }
        if !accepted.is_empty() {
            // One field only: §11.3.2 forbids repeating it in a response.
            let list: Vec<String> = accepted.iter().map(ToString::to_string).collect();
            http::write_field(
                &mut out,
                "Sec-WebSocket-Extensions",
                list.join(", ").as_bytes(),
            );
        }
        for h in &options.headers {
            http::write_field(&mut out, &h.name, &h.value);
        }
        out.extend_from_slice(b"\r\n");
        Ok(Acceptance {
            response: out,
            negotiated,
        })
    }
}

/// The server's 101 answer ([`UpgradeRequest::accept`]) and the extensions
/// it agreed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    response: Vec<u8>,
    negotiated: Negotiated,
}

impl Acceptance {
    /// The bytes to write to the client.
    pub fn response(&self) -> &[u8] {
        &self.response
    }

    /// The extensions this crate implements, as agreed (permessage-deflate),
    /// for [`Connection::with_extensions`](crate::Connection::with_extensions).
    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    /// The response bytes and the agreed extensions, apart.
    pub fn into_parts(self) -> (Vec<u8>, Negotiated) {
        (self.response, self.negotiated)
    }
}

const ACCEPT_FIELDS: &[&str] = &[
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
];

/// What the server agrees to in its 101 (§4.2.2 step 4 /subprotocol/ and
/// /extensions/), plus extra fields such as `Set-Cookie`.
///
/// A builder with private fields rather than a plain struct: at most one
/// subprotocol is chosen, extensions and fields accumulate in order, and
/// [`UpgradeRequest::accept`] checks all of them against the request, so the
/// only way in is through the methods below. New choices are new methods.
///
/// ```
/// use rfc6455::AcceptOptions;
/// use rfc6455::handshake::Extension;
///
/// let options = AcceptOptions::new()
///     .subprotocol("chat")
///     .extension(Extension::new("x-example"))
///     .header("Set-Cookie", "session=1");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptOptions {
    subprotocol: Option<String>,
    extensions: Vec<Extension>,
    headers: Vec<Header>,
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateConfig>,
}

impl Default for AcceptOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl AcceptOptions {
    /// No subprotocol, no extra fields, and permessage-deflate accepted if
    /// offered (feature `deflate`, with [`DeflateConfig::default`]).
    pub fn new() -> Self {
        Self {
            subprotocol: None,
            extensions: Vec::new(),
            headers: Vec::new(),
            #[cfg(feature = "deflate")]
            deflate: Some(DeflateConfig::default()),
        }
    }

    /// Accepts a permessage-deflate offer (RFC 7692) with `config`, or
    /// declines every one with `None`. On by default with
    /// [`DeflateConfig::default`]. An extension named permessage-deflate
    /// accepted by hand with [`extension`](Self::extension) replaces this.
    ///
    /// ```
    /// use rfc6455::AcceptOptions;
    /// use rfc6455::extension::DeflateConfig;
    ///
    /// let lean = AcceptOptions::new().deflate(Some(
    ///     DeflateConfig::default().server_no_context_takeover(true).server_max_window_bits(9),
    /// ));
    /// let off = AcceptOptions::new().deflate(None);
    /// # let _ = (lean, off);
    /// ```
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate(mut self, config: Option<DeflateConfig>) -> Self {
        self.deflate = config;
        self
    }

    /// Selects one of the client's subprotocols (§4.2.2 /subprotocol/).
    #[must_use]
    pub fn subprotocol(mut self, name: &str) -> Self {
        self.subprotocol = Some(name.to_string());
        self
    }

    /// Accepts one of the client's extensions, with the parameters the
    /// server answers with (§9.1). Order is the order of operations.
    #[must_use]
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Adds an extra header field, e.g. `Set-Cookie`.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }
}

/// Builds a response that refuses a handshake or answers a plain HTTP request:
/// any `status` in 200..=599 (e.g. 403 for a refused /origin/, §10.2; 401 with
/// `WWW-Authenticate`, §4.2.2 step 2; 3xx with `Location`, step 3; 404 for an
/// unknown /resource name/), the given fields, and `body` with its
/// `Content-Length` (written here, so not allowed in `headers`).
///
/// ```
/// use rfc6455::handshake::{Header, reject_response};
///
/// let answer = reject_response(403, &[Header::new("Content-Type", "text/plain")], b"no")?;
/// assert_eq!(
///     answer,
///     b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nno"
/// );
/// # Ok::<(), rfc6455::HandshakeError>(())
/// ```
pub fn reject_response(
    status: u16,
    headers: &[Header],
    body: &[u8],
) -> Result<Vec<u8>, HandshakeError> {
    if !(200..=599).contains(&status) {
        return Err(HandshakeError::InvalidStatus { status });
    }
    let mut out = Vec::new();
    http::write_status_line(&mut out, status);
    for Header { name, value } in headers {
        http::check_field(name, value)?;
        if name.eq_ignore_ascii_case("Content-Length") {
            return Err(HandshakeError::ReservedHeader { name: name.clone() });
        }
        http::write_field(&mut out, name, value);
    }
    http::write_field(
        &mut out,
        "Content-Length",
        body.len().to_string().as_bytes(),
    );
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

    fn upgrade(bytes: &[u8]) -> UpgradeRequest {
        match RequestParser::new().feed(bytes) {
            Ok(RequestStatus::Upgrade(u)) => u,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rfc_request_of_section_1_3() {
        let u = upgrade(RFC_REQUEST);
        assert_eq!(
            (u.path(), u.query(), u.host()),
            ("/chat", None, "server.example.com")
        );
        assert_eq!(u.origin(), Some("http://example.com"));
        assert_eq!(u.subprotocols(), ["chat", "superchat"]);
        assert_eq!(u.head_len(), RFC_REQUEST.len());
        let answer = u.accept(&AcceptOptions::new().subprotocol("chat")).unwrap();
        assert_eq!(
            answer.response(),
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
        );
    }

    #[test]
    fn origin_is_lowercased_for_comparison() {
        let text = core::str::from_utf8(RFC_REQUEST).unwrap();
        let u = upgrade(
            text.replace("http://example.com", "HTTP://Example.COM")
                .as_bytes(),
        );
        assert_eq!(u.origin(), Some("http://example.com"));
    }

    #[test]
    fn accept_refuses_what_was_not_offered() {
        let u = upgrade(RFC_REQUEST);
        let e = u
            .accept(&AcceptOptions::new().subprotocol("Chat"))
            .unwrap_err();
        assert_eq!(
            e,
            HandshakeError::SubprotocolNotOffered {
                name: "Chat".into()
            }
        );
        let e = u
            .accept(&AcceptOptions::new().extension(Extension::new("x")))
            .unwrap_err();
        assert_eq!(e, HandshakeError::ExtensionNotOffered { name: "x".into() });
        let e = u
            .accept(&AcceptOptions::new().header("Set-Cookie", "a\r\nb"))
            .unwrap_err();
        assert_eq!(
            e,
            HandshakeError::InvalidHeader {
                name: "Set-Cookie".into()
            }
        );
        let e = u
            .accept(&AcceptOptions::new().header("connection", "close"))
            .unwrap_err();
        assert_eq!(
            e,
            HandshakeError::ReservedHeader {
                name: "connection".into()
            }
        );
    }

    #[test]
    fn plain_http_is_not_an_error() {
        let mut p = RequestParser::new();
        let r = p
            .feed(b"POST /form?x=1 HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc")
            .unwrap();
        let RequestStatus::Http(r) = r else {
            panic!("{r:?}")
        };
        assert_eq!(
            (r.method(), r.path(), r.query()),
            ("POST", "/form", Some("x=1"))
        );
        assert_eq!(r.header("content-length"), Some(&b"3"[..]));
        assert_eq!(p.into_leftover(), b"abc");
        let r = RequestParser::new()
            .feed(b"GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n")
            .unwrap();
        assert!(matches!(r, RequestStatus::Http(_)));
    }

    #[test]
    fn feed_after_completion_is_a_caller_error() {
        let mut p = RequestParser::new();
        let _ = p.feed(RFC_REQUEST).unwrap();
        assert_eq!(p.feed(b"x"), Err(HandshakeError::ParserFinished));
    }

    #[test]
    fn reject_response_writes_content_length() {
        let r = reject_response(403, &[Header::new("X-Why", "origin")], b"no").unwrap();
        assert_eq!(
            r,
            b"HTTP/1.1 403 Forbidden\r\nX-Why: origin\r\nContent-Length: 2\r\n\r\nno"
        );
        assert!(reject_response(101, &[], b"").is_err());
        let length = Header::new("content-length", "9");
        assert!(reject_response(400, &[length], b"").is_err());
        assert!(reject_response(400, &[Header::new("A", "\n")], b"").is_err());
    }
}
