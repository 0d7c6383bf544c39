//! Blocking adapters over `std::io` streams (feature `blocking`, on by default).
//!
//! [`connect`] and [`accept`] run the opening handshake and return a
//! [`WebSocket`], which drives a [`Connection`](crate::Connection) over any
//! `Read + Write` stream: a `TcpStream`, a TLS stream, anything. The adapters use
//! only the core's public API, the same one an async runtime would.
//!
//! With the `rustls` feature, [`connect`] also takes `wss://` URLs (see
//! `ClientOptions::tls`), and `TlsStream` serves TLS to [`accept`] and
//! splits like a `TcpStream`.
//!
//! Every wait has a deadline by default over a `TcpStream` (the opening
//! handshake 10 s, `close` 10 s, a server's writes 30 s), set through the
//! stream's timeouts ([`Timeouts`]); another stream implements [`Timeouts`]
//! and bounds its own reads and writes as described there.
//!
//! Echo server in ten lines (Pings are answered inside `read`):
//!
//! ```no_run
//! use std::net::TcpListener;
//! use rfc6455::{blocking, Message};
//!
//! for stream in TcpListener::bind("127.0.0.1:9001")?.incoming() {
//!     std::thread::spawn(move || -> Result<(), blocking::Error> {
//!         let mut ws = blocking::accept(stream?)?;
//!         loop {
//!             match ws.read()? {
//!                 msg @ (Message::Text(_) | Message::Binary(_)) => ws.send(msg)?,
//!                 Message::Close(_) => return Ok(()),
//!                 _ => {}
//!             }
//!         }
//!     });
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Client in ten lines:
//!
//! ```no_run
//! use rfc6455::{blocking, CloseCode, Message};
//!
//! let (mut ws, _response) = blocking::connect("ws://127.0.0.1:9001/")?;
//! ws.send_text("hello")?;
//! match ws.read()? {
//!     Message::Text(reply) => println!("{reply}"),
//!     other => println!("{other:?}"),
//! }
//! ws.close(CloseCode::NORMAL, "bye")?;
//! # Ok::<(), blocking::Error>(())
//! ```

mod client;
mod driver;
mod error;
mod proxy;
pub(crate) mod redirects;
pub(crate) mod server;
mod socket;
mod split;
mod stream;
#[cfg(feature = "rustls")]
mod tls;
// pub(crate): the tokio adapter's wss:// uses the same config and checks.
#[cfg(feature = "rustls")]
pub(crate) mod tls_client;
#[cfg(feature = "rustls")]
mod tls_session;
mod transport;

pub use client::{ClientOptions, client_handshake, connect, connect_with};
pub use error::Error;
pub use proxy::Proxy;
pub use server::{Accepted, Decision, ServerOptions, accept, accept_with};
pub use socket::{Keepalive, WebSocket};
pub use split::{ReadHalf, TryClone, WriteHalf};
pub use stream::ClientStream;
#[cfg(feature = "rustls")]
pub use tls::TlsStream;
#[cfg(feature = "rustls")]
pub use tls_client::crypto_provider;
pub use transport::Timeouts;
