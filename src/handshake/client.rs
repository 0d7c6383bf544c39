//! The client side of the opening handshake: write the request (§4.1 steps
//! 1–12) and verify the server's answer (§4.1 response steps 1–6). The flow
//! is drawn in the [module docs](super).

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::url::WsUrl;

use super::accept_key::{accept_key, encode_key};
use super::error::HandshakeError;
use super::http::{self, HandshakeLimits, HeadError, Header, HttpResponse};
use super::scan::HeadScanner;
use super::tokens::{self, Extension};
#[cfg(feature = "deflate")]
use crate::extension::DeflateConfig;
use crate::extension::Negotiated;

/// A client's opening handshake request (§4.1), built from a WebSocket URI.
///
/// The [`handshake` module docs](super) draw the flow and run a whole
/// handshake in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequest {
    url: WsUrl,
    key: String,
    origin: Option<String>,
    subprotocols: Vec<String>,
    extensions: Vec<Extension>,
    headers: Vec<Header>,
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateConfig>,
}

impl ClientRequest {
    /// A request for `url` with a fresh random key (§4.1 step 7).
    #[cfg(feature = "std")]
    pub fn new(url: &str) -> Result<Self, HandshakeError> {
        Self::build(url, super::accept_key::generate_key())
    }

    /// A request for `url` with the key made from `nonce`, which MUST be 16
    /// random bytes fresh for this connection (§4.1 step 7). Use this without
    /// the `std` feature, or to reproduce a transcript in tests.
    pub fn with_nonce(url: &str, nonce: [u8; 16]) -> Result<Self, HandshakeError> {
        Self::build(url, encode_key(nonce))
    }

    fn build(url: &str, key: String) -> Result<Self, HandshakeError> {
        Ok(Self {
            url: WsUrl::parse(url).map_err(HandshakeError::InvalidUrl)?,
            key,
            origin: None,
            subprotocols: Vec::new(),
            extensions: Vec::new(),
            headers: Vec::new(),
            #[cfg(feature = "deflate")]
            deflate: Some(DeflateConfig::default()),
        })
    }

    /// Offers permessage-deflate (RFC 7692) with `config`, or not with
    /// `None`. On by default with [`DeflateConfig::default`]: the request
    /// offers `server_max_window_bits=12` first and an unlimited window second
    /// (see [`DeflateConfig`] for what each setting offers). If the server
    /// accepts, [`AcceptedResponse::negotiated`] carries the parameters for
    /// [`Connection::with_extensions`](crate::Connection::with_extensions).
    ///
    /// A permessage-deflate offer added by hand with
    /// [`extension`](Self::extension) replaces this one (and is then the
    /// caller's to implement).
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate(mut self, config: Option<DeflateConfig>) -> Self {
        self.deflate = config;
        self
    }

    /// The extensions offered: those added by hand, then permessage-deflate's.
    fn offered_extensions(&self) -> Vec<Extension> {
        #[allow(unused_mut)]
        let mut all = self.extensions.clone();
        #[cfg(feature = "deflate")]
        if let Some(config) = self.built_in_deflate() {
            all.extend(super::deflate::client_offers(config));
        }
        all
    }

    /// The deflate configuration offered, unless a hand-made offer replaces it.
    #[cfg(feature = "deflate")]
    fn built_in_deflate(&self) -> Option<&DeflateConfig> {
        let by_hand = self.extensions.iter().any(super::deflate::is_deflate);
        self.deflate.as_ref().filter(|_| !by_hand)
    }

    /// Sends `Origin` (§4.1 step 8: browsers MUST, others MAY).
    #[must_use]
    pub fn origin(mut self, origin: &str) -> Self {
        self.origin = Some(origin.to_owned());
        self
    }

    /// Offers a subprotocol; call in order of preference (§4.1 step 10).
    #[must_use]
    pub fn subprotocol(mut self, name: &str) -> Self {
        self.subprotocols.push(name.to_owned());
        self
    }

