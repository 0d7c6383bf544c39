//! The opening handshake (RFC 6455 §4): an HTTP/1.1 Upgrade, sans-IO.
//!
//! Both sides take received bytes in any split and return parsed values and
//! bytes to send; nothing here reads a socket or a clock. Each received byte is
//! scanned once and the header block parsed once (see `scan.rs`), so a peer
//! feeding one byte at a time costs linear work.
//!
//! Server (§4.2):
//!
//! ```text
//! let mut parser = RequestParser::new();
//! match parser.feed(&received)? {            // Err(e) => send e.rejection_response()
//!     RequestStatus::Partial => { /* read more */ }
//!     RequestStatus::Http(req) => { /* a plain HTTP request: answer it yourself */ }
//!     RequestStatus::Upgrade(req) => {
//!         send(req.accept(&AcceptOptions::new())?);
//!         frames.handle_bytes(&parser.into_leftover());
//!     }
//! }
//! ```
//!
//! Client (§4.1):
//!
//! ```text
//! let request = ClientRequest::new("ws://example.com/chat")?.subprotocol("chat");
//! connect(request.url().host(), request.url().port(), request.url().is_secure());
//! send(request.encode()?);
//! let mut parser = request.response_parser();
//! while let ResponseStatus::Partial = parser.feed(&read())? {}
//! frames.handle_bytes(&parser.into_leftover());
//! ```
//!
//! What is left to the caller: the /origin/ policy (§10.2, answer 403 with
//! [`reject_response`]), which subprotocol and extensions to accept, following
//! redirects and authentication (§4.1 response step 1), TLS and proxies.

mod accept_key;
mod client;
mod error;
mod http;
mod scan;
mod server;
mod tokens;
mod url;

#[cfg(feature = "std")]
pub use accept_key::generate_key;
pub use accept_key::{WEBSOCKET_GUID, accept_key, encode_key};
pub use client::{AcceptedResponse, ClientRequest, ResponseParser, ResponseStatus};
pub use error::{ErrorCause, HandshakeError};
pub use http::{HandshakeLimits, Header, HttpRequest, HttpResponse};
pub use server::{AcceptOptions, RequestParser, RequestStatus, UpgradeRequest, reject_response};
pub use tokens::{Extension, ExtensionParam, TokenError, parse_extensions, parse_token_list};
pub use url::{UrlError, WsUrl};
