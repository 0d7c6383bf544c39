//! A sans-IO implementation of the WebSocket protocol (RFC 6455).
//!
//! The core ([`Connection`], and the opening handshake types) parses and builds
//! bytes and nothing else: it does **no networking, no blocking, and reads no
//! clock**. Bytes from the transport go in; events and bytes to write come
//! out. That makes the same core usable from blocking code, from any async
//! runtime, and from a fuzzer. The optional [`blocking`] module (default
//! feature `blocking`) drives it over any `std::io::Read + Write` stream.
//!
//! Driving a connection yourself:
//!
//! ```
//! use rfc6455::{Connection, Config, Event, Role};
//!
//! let mut conn = Connection::new(Role::Server, Config::default());
//! // A masked Text frame "Hello" from RFC 6455 §5.7, as read from a socket:
//! conn.receive(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
//! while let Some(event) = conn.poll_event()? {
//!     if let Event::Data { payload, .. } = event {
//!         assert_eq!(payload, b"Hello");
//!     }
//! }
//! conn.send_text("Hi back")?;
//! let out = conn.poll_output();       // write these bytes to the socket…
//! assert_eq!(out, b"\x81\x07Hi back");
//! let n = out.len();
//! conn.advance_output(n)?;            // …and say how many were written.
//! # Ok::<(), rfc6455::Error>(())
//! ```
//!
//! Crate layout: `frame` (header codec, masking), `handshake` (server request,
//! client response, header tokens), `connection` (state machine, reassembly,
//! UTF-8, close), `blocking` (std adapters). Everything is re-exported here.
//! RFC-NOTES.md in the repository maps each requirement of RFC 6455 to the
//! code and the test that shows it.
//!
//! The crate is `no_std` + `alloc` at heart: explicit imports keep `std::io` and
//! `std::net` out of the core by construction. `std` (default) adds OS-seeded
//! masking keys and `std::error::Error`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod config;
pub use config::Config;

mod connection;
pub use connection::close::{CloseCode, CloseFrame};
pub use connection::event::{Event, Message, MessageKind};
pub use connection::{Connection, Role, State};

mod error;
pub use error::{ApiMisuse, Error, LimitError, ProtocolError};

pub mod frame;

mod handshake;
#[cfg(feature = "std")]
pub use handshake::generate_key;
pub use handshake::{
    AcceptOptions, AcceptedResponse, ClientRequest, ErrorCause, Extension, ExtensionParam,
    HandshakeError, HandshakeLimits, Header, HttpRequest, HttpResponse, RequestParser,
    RequestStatus, ResponseParser, ResponseStatus, TokenError, UpgradeRequest, UrlError,
    WEBSOCKET_GUID, WsUrl, accept_key, encode_key, parse_extensions, parse_token_list,
    reject_response,
};

#[cfg(feature = "blocking")]
pub mod blocking;

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
