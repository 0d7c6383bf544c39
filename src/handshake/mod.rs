//! The opening handshake (RFC 6455 §4): an HTTP/1.1 Upgrade, sans-IO.
//!
//! Both sides take received bytes in any split and return parsed values and
//! bytes to send; nothing here reads a socket or a clock. Each received byte is
//! scanned once and the header block parsed once, so a peer feeding one byte
//! at a time costs linear work. The main types are re-exported at the crate
//! root; the grammar helpers ([`parse_token_list`], [`parse_extensions`],
//! [`accept_key`], …) and the parsed HTTP heads live only here.
//!
//! # Server (§4.2)
//!
//! ```text
//! bytes ──feed──▶ RequestParser ──▶ Partial                  (read more, feed again)
//!                               ──▶ Http(HttpRequest)         (no upgrade, no Sec-WebSocket-*: answer it yourself)
//!                               ──▶ Upgrade(UpgradeRequest) ──accept──▶ 101 bytes to send
//!                               ──▶ Err(HandshakeError) ──rejection_response──▶ 4xx bytes to send
//! then: Connection::new(Role::Server, …) and receive(parser.leftover())
//! ```
//!
//! # Client (§4.1)
//!
//! ```text
//! ClientRequest::new(url) ──url()──▶ connect to host():port() (TLS if is_secure())
//!                         ──encode──▶ request bytes to send
//!                         ──response_parser──▶ ResponseParser
//! bytes ──feed──▶ ResponseParser ──▶ Partial                       (read more, feed again)
//!                                ──▶ Accepted(AcceptedResponse)    (subprotocol, extensions)
//!                                ──▶ Err(HandshakeError)           (close the transport)
//! then: Connection::new(Role::Client, …) and receive(parser.leftover())
//! ```
//!
//! # Both sides in memory
//!
//! The bytes each side produces are what you would write to the socket; here
//! they go straight to the other side, split at an awkward place to show that
//! any split works.
//!
//! ```
//! use rfc6455::{
//!     AcceptOptions, ClientRequest, Config, Connection, Message, RequestParser, RequestStatus,
//!     ResponseStatus, Role,
//! };
//!
//! // Client: build and send the request (§4.1).
//! let request = ClientRequest::with_nonce("ws://example.com/chat", [7; 16])?.subprotocol("chat");
//! assert_eq!((request.url().host(), request.url().port()), ("example.com", 80));
//! let request_bytes = request.encode()?;
//!
//! // Server: parse it, in two reads (§4.2.1), and answer 101 (§4.2.2).
//! let mut parser = RequestParser::new();
//! assert_eq!(parser.feed(&request_bytes[..10])?, RequestStatus::Partial);
//! let RequestStatus::Upgrade(upgrade) = parser.feed(&request_bytes[10..])? else {
//!     panic!("a plain HTTP request");
//! };
//! assert_eq!(upgrade.path(), "/chat");
//! // The answer, and the extensions agreed (permessage-deflate, offered by
//! // the client and accepted by default), which the connection applies.
//! let (response_bytes, agreed) = upgrade.accept(&AcceptOptions::new().subprotocol("chat"))?.into_parts();
//! let mut server = Connection::new(Role::Server, Config::default()).with_extensions(&agreed);
//! server.receive(parser.leftover()); // frames the client sent early, if any
//!
//! // Client: verify the answer (§4.1 response steps 1–6).
//! let mut response = request.response_parser();
//! let ResponseStatus::Accepted(accepted) = response.feed(&response_bytes)? else {
//!     panic!("incomplete response");
//! };
//! assert_eq!(accepted.subprotocol(), Some("chat"));
//! assert_eq!(accepted.negotiated(), &agreed);
//! let mut client =
//!     Connection::new(Role::Client, Config::default()).with_extensions(accepted.negotiated());
//! client.receive(response.leftover());
//!
//! // The connection is open: frames flow.
//! client.send_text("hi")?;
//! server.receive(client.poll_output());
//! assert_eq!(server.poll_message()?, Some(Message::text("hi")));
//! // `?` here meets both `HandshakeError` and the connection's `Error`.
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! A request that fails §4.2.1 is an error that carries the answer to send:
//!
//! ```
//! use rfc6455::RequestParser;
//!
//! let err = RequestParser::new()
//!     .feed(b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n")
//!     .unwrap_err();
//! assert_eq!(err.status(), Some(400)); // no `Connection: Upgrade`
//! let answer = err.rejection_response().unwrap();
//! assert!(answer.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
//! ```
//!
//! What is left to the caller: the /origin/ policy (§10.2, answer 403 with
//! [`reject_response`]), which subprotocol and extensions to accept,
//! authentication (§4.1 response step 1) and TLS. [`redirect_location`]
//! resolves a redirect's target; proxies are in [`crate::proxy`].

mod accept_key;
mod client;
#[cfg(feature = "deflate")]
mod deflate;
mod error;
mod http;
mod redirect;
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
// For the proxy module's CONNECT answer, read like a handshake response.
pub(crate) use http::HeadError;
pub use redirect::{RedirectError, is_redirect, redirect_location};
pub(crate) use scan::HeadScanner;
pub use server::{
    AcceptOptions, Acceptance, RequestParser, RequestStatus, UpgradeRequest, reject_response,
};
pub use tokens::{Extension, ExtensionParam, TokenError, parse_extensions, parse_token_list};
pub use url::{UrlError, WsUrl};
