//! The tokio adapter (issue #15) over loopback TCP and in-memory duplex
//! streams: echo round trips, `Stream`/`Sink` with `split` and `forward`,
//! split halves with a cloned writer on many tasks, keepalive, the handshake
//! deadline, closing against a silent peer, bad handshakes, and the
//! cancellation property of `read`.
//!
//! Every wait is bounded ([`support::TIMEOUT`]), so a bug fails a test
//! instead of hanging CI. Tests that wait for timers run on tokio's paused
//! clock where they can, so they take no wall time.
#![cfg(feature = "tokio")]

mod cancel;
mod closing;
mod echo;
mod handshake;
mod keepalive;
mod split;
mod support;
