//! The one error type of the opening handshake, and what each error means on
//! the wire (§4.2.1: "return an HTTP response with an appropriate error code").

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::http::{self, Header, HttpResponse};
use super::tokens::TokenError;
use super::url::UrlError;

/// Who is to blame for a [`HandshakeError`] (the sub-kinds of the style of
/// rustls `Error`).
// non_exhaustive: a further blame category (e.g. an internal bug) may be split out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCause {
    /// The peer broke RFC 6455 §4 or HTTP/1.1.
    Peer,
    /// The peer asked for something this crate does not support (a method
    /// other than GET, a WebSocket version other than 13).
    Unsupported,
    /// The peer made us exceed a [`HandshakeLimits`](super::HandshakeLimits) limit (§10.4).
    Limit,
    /// The caller misused the API or gave invalid input; depends only on the
    /// caller's arguments, never on received bytes.
    Caller,
}

/// Everything that can go wrong in the opening handshake (§4).
///
/// Errors from [`RequestParser`](super::RequestParser) carry the HTTP
/// answer a server sends: [`status`](Self::status),
/// [`required_headers`](Self::required_headers) and the full bytes from
/// [`rejection_response`](Self::rejection_response). Errors from the client
/// side and caller errors have no HTTP answer (`status()` is `None`); the
/// client then _Fails the WebSocket Connection_ (§4.1) by closing it.
// non_exhaustive: new handshake checks (extensions, HTTP details) bring new errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    // ---- server side: limits (431) ----
    /// Peer (limit): the request header block is larger than
    /// `max_head_bytes` (§10.4). Answer: 431.
    RequestTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Peer (limit): the request has more than `max_headers` fields. Answer: 431.
    TooManyRequestHeaders {
        /// The limit in header fields.
        limit: usize,
    },
    // ---- server side: malformed request (400, 405, 426) ----
    /// Peer: the request is not valid HTTP/1.x (§4.2.1, §4.1 step 1). Answer: 400.
    MalformedRequest {
        /// What was wrong.
        reason: &'static str,
    },
    /// Peer (unsupported): an upgrade request whose method is not GET
    /// (§4.2.1 item 1). Answer: 405 with `Allow: GET`.
    MethodNotGet,
    /// Peer: an upgrade request in HTTP/1.0 (§4.2.1 item 1 needs 1.1 or
    /// later). Answer: 400.
    HttpVersionTooOld,
    /// Peer: no `Host` field (§4.2.1 item 2). Answer: 400.
    MissingHost,
    /// Peer: more than one `Host` field (RFC 7230 §5.4). Answer: 400.
    DuplicateHost,
    /// Peer: a `Host` value that is not visible ASCII. Answer: 400.
    InvalidHost,
    /// Peer: a request with WebSocket handshake fields (`Sec-WebSocket-Key`,
    /// `-Version`, `-Protocol` or `-Extensions`) whose `Upgrade` does not
    /// name `websocket`, e.g. is absent or `h2c` (§4.2.1 item 3). A failed
    /// handshake rather than plain HTTP. Answer: 400.
    UpgradeNotWebSocket,
    /// Peer: `Upgrade: websocket` without the `Upgrade` token in
    /// `Connection` (§4.2.1 item 4). Answer: 400.
    MissingConnectionUpgrade,
    /// Peer: no `Sec-WebSocket-Key` (§4.2.1 item 5). Answer: 400.
    MissingKey,
    /// Peer: more than one `Sec-WebSocket-Key` (§11.3.1). Answer: 400.
    DuplicateKey,
    /// Peer: a key that is not base64 of 16 bytes (§4.2.1 item 5). Answer: 400.
    InvalidKey,
    /// Peer (unsupported): no `Sec-WebSocket-Version` (§4.2.1 item 6).
    /// Answer: 426 with `Sec-WebSocket-Version: 13` (§4.2.2, §4.4).
    MissingVersion,
    /// Peer: more than one `Sec-WebSocket-Version` (§11.3.5). Answer: 426.
    DuplicateVersion,
    /// Peer (unsupported): a version other than 13 (§4.2.2 /version/, §4.4).
    /// Answer: 426 with `Sec-WebSocket-Version: 13`.
    UnsupportedVersion,
    /// Peer: `Sec-WebSocket-Protocol` is not `1#token` (§4.1 step 10). Answer: 400.
    InvalidSubprotocols(TokenError),
    /// Peer: `Sec-WebSocket-Extensions` breaks the §9.1 ABNF. Answer: 400.
    InvalidExtensions(TokenError),

    // ---- client side: the server's response (§4.1, no HTTP answer) ----
    /// Peer (limit): the response header block exceeds `max_head_bytes`.
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Peer (limit): the response has more than `max_headers` fields.
    TooManyResponseHeaders {
        /// The limit in header fields.
        limit: usize,
    },
    /// Peer: the response is not valid HTTP/1.x.
    MalformedResponse {
        /// What was wrong.
        reason: &'static str,
    },
    /// Peer: the status is not 101, so "the semantics of HTTP still apply"
    /// (§1.3, §4.1 response step 1): act on 401, a 3xx `Location`, etc.
    UnexpectedStatus(Box<HttpResponse>),
    /// Peer: no `Upgrade: websocket` in the 101 (§4.1 response step 2).
    ResponseMissingUpgrade,
    /// Peer: no `Upgrade` token in `Connection` (§4.1 response step 3).
    ResponseMissingConnectionUpgrade,
    /// Peer: no `Sec-WebSocket-Accept` (§4.1 response step 4).
    MissingAccept,
    /// Peer: more than one `Sec-WebSocket-Accept` (§11.3.3).
    DuplicateAccept,
    /// Peer: `Sec-WebSocket-Accept` is not the hash of our key (§4.1 response step 4).
    AcceptMismatch,
    /// Peer: more than one `Sec-WebSocket-Protocol` in the response (§11.3.4).
    DuplicateSubprotocol,
    /// Peer: a subprotocol we did not offer (§4.1 response step 6).
    UnofferedSubprotocol,
    /// Peer: an extension we did not offer (§4.1 response step 5).
    UnofferedExtension {
        /// The extension token the server named.
        name: String,
    },
    /// Peer: the server's permessage-deflate answer is invalid for what was
    /// offered (RFC 7692 §7.1: an unknown, repeated or out-of-range parameter,
    /// such as `server_max_window_bits=16`, or an offered
    /// `server_no_context_takeover` not granted). The client fails the
    /// connection (§5.1 of RFC 7692).
    InvalidDeflateResponse {
        /// What was wrong.
        reason: String,
    },
    /// Peer: the response's `Sec-WebSocket-Extensions` breaks §9.1.
    InvalidResponseExtensions(TokenError),

    // ---- caller errors (no HTTP answer) ----
    /// Caller: a malformed `ws://` / `wss://` URL (§3, §4.1 client step 1).
    InvalidUrl(UrlError),
    /// Caller: a subprotocol that is not a token, or offered twice (§4.1 step 10).
    InvalidSubprotocol {
        /// The offending value.
        name: String,
    },
    /// Caller: an extension whose name or parameters are not tokens (§9.1).
    InvalidExtension {
        /// The extension name.
        name: String,
    },
    /// Caller: accepting with a subprotocol the client did not offer
    /// (§4.2.2 /subprotocol/ "MUST be derived from the client's handshake").
    SubprotocolNotOffered {
        /// The subprotocol the caller chose.
        name: String,
    },
    /// Caller: accepting an extension the client did not offer
    /// (§4.2.2 /extensions/ "Extensions not listed by the client MUST NOT be listed").
    ExtensionNotOffered {
        /// The extension name.
        name: String,
    },
    /// Caller: a header name that is not a token, or a value with CR, LF or
    /// another control byte (would split the head).
    InvalidHeader {
        /// The header name.
        name: String,
    },
    /// Caller: an extra header that the handshake writes itself.
    ReservedHeader {
        /// The header name.
        name: String,
    },
    /// Caller: a rejection status outside 200..=599.
    InvalidStatus {
        /// The status given.
        status: u16,
    },
    /// Caller: `feed` after the parser completed or failed.
    ParserFinished,
}

