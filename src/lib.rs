//! A sans-IO implementation of the WebSocket protocol (RFC 6455).
//!
//! The core ([`Connection`], and the opening handshake types) parses and builds
//! bytes and nothing else: it does **no networking, no blocking, and reads no
//! clock**. Bytes from the transport go in; events and bytes to write come
//! out. That makes the same core usable from blocking code, from any async
//! runtime, and from a fuzzer. The optional [`blocking`] module (default
//! feature `blocking`) drives it over any `std::io::Read + Write` stream, and
//! the `tokio` module (feature `tokio`) over any tokio
//! `AsyncRead + AsyncWrite` stream.
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
//! # Crate layout
//!
//! The types most programs need are re-exported here at the root: the
//! [`Connection`] and its [`Config`], [`Role`], [`Event`], [`Message`] (with
//! [`MessageKind`] and [`CloseFrame`], which their variants carry),
//! [`CloseCode`], [`Error`], and the opening handshake's parsers, builders and
//! [`HandshakeError`]. The modules hold the rest:
//!
//! - [`handshake`]: the opening handshake (§4) with its guide and flow
//!   diagrams; also the header grammar helpers, the parsed HTTP heads,
//!   [`handshake::HandshakeLimits`] and the accept-key functions.
//! - [`connection`]: the per-connection state machine (§5–§8), its
//!   [`connection::State`] and the event and message types.
//! - [`error`]: [`Error`] and its sub-kinds by cause
//!   ([`error::ProtocolError`], [`error::LimitError`], [`error::ApiMisuse`]).
//! - [`frame`]: the frame decoder (header codec and payload unmasking) and
//!   masking (§5.2, §5.3), for code
//!   that writes its own frame loop; a [`Connection`] does all of it for you.
//!   Not re-exported at the root.
//! - [`extension`]: the extensions the handshake agrees and a connection
//!   applies ([`extension::Negotiated`]); permessage-deflate's settings and
//!   parameters (feature `deflate`, on by default).
//! - [`blocking`] (feature `blocking`): adapters over `std::io` streams.
//! - `tokio` (feature `tokio`): the async adapter over tokio, which shares
//!   the blocking adapter's option and error types.
//!
//! The layers depend one way: [`error`] ← [`frame`] ← [`connection`] ←
//! adapters ([`blocking`], `tokio`), with [`handshake`] beside `connection` (neither
//! uses the other; an adapter joins them) and [`extension`] below both. Inside the crate every module
//! imports from the defining module, never through these root re-exports
//! (`tests/layering.rs` checks both).
//!
//! RFC-NOTES.md in the repository maps each requirement of RFC 6455 to the
//! code and the test that shows it.
//!
//! The crate is `no_std` + `alloc` at heart: explicit imports keep `std::io` and
//! `std::net` out of the core by construction. `std` (default) adds OS-seeded
//! masking keys. Every error type implements `core::error::Error`, with or
//! without `std`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod config;
pub use config::Config;

pub mod connection;
pub use connection::{CloseCode, CloseFrame, Connection, Event, Message, MessageKind, Role};

pub mod error;
pub use error::Error;

pub mod extension;

pub mod frame;

pub mod handshake;
pub use handshake::{
    AcceptOptions, AcceptedResponse, ClientRequest, HandshakeError, RequestParser, RequestStatus,
    ResponseParser, ResponseStatus, UpgradeRequest,
};

#[cfg(feature = "blocking")]
pub mod blocking;

#[cfg(feature = "tokio")]
pub mod tokio;

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
