//! Entry points for the fuzz targets in `fuzz/fuzz_targets/` and for this
//! crate's `tests/fuzz_corpus.rs`, which replays the committed corpus through
//! the same functions on stable (`cargo test --workspace`).
//!
//! A workspace member that is never published, so none of this (with its
//! `expect`s and `panic!`s by design) is compiled into users' builds. It uses
//! rfc6455's public API plus one hook, the handshake parsers'
//! `bytes_scanned` counters, which rfc6455's non-default `fuzzing` feature
//! makes public.
//!
//! Every entry point takes raw bytes and panics when an invariant breaks. The
//! structured targets decode their bytes with a small hand-written reader
//! rather than with `arbitrary`: a hand-written format has an inverse
//! ([`frame_input`], [`ops_input`], [`roundtrip_input`], [`proxy_input`],
//! [`proxy_env_input`], [`redirect_input`]), so the seed corpora
//! are written by a test and stay valid across dependency upgrades.
//!
//! Adding a target is two lines here (the function and its row in
//! [`TARGETS`]) plus its file in `fuzz/fuzz_targets/`.
//!
//! Layout: `input` (the byte reader, generated text), `receiver` (the polling
//! loop and the checks every target shares), `touch` (every public accessor of
//! what the targets parse or receive: the rule in `fuzz/README.md`), `wire`
//! (an independent parser of what the crate writes), `touch_proxy` and
//! `proxy_model` (the proxy and redirect targets' touches, and a model of
//! CONNECT and SOCKS5 from the RFCs), then one file per target.

mod deflate;
mod frames;
mod handshake;
mod inflate;
mod input;
mod ops;
mod proxy;
mod proxy_env;
mod proxy_model;
mod receiver;
mod redirect;
mod roundtrip;
mod touch;
mod touch_proxy;
mod wire;

pub use deflate::{THRESHOLDS, deflate_input};
pub use frames::{DEFLATE_LIMITS, LIMITS, flags, frame_input};
pub use inflate::deflate_zeros;
pub use ops::{FRAGMENT_SIZES, Op, ops_input};
pub use proxy::{BODY_LIMITS, HEAD_LIMITS, HEADER_LIMITS, ProxyCase, proxy_input};
pub use proxy_env::{ENV_VARS, EnvCase, proxy_env_input};
pub use redirect::{REDIRECT_BASES, REDIRECT_STATUSES, RedirectCase, redirect_input};
pub use roundtrip::{READ_SIZES, RoundtripMessage, roundtrip_input};

use rfc6455::Role;

/// A fuzz target: bytes in, a panic if an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target by name: the directory names under `fuzz/corpus/` and `fuzz/artifacts/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("frame_server", frame_server),
    ("frame_client", frame_client),
    ("connection_ops", connection_ops),
    ("roundtrip", roundtrip),
    ("handshake_request", handshake_request),
    ("handshake_response", handshake_response),
    ("frame_deflate_server", frame_deflate_server),
    ("frame_deflate_client", frame_deflate_client),
    ("roundtrip_deflate", roundtrip_deflate),
    ("proxy_negotiation", proxy_negotiation),
    ("proxy_url_env", proxy_url_env),
    ("redirect_location", redirect_location),
];

/// Arbitrary bytes from a client, into a server; see [`frame_input`] for the
/// layout. Checks: no panic; one error at most, after which (and after EOF
/// or the peer's Close) nothing more is delivered or written; the Close
/// carries the error's code or echoes the peer's; memory within the limits
/// plus one read; work linear in the input; reading in chunks, streamed,
/// gives what one read of whole messages gives.
pub fn frame_server(data: &[u8]) {
    frames::run(Role::Server, data, false);
}

/// [`frame_server`] for the other direction: a server's bytes into a client.
pub fn frame_client(data: &[u8]) {
    frames::run(Role::Client, data, false);
}