const VERSION_HEADERS: &[(&str, &str)] = &[
    ("Sec-WebSocket-Version", "13"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
];

impl HandshakeError {
    /// Who is to blame.
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    pub fn cause(&self) -> ErrorCause {
        use HandshakeError::*;
        match self {
            RequestTooLarge { .. }
            | TooManyRequestHeaders { .. }
            | ResponseTooLarge { .. }
            | TooManyResponseHeaders { .. } => ErrorCause::Limit,
            MethodNotGet | MissingVersion | UnsupportedVersion => ErrorCause::Unsupported,
            InvalidUrl(_)
            | InvalidSubprotocol { .. }
            | InvalidExtension { .. }
            | SubprotocolNotOffered { .. }
            | ExtensionNotOffered { .. }
            | InvalidHeader { .. }
            | ReservedHeader { .. }
            | InvalidStatus { .. }
            | ParserFinished => ErrorCause::Caller,
            MalformedRequest { .. }
            | HttpVersionTooOld
            | MissingHost
            | DuplicateHost
            | InvalidHost
            | UpgradeNotWebSocket
            | MissingConnectionUpgrade
            | MissingKey
            | DuplicateKey
            | InvalidKey
            | DuplicateVersion
            | InvalidSubprotocols(_)
            | InvalidExtensions(_)
            | MalformedResponse { .. }
            | UnexpectedStatus(_)
            | ResponseMissingUpgrade
            | ResponseMissingConnectionUpgrade
            | MissingAccept
            | DuplicateAccept
            | AcceptMismatch
            | DuplicateSubprotocol
            | UnofferedSubprotocol
            | UnofferedExtension { .. }
            | InvalidResponseExtensions(_)
            | InvalidDeflateResponse { .. } => ErrorCause::Peer,
        }
    }

    /// The HTTP status a server answers this error with (§4.2.1, §4.2.2,
    /// §4.4), or `None` for client-side and caller errors.
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    pub fn status(&self) -> Option<u16> {
        use HandshakeError::*;
        Some(match self {
            RequestTooLarge { .. } | TooManyRequestHeaders { .. } => 431,
            MethodNotGet => 405,
            MissingVersion | DuplicateVersion | UnsupportedVersion => 426,
            MalformedRequest { .. }
            | HttpVersionTooOld
            | MissingHost
            | DuplicateHost
            | InvalidHost
            | UpgradeNotWebSocket
            | MissingConnectionUpgrade
            | MissingKey
            | DuplicateKey
            | InvalidKey
            | InvalidSubprotocols(_)
            | InvalidExtensions(_) => 400,
            // Client side: the server's response has no HTTP answer (§4.1).
            ResponseTooLarge { .. }
            | TooManyResponseHeaders { .. }
            | MalformedResponse { .. }
            | UnexpectedStatus(_)
            | ResponseMissingUpgrade
            | ResponseMissingConnectionUpgrade
            | MissingAccept
            | DuplicateAccept
            | AcceptMismatch
            | DuplicateSubprotocol
            | UnofferedSubprotocol
            | UnofferedExtension { .. }
            | InvalidResponseExtensions(_)
            | InvalidDeflateResponse { .. }
            // Caller errors depend on no received byte: nothing to answer.
            | InvalidUrl(_)
            | InvalidSubprotocol { .. }
            | InvalidExtension { .. }
            | SubprotocolNotOffered { .. }
            | ExtensionNotOffered { .. }
            | InvalidHeader { .. }
            | ReservedHeader { .. }
            | InvalidStatus { .. }
            | ParserFinished => return None,
        })
    }

    /// The header fields the answer MUST carry: `Allow: GET` with 405
    /// (RFC 7231 §6.5.5); `Sec-WebSocket-Version: 13` with 426 (§4.2.2,
    /// §4.4), plus the `Upgrade` and `Connection` fields RFC 7231 §6.5.15
    /// asks of a 426.
    pub fn required_headers(&self) -> Vec<Header> {
        let fields: &[(&str, &str)] = match self.status() {
            Some(405) => &[("Allow", "GET")],
            Some(426) => VERSION_HEADERS,
            _ => &[],
        };
        fields.iter().map(|(n, v)| Header::new(n, v)).collect()
    }

    /// The full response a server sends before closing: status line,
    /// [`required_headers`](Self::required_headers), `Connection: close`
    /// (unless a `Connection` field is required), a short plain-text body and
    /// its `Content-Length`. `None` when [`status`](Self::status) is `None`.
    pub fn rejection_response(&self) -> Option<Vec<u8>> {
        let status = self.status()?;
        let mut out = Vec::new();
        http::write_status_line(&mut out, status);
        let required = self.required_headers();
        for h in &required {
            http::write_field(&mut out, &h.name, &h.value);
        }
        if !required.iter().any(|h| h.name == "Connection") {
            http::write_field(&mut out, "Connection", b"close");
        }
        let mut body = self.to_string();
        body.push('\n');
        http::write_field(&mut out, "Content-Type", b"text/plain; charset=utf-8");
        http::write_field(
            &mut out,
            "Content-Length",
            body.len().to_string().as_bytes(),
        );
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body.as_bytes());
        Some(out)
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HandshakeError::*;
        match self {
            RequestTooLarge { limit } => write!(f, "request header block exceeds {limit} bytes"),
            TooManyRequestHeaders { limit } => {
                write!(f, "request has more than {limit} header fields")
            }
            MalformedRequest { reason } => write!(f, "malformed HTTP request: {reason}"),
            MethodNotGet => f.write_str("WebSocket upgrade requires the GET method"),
            HttpVersionTooOld => f.write_str("WebSocket upgrade requires HTTP/1.1 or later"),
            MissingHost => f.write_str("missing Host header"),
            DuplicateHost => f.write_str("more than one Host header"),
            InvalidHost => f.write_str("invalid Host header"),
            UpgradeNotWebSocket => f.write_str(
                "WebSocket handshake fields without Upgrade: websocket (RFC 6455 section 4.2.1)",
            ),
            MissingConnectionUpgrade => f.write_str("Connection header lacks the Upgrade token"),
            MissingKey => f.write_str("missing Sec-WebSocket-Key header"),
            DuplicateKey => f.write_str("more than one Sec-WebSocket-Key header"),
            InvalidKey => f.write_str("Sec-WebSocket-Key is not base64 of 16 bytes"),
            MissingVersion => f.write_str("missing Sec-WebSocket-Version header"),
            DuplicateVersion => f.write_str("more than one Sec-WebSocket-Version header"),
            UnsupportedVersion => f.write_str("unsupported Sec-WebSocket-Version (only 13)"),
            InvalidSubprotocols(e) => write!(f, "invalid Sec-WebSocket-Protocol: {e}"),
            InvalidExtensions(e) => write!(f, "invalid Sec-WebSocket-Extensions: {e}"),
            ResponseTooLarge { limit } => write!(f, "response header block exceeds {limit} bytes"),
            TooManyResponseHeaders { limit } => {
                write!(f, "response has more than {limit} header fields")
            }
            MalformedResponse { reason } => write!(f, "malformed HTTP response: {reason}"),
            UnexpectedStatus(r) => write!(
                f,
                "server answered {} {} instead of 101",
                r.status(),
                r.reason()
            ),
            ResponseMissingUpgrade => f.write_str("response lacks Upgrade: websocket"),
            ResponseMissingConnectionUpgrade => f.write_str("response lacks Connection: Upgrade"),
            MissingAccept => f.write_str("response lacks Sec-WebSocket-Accept"),
            DuplicateAccept => f.write_str("response has more than one Sec-WebSocket-Accept"),
            AcceptMismatch => f.write_str("Sec-WebSocket-Accept does not match the key"),
            DuplicateSubprotocol => {
                f.write_str("response has more than one Sec-WebSocket-Protocol")
            }
            UnofferedSubprotocol => f.write_str("server chose a subprotocol that was not offered"),
            UnofferedExtension { name } => {
                write!(f, "server chose extension {name:?}, which was not offered")
            }
            InvalidResponseExtensions(e) => {
                write!(f, "invalid Sec-WebSocket-Extensions in response: {e}")
            }
            InvalidDeflateResponse { reason } => {
                write!(f, "invalid permessage-deflate answer: {reason}")
            }
            InvalidUrl(e) => write!(f, "invalid WebSocket URL: {e}"),
            InvalidSubprotocol { name } => write!(f, "invalid or repeated subprotocol {name:?}"),
            InvalidExtension { name } => write!(f, "invalid extension {name:?}"),
            SubprotocolNotOffered { name } => {
                write!(f, "subprotocol {name:?} was not offered by the client")
            }
            ExtensionNotOffered { name } => {
                write!(f, "extension {name:?} was not offered by the client")
            }
            InvalidHeader { name } => write!(f, "invalid header field {name:?}"),
            ReservedHeader { name } => {
                write!(f, "header {name:?} is written by the handshake itself")
            }
            InvalidStatus { status } => write!(f, "status {status} cannot reject a handshake"),
            ParserFinished => f.write_str("parser already completed or failed"),
        }
    }
}

