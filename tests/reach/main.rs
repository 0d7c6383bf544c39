//! The blocking client's reach (issue #14): through HTTP CONNECT and SOCKS5
//! proxies written here (checking what they received, credentials
//! included), their refusals, and redirects followed, limited and refused.
//!
//! Loopback only, each test on its own ports; every socket has a timeout
//! and every loop a bound. The real tinyproxy and microsocks are exercised
//! by `scripts/reach.sh`.
#![cfg(feature = "blocking")]

mod proxy;
mod redirect;
mod support;
#[cfg(feature = "tokio")]
mod tokio;