/// [`frame_server`] with permessage-deflate (RFC 7692) agreed: the input
/// starts with three bytes of parameters ([`deflate_input`]: window bits
/// 8–15 and context takeover each way, level, memory level, threshold),
/// then a [`frame_input`] (whose limits byte indexes [`DEFLATE_LIMITS`]). Checks, besides [`frame_server`]'s (less the
/// frame decoder alone): decompressed bytes count against the limits as
/// they stream in; memory stays within the limits plus one step of output
/// (and, streamed, never holds a message); every compressed message
/// delivered is what an independent DEFLATE decoder (`inflate.rs`) makes
/// of the wire, and one refused as invalid data is one that decoder
/// refuses too.
pub fn frame_deflate_server(data: &[u8]) {
    frames::run(Role::Server, data, true);
}

/// [`frame_deflate_server`] for the other direction: a server's bytes into a client.
pub fn frame_deflate_client(data: &[u8]) {
    frames::run(Role::Client, data, true);
}

/// API calls on a client and a server interleaved with delivery of their
/// output in arbitrary slices; see [`ops_input`]. Checks every call's result
/// against a model, that each side receives exactly what the other sent, in
/// order, that Pings are answered, that nothing follows a Close on the wire,
/// and that both Closes leave both sides Closed.
pub fn connection_ops(data: &[u8]) {
    ops::run(data);
}

/// Generated messages sent by one role (whole, split by `fragment_size`, or
/// by `send_fragment` with Pings between), checked frame by frame against an
/// independent parser, then decoded by the other role from reads of one size;
/// see [`roundtrip_input`].
pub fn roundtrip(data: &[u8]) {
    roundtrip::run(data, false);
}

/// [`roundtrip`] with permessage-deflate agreed by both sides: three bytes
/// of parameters ([`deflate_input`]), then a [`roundtrip_input`]. Also
/// checks that exactly the right messages are compressed (RSV1 on their
/// first frame only), that the sender's DEFLATE keeps to the agreed window
/// and context takeover and ends each message on a block boundary (read by
/// the independent decoder), and that the receiver gets every message back.
pub fn roundtrip_deflate(data: &[u8]) {
    roundtrip::run(data, true);
}

/// Arbitrary bytes into the server's `RequestParser`, split by the first byte.
/// Checks: no panic; work linear in the input; every rejection answers with a
/// 4xx; every accepted request gets a 101 that our own client verifies.
pub fn handshake_request(data: &[u8]) {
    handshake::run_request(data);
}

/// Arbitrary bytes into the client's `ResponseParser` (after a split byte and
/// a byte choosing the offers). Checks: no panic; work linear; an accepted
/// response names only what was offered.
pub fn handshake_response(data: &[u8]) {
    handshake::run_response(data);
}

/// A CONNECT or SOCKS5 negotiation (made directly, or from a parsed or built
/// `ProxyUrl`) fed a proxy's answer in chunks while its output is taken in
/// pieces; see [`proxy_input`]. Checks: no panic; everything written is
/// exactly the messages an independent model (RFC 9110 §9.3.6, RFC 1928,
/// RFC 1929) queues for the answer so far; the outcome (open, the specific
/// error, pending) is the model's; the leftover is exactly the bytes after
/// the answer's end (the SOCKS5 reply's length from ATYP, the head's empty
/// line); a refusal keeps its status and body within `max_body_bytes`;
/// after the end every feed says `Finished` and the leftover stays.
pub fn proxy_negotiation(data: &[u8]) {
    proxy::run(data);
}

/// `ProxyUrl::parse` on fuzzed text (its `Display` hides the password and
/// parses back to the same URL), `no_proxy_matches` (`*`, case, a name
/// matching itself and the names below it) and `proxy_from_env` with fuzzed
/// variables (their documented order, the CGI rule, `no_proxy` first, only
/// known variables read); see [`proxy_env_input`].
pub fn proxy_url_env(data: &[u8]) {
    proxy_env::run(data);
}

/// `redirect_location` on a base URL and a redirect's `Location`; see
/// [`redirect_input`]. Checks: no panic; the result is a URL the client
/// accepts, in normal form, resolving to itself again, never `wss` to `ws`;
/// a relative reference keeps the origin and loses its dot segments.
pub fn redirect_location(data: &[u8]) {
    redirect::run(data);
}
