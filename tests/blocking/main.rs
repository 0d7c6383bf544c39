//! The blocking adapters over real loopback TCP (issue #4): every message kind
//! and size edge, ping/pong, streaming, closing from either side, rejected and
//! malformed handshakes, timeouts that resume mid-frame, split halves on two
//! threads, plain HTTP on the WebSocket port, keepalive and slowloris.
//!
//! Each test runs its own server thread on `127.0.0.1:0`. Every socket has a
//! timeout ([`TIMEOUT`]) and every loop a bound, so a bug fails a test instead
//! of hanging CI. Threads synchronise through channels, never through sleeps;
//! short socket timeouts are only used to provoke a timeout error, and no test
//! asserts on how long anything took.

mod closing;
mod deadlines;
mod errors;
mod handshake;
mod http_keepalive;
mod keepalive;
mod lending;
mod messages;
mod regressions;
mod silent_peers;
mod split;
mod support;
mod timeouts;