impl core::error::Error for HandshakeError {
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        use HandshakeError::*;
        match self {
            InvalidSubprotocols(e) | InvalidExtensions(e) | InvalidResponseExtensions(e) => Some(e),
            InvalidUrl(e) => Some(e),
            RequestTooLarge { .. }
            | TooManyRequestHeaders { .. }
            | MalformedRequest { .. }
            | MethodNotGet
            | HttpVersionTooOld
            | MissingHost
            | DuplicateHost
            | InvalidHost
            | UpgradeNotWebSocket
            | MissingConnectionUpgrade
            | MissingKey
            | DuplicateKey
            | InvalidKey
            | MissingVersion
            | DuplicateVersion
            | UnsupportedVersion
            | ResponseTooLarge { .. }
            | TooManyResponseHeaders { .. }
            | MalformedResponse { .. }
            | UnexpectedStatus(_)
            | ResponseMissingUpgrade
            | ResponseMissingConnectionUpgrade
            | MissingAccept
            | DuplicateAccept
            | AcceptMismatch
            | DuplicateSubprotocol
            | UnofferedSubprotocol
            | UnofferedExtension { .. }
            | InvalidDeflateResponse { .. }
            | InvalidSubprotocol { .. }
            | InvalidExtension { .. }
            | SubprotocolNotOffered { .. }
            | ExtensionNotOffered { .. }
            | InvalidHeader { .. }
            | ReservedHeader { .. }
            | InvalidStatus { .. }
            | ParserFinished => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_rejection_carries_sec_websocket_version() {
        let bytes = HandshakeError::UnsupportedVersion
            .rejection_response()
            .unwrap();
        let text = core::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"));
        assert!(!text.contains("close"));
    }

    #[test]
    fn required_headers_are_header_values() {
        assert_eq!(
            HandshakeError::MethodNotGet.required_headers(),
            [Header::new("Allow", "GET")]
        );
        let names: Vec<String> = HandshakeError::MissingVersion
            .required_headers()
            .into_iter()
            .map(|h| h.name)
            .collect();
        assert_eq!(names, ["Sec-WebSocket-Version", "Upgrade", "Connection"]);
        assert!(HandshakeError::MissingHost.required_headers().is_empty());
    }

    #[test]
    fn content_length_matches_body() {
        let bytes = HandshakeError::MethodNotGet.rejection_response().unwrap();
        let text = core::str::from_utf8(&bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("\r\nAllow: GET\r\nConnection: close\r\n"));
        assert!(head.ends_with(&alloc::format!("Content-Length: {}", body.len())));
    }

    #[test]
    fn client_and_caller_errors_have_no_answer() {
        assert_eq!(HandshakeError::AcceptMismatch.status(), None);
        assert_eq!(HandshakeError::ParserFinished.rejection_response(), None);
        assert_eq!(HandshakeError::ParserFinished.cause(), ErrorCause::Caller);
        assert_eq!(
            HandshakeError::RequestTooLarge { limit: 1 }.cause(),
            ErrorCause::Limit
        );
    }
}
