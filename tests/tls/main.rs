//! TLS for the blocking adapters (feature `rustls`, issue #14): our client
//! and our server over `wss://` with certificates made here (a test CA and
//! certificates it signs, by rcgen), `split` over TLS, the certificate
//! failures (another host, expired, unknown CA), the handshake deadline
//! against a silent TLS peer, truncation versus `close_notify`, and the
//! roots added by `SSL_CERT_FILE`.
//!
//! Loopback only; every socket has a timeout and every wait a bound.
#![cfg(feature = "rustls")]

mod cert_file;
mod certificates;
mod deadlines;
mod sessions;
mod support;
#[cfg(feature = "tokio-rustls")]
mod tokio;
