//! The async adapter for tokio (feature `tokio`): [`connect`] and [`accept`]
//! run the opening handshake and return a [`WebSocket`], which drives a
//! [`Connection`](crate::Connection) over any `AsyncRead + AsyncWrite + Unpin`
//! stream (a `TcpStream`, a TLS stream, an in-memory duplex).
//!
//! It mirrors the [`blocking`](crate::blocking) adapter and shares its types:
//! the options ([`ClientOptions`], [`ServerOptions`]), the accept callback's
//! [`Decision`], [`Keepalive`] and [`Error`] are the blocking module's own,
//! re-exported here, with the same defaults (a 10 s handshake deadline
//! answered with 408, 30 s write timeout, keepalive pinging after 20 s of
//! silence and giving up after 40 s, a 10 s close timeout). Like the blocking
//! adapter it uses only the core's public API.
//!
//! A [`WebSocket`] answers Pings and echoes a Close inside its reads, is a
//! `futures` [`Stream`](futures_core::Stream) and
//! [`Sink`](futures_sink::Sink) (for `StreamExt::split` and `forward`), and
//! [`into_split`](WebSocket::into_split)s into an owned [`ReadHalf`] and a cloneable
//! [`WriteHalf`] for many sending tasks. Its reads are **cancellation safe**:
//! a `read` dropped at any await point (a `select!` that took another branch,
//! a `tokio::time::timeout`) loses no bytes and leaves the connection usable
//! (see [`WebSocket::read`]).
//!
//! Echo server in ten lines (the README's; Pings are answered and Closes
//! echoed inside `read`):
//!
//! ```no_run
//! use rfc6455::{Message, tokio::{accept, Error}};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//!     loop {
//!         let (stream, _) = listener.accept().await?;
//!         tokio::spawn(async move {
//!             let mut ws = accept(stream).await?;
//!             loop {
//!                 match ws.read().await? {
//!                     msg @ (Message::Text(_) | Message::Binary(_)) => ws.send(msg).await?,
//!                     Message::Close(_) => return Ok::<_, Error>(()),
//!                     _ => {}
//!                 }
//!             }
//!         });
//!     }
//! }
//! ```
//!
//! Client:
//!
//! ```no_run
//! use rfc6455::{CloseCode, Message};
//!
//! # async fn run() -> Result<(), rfc6455::tokio::Error> {
//! let (mut ws, _response) = rfc6455::tokio::connect("ws://127.0.0.1:9001/").await?;
//! ws.send_text("hello").await?;
//! match ws.read().await? {
//!     Message::Text(reply) => println!("{reply}"),
//!     other => println!("{other:?}"),
//! }
//! ws.close(CloseCode::NORMAL, "bye").await?;
//! # Ok(())
//! # }
//! ```
//!
//! `wss://` URLs need the feature `tokio-rustls` (rustls with the `ring`
//! provider and Mozilla's roots); without it, [`connect`] answers them with
//! an error naming that feature. Over a TLS stream of your own, call
//! [`client_handshake`].

mod client;
mod driver;
mod io;
mod server;
mod socket;
mod split;
mod stream;
#[cfg(feature = "tokio-rustls")]
mod tls;
mod transport;

pub use crate::blocking::{ClientOptions, Decision, Error, Keepalive, ServerOptions};
pub use client::{client_handshake, connect, connect_with};
pub use server::{Accepted, accept, accept_with};
pub use socket::WebSocket;
pub use split::{ReadHalf, WriteHalf};
pub use transport::MaybeTlsStream;