    /// Offers an extension (§4.1 step 11, §9.1), first is most preferred.
    #[must_use]
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Adds an extra field, e.g. `Authorization` or `Cookie` (§4.1 step 12).
    #[must_use]
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }

    /// Where to connect: host, port, /secure/ flag (§3, §4.1 steps 1–5).
    pub fn url(&self) -> &WsUrl {
        &self.url
    }

    /// The `Sec-WebSocket-Key` value sent.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The request bytes: `GET {resource name} HTTP/1.1` with `Host`,
    /// `Upgrade: websocket`, `Connection: Upgrade`, `Sec-WebSocket-Key`,
    /// `Sec-WebSocket-Version: 13` and the options (§4.1 steps 1–12).
    ///
    /// Errors (caller errors): a subprotocol that is not a token or is
    /// offered twice ("MUST all be unique strings"), an extension that is not
    /// tokens, an `Origin` or extra field with CR/LF, or an extra field the
    /// handshake writes itself.
    pub fn encode(&self) -> Result<Vec<u8>, HandshakeError> {
        for (i, p) in self.subprotocols.iter().enumerate() {
            if !tokens::is_token(p.as_bytes()) || self.subprotocols[..i].contains(p) {
                return Err(HandshakeError::InvalidSubprotocol { name: p.clone() });
            }
        }
        if let Some(e) = self.extensions.iter().find(|e| !e.is_valid()) {
            return Err(HandshakeError::InvalidExtension {
                name: e.name().to_string(),
            });
        }
        if let Some(o) = &self.origin {
            http::check_field("Origin", o.as_bytes())?;
        }
        http::check_extra(&self.headers, REQUEST_FIELDS)?;

        let mut out = Vec::new();
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(self.url.resource_name().as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        http::write_field(&mut out, "Host", self.url.host_header().as_bytes());
        http::write_field(&mut out, "Upgrade", b"websocket");
        http::write_field(&mut out, "Connection", b"Upgrade");
        http::write_field(&mut out, "Sec-WebSocket-Key", self.key.as_bytes());
        if let Some(o) = &self.origin {
            http::write_field(&mut out, "Origin", o.as_bytes());
        }
        http::write_field(&mut out, "Sec-WebSocket-Version", b"13");
        if !self.subprotocols.is_empty() {
            http::write_field(
                &mut out,
                "Sec-WebSocket-Protocol",
                self.subprotocols.join(", ").as_bytes(),
            );
        }
        let extensions = self.offered_extensions();
        if !extensions.is_empty() {
            let list: Vec<String> = extensions.iter().map(ToString::to_string).collect();
            http::write_field(
                &mut out,
                "Sec-WebSocket-Extensions",
                list.join(", ").as_bytes(),
            );
        }
        for h in &self.headers {
            http::write_field(&mut out, &h.name, &h.value);
        }
        out.extend_from_slice(b"\r\n");
        Ok(out)
    }

    /// A parser that verifies the answer to this request (same key and offers).
    pub fn response_parser(&self) -> ResponseParser {
        let parser = ResponseParser::new(&self.key)
            .with_subprotocols(&self.subprotocols)
            .with_extensions(self.offered_extensions().iter().map(Extension::name));
        #[cfg(feature = "deflate")]
        let parser = parser.with_deflate(self.built_in_deflate().copied());
        parser
    }
}

const REQUEST_FIELDS: &[&str] = &[
    "Host",
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Origin",
];

/// Reads and verifies the server's opening handshake (§4.1), from bytes
/// arriving in any split, in time linear in their number.
///
/// Bytes after the header block are the first frames: take them with
/// [`into_leftover`](Self::into_leftover) for the frame layer.
#[derive(Debug, Clone)]
pub struct ResponseParser {
    scan: HeadScanner,
    limits: HandshakeLimits,
    expected_accept: String,
    subprotocols: Vec<String>,
    extensions: Vec<String>,
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateConfig>,
    finished: bool,
}

