//! permessage-deflate (RFC 7692): this side's settings ([`DeflateConfig`]),
//! the agreed parameters ([`DeflateParams`]), the parameter grammar of §7.1,
//! and the compressor and decompressor (`codec`).
//!
//! Negotiation itself (which offer to accept, whether a response is valid)
//! is in `handshake::deflate`, next to the header parsing it uses.

pub(crate) mod codec;
mod params;

pub(crate) use params::{Params, parse_params};

/// The extension token (RFC 7692 §7).
pub(crate) const EXTENSION_NAME: &str = "permessage-deflate";

/// The smallest window zlib compresses with: 2^9 bytes. A 256-byte window (8)
/// is valid on the wire (§7.1.2), but zlib has never made one (it used 9 when
/// asked for 8, and zlib-rs refuses 8 for raw DEFLATE). A side limited to 8
/// compresses with 9 all the same, as zlib-based peers (Node's `ws`,
/// Chromium) do: a zlib compressor never refers further back than its window
/// minus `MIN_LOOKAHEAD` (262 bytes), which for 9 bits is 250 bytes, within
/// the 256 the peer's decompressor keeps (`codec::tests` checks it).
pub(crate) const MIN_COMPRESS_WINDOW_BITS: u8 = 9;

/// This side's permessage-deflate policy: what it offers or accepts, and how
/// it compresses. Every setting has a default chosen for memory first.
///
/// The names follow RFC 7692 §7.1: `server_*` settings are about the
/// server's compressor (what the client receives), `client_*` about the
/// client's. The same value serves both roles: a client turns it into
/// offers ([`ClientRequest::deflate`](crate::ClientRequest::deflate)), a
/// server into the answer to an offer
/// ([`AcceptOptions::deflate`](crate::AcceptOptions::deflate)).
///
/// ```
/// use rfc6455::extension::DeflateConfig;
///
/// // Smallest memory: a 512-byte window each way and no context kept
/// // between messages, so nothing is held while the connection is idle.
/// let lean = DeflateConfig::default()
///     .server_max_window_bits(9)
///     .client_max_window_bits(9)
///     .server_no_context_takeover(true)
///     .client_no_context_takeover(true);
/// assert_eq!(lean.get_server_max_window_bits(), 9);
/// ```
///
/// # Memory per connection
///
/// Measured with a counting allocator (zlib-rs 0.6; BENCHMARKS.md has the
/// full table): a compressor costs about 165 KiB with the defaults (zlib-rs
/// keeps a fixed 128 KiB hash table; the window adds `2^(window_bits + 1)`
/// and `mem_level` `7 * 2^(mem_level + 6)` bytes), a decompressor about
/// 46 KiB. Each is allocated when the first compressed message goes out or
/// comes in.
///
/// - Context takeover (the default): both are kept while messages flow
///   (about 238 KiB for a server that has sent and received),
///   and freed by [`Connection::shrink_buffers`](crate::Connection::shrink_buffers),
///   which keeps only the last window of each direction (2 × 4 KiB by
///   default) to rebuild them from. The blocking adapters call it when
///   keepalive finds the connection silent.
/// - No context takeover: each is freed after its message, so an idle
///   connection holds nothing for compression, and every message pays for
///   allocating (and zeroing) its state; messages also compress worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateConfig {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: u8,
    client_max_window_bits: u8,
    level: u8,
    mem_level: u8,
    threshold: usize,
}

impl Default for DeflateConfig {
    /// Context takeover both ways, 4 KiB windows (12 bits) both ways,
    /// compression level 6, memory level 5, every message compressed.
    ///
    /// The window and memory level are Python `websockets`' defaults, chosen
    /// there for memory: with zlib-rs, 15 and 8 cost about 500 KiB per busy
    /// connection, these about 240 KiB (8 KiB once idle), with little loss on
    /// messages of a few KiB.
    fn default() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 12,
            client_max_window_bits: 12,
            level: 6,
            mem_level: 5,
            threshold: 0,
        }
    }
}

impl DeflateConfig {
    /// Whether the server compresses each message on its own (§7.1.1.1).
    /// Default `false`.
    ///
    /// A client asks for it in its offer (and fails the handshake if the
    /// server does not agree); a server always answers with it. Either way the
    /// client's decompressor is freed after each message.
    pub fn server_no_context_takeover(mut self, on: bool) -> Self {
        self.server_no_context_takeover = on;
        self
    }

    /// Whether the client compresses each message on its own (§7.1.1.2).
    /// Default `false`.
    ///
    /// A client declares it in its offer and keeps to it; a server answers
    /// with it, so the client must. Either way the server's decompressor is
    /// freed after each message.
    pub fn client_no_context_takeover(mut self, on: bool) -> Self {
        self.client_no_context_takeover = on;
        self
    }

    /// The largest LZ77 window of the server's compressor, as a power of two
    /// (§7.1.2.1), clamped to 8..=15. Default 12 (4 KiB).
    ///
    /// A client asks for it in its first offer (a second offer without it
    /// follows, for servers that cannot limit their window). A server
    /// compresses with at most this, and says so in its answer.
    pub fn server_max_window_bits(mut self, bits: u8) -> Self {
        self.server_max_window_bits = bits.clamp(8, 15);
        self
    }

    /// The largest LZ77 window of the client's compressor, as a power of two
    /// (§7.1.2.2), clamped to 8..=15. Default 12 (4 KiB).
    ///
    /// A client offers it (and compresses with at most this); a server asks
    /// for it when the client's offer says it supports the parameter.
    pub fn client_max_window_bits(mut self, bits: u8) -> Self {
        self.client_max_window_bits = bits.clamp(8, 15);
        self
    }