/// What [`ResponseParser::feed`] found.
// exhaustive: incomplete or accepted; every other answer is a HandshakeError (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum ResponseStatus {
    /// The header block is not complete yet: feed more bytes.
    Partial,
    /// _The WebSocket Connection is Established_ (§4.1).
    Accepted(AcceptedResponse),
}

/// A verified 101 answer: the _Subprotocol In Use_ and _Extensions In Use_ (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedResponse {
    response: HttpResponse,
    subprotocol: Option<String>,
    extensions: Vec<Extension>,
    negotiated: Negotiated,
}

impl AcceptedResponse {
    /// The extensions this crate implements, as agreed (permessage-deflate),
    /// for [`Connection::with_extensions`](crate::Connection::with_extensions).
    /// Empty if none was offered through [`ClientRequest::deflate`] (or
    /// [`ResponseParser::with_deflate`]) or the server declined.
    pub fn negotiated(&self) -> &Negotiated {
        &self.negotiated
    }

    /// The subprotocol the server chose, if any (one we offered).
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The extensions in use, in the server's order (the order of operations, §9.1).
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The 101 response head, e.g. for `Set-Cookie`.
    pub fn response(&self) -> &HttpResponse {
        &self.response
    }
}

impl ResponseParser {
    /// A parser expecting the answer to `key` (the `Sec-WebSocket-Key` value
    /// sent), with no subprotocol or extension offered.
    pub fn new(key: &str) -> Self {
        Self {
            scan: HeadScanner::new(HandshakeLimits::default().max_head_bytes),
            limits: HandshakeLimits::default(),
            expected_accept: accept_key(key.as_bytes()),
            subprotocols: Vec::new(),
            extensions: Vec::new(),
            #[cfg(feature = "deflate")]
            deflate: None,
            finished: false,
        }
    }

    /// Sets the permessage-deflate configuration that was offered (with its
    /// name in [`with_extensions`](Self::with_extensions)): a
    /// permessage-deflate answer is then checked against it (RFC 7692 §7.1)
    /// and becomes [`AcceptedResponse::negotiated`].
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn with_deflate(mut self, offered: Option<DeflateConfig>) -> Self {
        self.deflate = offered;
        self
    }

    /// Sets the subprotocols that were offered (§4.1 response step 6).
    #[must_use]
    pub fn with_subprotocols(mut self, offered: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        self.subprotocols = offered.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self
    }

    /// Sets the extension names that were offered (§4.1 response step 5).
    #[must_use]
    pub fn with_extensions(mut self, offered: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        self.extensions = offered.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self
    }

    /// Sets the limits (§10.4). Call before the first `feed`.
    #[must_use]
    pub fn with_limits(mut self, limits: HandshakeLimits) -> Self {
        self.scan = HeadScanner::new(limits.max_head_bytes);
        self.limits = limits;
        self
    }

    /// Takes the next received bytes. Returns `Partial` until the header block
    /// is complete, then the verified answer once. A status other than 101 is
    /// [`HandshakeError::UnexpectedStatus`] with the head and the body bytes
    /// received so far (at most `max_body_bytes`). After a result other than
    /// `Partial`, feeding again is [`HandshakeError::ParserFinished`].
    pub fn feed(&mut self, bytes: &[u8]) -> Result<ResponseStatus, HandshakeError> {
        let limits = self.limits;
        let to_error = |e: HeadError| match e {
            HeadError::TooLarge => HandshakeError::ResponseTooLarge {
                limit: limits.max_head_bytes,
            },
            HeadError::TooManyHeaders => HandshakeError::TooManyResponseHeaders {
                limit: limits.max_headers,
            },
            HeadError::Malformed(reason) => HandshakeError::MalformedResponse { reason },
        };
        if !self.scan.feed(&mut self.finished, bytes, to_error)? {
            return Ok(ResponseStatus::Partial);
        }
        let mut response =
            HttpResponse::parse(self.scan.head(), limits.max_headers).map_err(to_error)?;
        if response.status() != 101 {
            let body = self.scan.leftover();
            response.set_body(&body[..body.len().min(limits.max_body_bytes)]);
            return Err(HandshakeError::UnexpectedStatus(Box::new(response)));
        }
        self.verify(response).map(ResponseStatus::Accepted)
    }

    /// §4.1 response steps 2–6 on a 101.
    fn verify(&self, response: HttpResponse) -> Result<AcceptedResponse, HandshakeError> {
        let headers = response.headers();
        if !http::has_token(headers, "Upgrade", "websocket") {
            return Err(HandshakeError::ResponseMissingUpgrade);
        }
        if !http::has_token(headers, "Connection", "Upgrade") {
            return Err(HandshakeError::ResponseMissingConnectionUpgrade);
        }
        match http::count(headers, "Sec-WebSocket-Accept") {
            0 => return Err(HandshakeError::MissingAccept),
            1 => {}
            _ => return Err(HandshakeError::DuplicateAccept),
        }
        let accept = response.header("Sec-WebSocket-Accept").unwrap_or_default();
        if tokens::trim_ows(accept) != self.expected_accept.as_bytes() {
            return Err(HandshakeError::AcceptMismatch);
        }
        let subprotocol = match http::count(headers, "Sec-WebSocket-Protocol") {
            0 => None,
            1 => {
                let chosen = tokens::trim_ows(
                    response
                        .header("Sec-WebSocket-Protocol")
                        .unwrap_or_default(),
                );
                match self.subprotocols.iter().find(|p| p.as_bytes() == chosen) {
                    Some(p) => Some(p.clone()),
                    None => return Err(HandshakeError::UnofferedSubprotocol),
                }
            }
            _ => return Err(HandshakeError::DuplicateSubprotocol),
        };
        // §11.3.2 forbids repeating the field in a response, but §4.2.2
        // step 5.6 allows it; accept repeats and read them as one list.
        let mut extensions = Vec::new();
        for v in http::values(headers, "Sec-WebSocket-Extensions") {
            for e in
                tokens::parse_extensions(v).map_err(HandshakeError::InvalidResponseExtensions)?
            {
                if !self
                    .extensions
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(e.name()))
                {
                    return Err(HandshakeError::UnofferedExtension {
                        name: e.name().to_string(),
                    });
                }
                extensions.push(e);
            }
        }
        #[allow(unused_mut)]
        let mut negotiated = Negotiated::default();
        #[cfg(feature = "deflate")]
        if let Some(config) = &self.deflate {
            let mut answers = extensions.iter().filter(|e| super::deflate::is_deflate(e));
            if let Some(answer) = answers.next() {
                if answers.next().is_some() {
                    // RFC 7692 §5: one offer is accepted, so one element answers.
                    return Err(HandshakeError::InvalidDeflateResponse {
                        reason: "permessage-deflate accepted twice".into(),
                    });
                }
                let params = super::deflate::check_response(config, answer)
                    .map_err(|reason| HandshakeError::InvalidDeflateResponse { reason })?;
                negotiated = Negotiated::with_deflate(params);
            }
        }
        Ok(AcceptedResponse {
            response,
            subprotocol,
            extensions,
            negotiated,
        })
    }

    /// Bytes received after the header block so far.
    pub fn leftover(&self) -> &[u8] {
        self.scan.leftover()
    }

    /// Gives up the parser for the bytes received after the header block:
    /// the first frames for the frame layer.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::url::UrlError;

    const RFC_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";

    fn parser() -> ResponseParser {
        ResponseParser::new("dGhlIHNhbXBsZSBub25jZQ==").with_subprotocols(["chat", "superchat"])
    }

    #[test]
    fn rfc_response_of_section_1_3() {
        let ResponseStatus::Accepted(a) = parser().feed(RFC_RESPONSE).unwrap() else {
            panic!()
        };
        assert_eq!(a.subprotocol(), Some("chat"));
        assert_eq!(a.response().head_len(), RFC_RESPONSE.len());
    }

    #[test]
    fn request_bytes_of_section_1_3() {
        let nonce = *b"the sample nonce";
        let req = ClientRequest::with_nonce("ws://server.example.com/chat", nonce)
            .unwrap()
            .origin("http://example.com")
            .subprotocol("chat")
            .subprotocol("superchat");
        assert_eq!(req.key(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(
            req.encode().unwrap(),
            b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; client_max_window_bits=12, \
permessage-deflate; client_max_window_bits=12\r\n\r\n"
        );
        assert!(matches!(
            req.response_parser().feed(RFC_RESPONSE),
            Ok(ResponseStatus::Accepted(_))
        ));
    }

    #[test]
    fn encode_refuses_bad_options() {
        let req = || ClientRequest::with_nonce("ws://h/", [0; 16]).unwrap();
        let dup = req().subprotocol("a").subprotocol("a").encode();
        assert_eq!(
            dup,
            Err(HandshakeError::InvalidSubprotocol { name: "a".into() })
        );
        assert!(req().subprotocol("a b").encode().is_err());
        assert!(
            req()
                .extension(Extension::new("x").param("p", Some("1 2")))
                .encode()
                .is_err()
        );
        assert!(req().origin("a\r\nb").encode().is_err());
        assert!(req().header("Host", "x").encode().is_err());
        assert!(req().header("X-Ok", "fine").encode().is_ok());
        let bad = ClientRequest::with_nonce("http://h/", [0; 16]);
        assert_eq!(bad, Err(HandshakeError::InvalidUrl(UrlError::Scheme)));
    }

    #[test]
    fn each_response_rule() {
        let base =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
        let ok = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
        let run = |text: &str| parser().with_extensions(["foo"]).feed(text.as_bytes());
        let cases: &[(String, HandshakeError)] = &[
            (
                base.replace("websocket", "h2c") + ok,
                HandshakeError::ResponseMissingUpgrade,
            ),
            (
                base.replace("Connection: Upgrade", "Connection: close") + ok,
                HandshakeError::ResponseMissingConnectionUpgrade,
            ),
            (base.to_string(), HandshakeError::MissingAccept),
            (
                alloc::format!("{base}{ok}{ok}"),
                HandshakeError::DuplicateAccept,
            ),
            (
                alloc::format!("{base}Sec-WebSocket-Accept: x\r\n"),
                HandshakeError::AcceptMismatch,
            ),
            (
                alloc::format!("{base}{ok}Sec-WebSocket-Protocol: other\r\n"),
                HandshakeError::UnofferedSubprotocol,
            ),
            (
                alloc::format!(
                    "{base}{ok}Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n"
                ),
                HandshakeError::DuplicateSubprotocol,
            ),
            (
                alloc::format!("{base}{ok}Sec-WebSocket-Extensions: bar\r\n"),
                HandshakeError::UnofferedExtension { name: "bar".into() },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(run(&(text.clone() + "\r\n")).as_ref(), Err(want), "{text}");
        }
        let good = alloc::format!("{base}{ok}Sec-WebSocket-Extensions: FOO; x=1\r\n\r\n");
        let Ok(ResponseStatus::Accepted(a)) = run(&good) else {
            panic!()
        };
        assert_eq!(a.extensions()[0].params()[0].value.as_deref(), Some("1"));
    }

    #[test]
    fn non_101_keeps_bounded_body() {
        let limits = HandshakeLimits {
            max_body_bytes: 4,
            ..HandshakeLimits::default()
        };
        let mut p = parser().with_limits(limits);
        let e = p
            .feed(b"HTTP/1.1 302 Found\r\nLocation: /else\r\n\r\nbody-bytes")
            .unwrap_err();
        let HandshakeError::UnexpectedStatus(r) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (r.status(), r.header("location"), r.body()),
            (302, Some(&b"/else"[..]), &b"body"[..])
        );
    }
}