    /// The zlib compression level, 0 (store) to 9 (smallest), clamped.
    /// Default 6. Not negotiated: each side picks its own.
    pub fn compression_level(mut self, level: u8) -> Self {
        self.level = level.min(9);
        self
    }

    /// zlib's `memLevel`, 1 to 9, clamped: sizes the compressor's symbol
    /// buffers, `7 * 2^(mem_level + 6)` bytes. Default 5 (14 KiB); zlib's
    /// default 8 takes 112 KiB for a slightly better ratio. Not negotiated.
    pub fn mem_level(mut self, level: u8) -> Self {
        self.mem_level = level.clamp(1, 9);
        self
    }

    /// Messages shorter than this many bytes are sent uncompressed (RSV1
    /// clear; §6 lets each message choose). Default 0: every message is
    /// compressed, as browsers and Python `websockets` do. Node's `ws` uses
    /// 1024. Streamed messages ([`Connection::send_fragment`](crate::Connection::send_fragment))
    /// are always compressed, as their length is not known up front.
    pub fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// See [`DeflateConfig::server_no_context_takeover`].
    pub fn get_server_no_context_takeover(&self) -> bool {
        self.server_no_context_takeover
    }

    /// See [`DeflateConfig::client_no_context_takeover`].
    pub fn get_client_no_context_takeover(&self) -> bool {
        self.client_no_context_takeover
    }

    /// See [`DeflateConfig::server_max_window_bits`].
    pub fn get_server_max_window_bits(&self) -> u8 {
        self.server_max_window_bits
    }

    /// See [`DeflateConfig::client_max_window_bits`].
    pub fn get_client_max_window_bits(&self) -> u8 {
        self.client_max_window_bits
    }

    /// See [`DeflateConfig::compression_level`].
    pub fn get_compression_level(&self) -> u8 {
        self.level
    }

    /// See [`DeflateConfig::mem_level`].
    pub fn get_mem_level(&self) -> u8 {
        self.mem_level
    }

    /// See [`DeflateConfig::threshold`].
    pub fn get_threshold(&self) -> usize {
        self.threshold
    }
}

/// The permessage-deflate parameters a handshake agreed on (RFC 7692 §7.1),
/// with this side's own compression settings. Made by the handshake
/// ([`Negotiated::deflate`](super::Negotiated::deflate)), or by
/// [`DeflateParams::new`] for a connection set up some other way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: u8,
    client_max_window_bits: u8,
    level: u8,
    mem_level: u8,
    threshold: usize,
}

impl DeflateParams {
    /// Parameters exactly as `config` states them, as if the peer had agreed
    /// to all of it. For connections whose handshake happened elsewhere (both
    /// sides must use the same values) and for tests.
    pub fn new(config: &DeflateConfig) -> Self {
        Self {
            server_no_context_takeover: config.server_no_context_takeover,
            client_no_context_takeover: config.client_no_context_takeover,
            server_max_window_bits: config.server_max_window_bits,
            client_max_window_bits: config.client_max_window_bits,
            level: config.level,
            mem_level: config.mem_level,
            threshold: config.threshold,
        }
    }

    /// Agreed parameters with `config`'s local settings (level, memory,
    /// threshold).
    pub(crate) fn agreed(config: &DeflateConfig, wire: &Params) -> Self {
        Self {
            server_no_context_takeover: wire.server_no_context_takeover,
            client_no_context_takeover: wire.client_no_context_takeover,
            server_max_window_bits: wire.server_max_window_bits.unwrap_or(15),
            client_max_window_bits: match wire.client_max_window_bits {
                Some(Some(bits)) => bits,
                _ => 15,
            },
            level: config.level,
            mem_level: config.mem_level,
            threshold: config.threshold,
        }
    }

    /// Whether the server compresses each message on its own (§7.1.1.1).
    pub fn server_no_context_takeover(&self) -> bool {
        self.server_no_context_takeover
    }

    /// Whether the client compresses each message on its own (§7.1.1.2).
    pub fn client_no_context_takeover(&self) -> bool {
        self.client_no_context_takeover
    }

    /// The largest window of the server's compressor, 8..=15 (§7.1.2.1).
    pub fn server_max_window_bits(&self) -> u8 {
        self.server_max_window_bits
    }

    /// The largest window of the client's compressor, 8..=15 (§7.1.2.2).
    pub fn client_max_window_bits(&self) -> u8 {
        self.client_max_window_bits
    }

    /// This side's compressor: window bits (8 becomes 9, see
    /// `MIN_COMPRESS_WINDOW_BITS`), and whether to drop its context after
    /// each message.
    pub(crate) fn sending(&self, is_server: bool) -> (u8, bool) {
        let (bits, reset) = if is_server {
            (self.server_max_window_bits, self.server_no_context_takeover)
        } else {
            (self.client_max_window_bits, self.client_no_context_takeover)
        };
        (bits.max(MIN_COMPRESS_WINDOW_BITS), reset)
    }

    /// The peer's compressor, which this side's decompressor must match.
    pub(crate) fn receiving(&self, is_server: bool) -> (u8, bool) {
        if is_server {
            (self.client_max_window_bits, self.client_no_context_takeover)
        } else {
            (self.server_max_window_bits, self.server_no_context_takeover)
        }
    }

    pub(crate) fn level(&self) -> u8 {
        self.level
    }

    pub(crate) fn mem_level(&self) -> u8 {
        self.mem_level
    }

    pub(crate) fn threshold(&self) -> usize {
        self.threshold
    }
}
