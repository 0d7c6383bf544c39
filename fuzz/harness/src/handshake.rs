//! The handshake targets: arbitrary bytes into the server's request parser and
//! the client's response parser, split at fuzzer-chosen points.
//!
//! Input layout: one byte of split sizes (high nibble, low nibble; 0 means
//! "the rest"), then the bytes to feed.

use std::vec::Vec;

use super::input::Input;
use super::touch;
use rfc6455::extension::{DeflateConfig, DeflateParams};
use rfc6455::handshake::HandshakeLimits;
use rfc6455::{
    AcceptOptions, ClientRequest, RequestParser, RequestStatus, ResponseParser, ResponseStatus,
};

/// Work allowed per input byte, plus a constant: the parsers scan each byte
/// once and parse the head once (CVE-2023-43669 was a re-parse per byte).
fn assert_linear(scanned: usize, fed: usize) {
    assert!(
        scanned <= 2 * fed + 64,
        "scanned {scanned} bytes for {fed} fed"
    );
}

/// Cuts `data` into the pieces the split byte asks for.
fn pieces(split: u8, data: &[u8]) -> Vec<&[u8]> {
    let sizes = [usize::from(split >> 4), usize::from(split & 0xF)];
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = match sizes[i % 2] {
            0 => rest.len(),
            n => n.min(rest.len()),
        };
        out.push(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    out
}

/// Small limits half the time, so the 431 paths are reached.
fn limits(split: u8) -> HandshakeLimits {
    let mut limits = HandshakeLimits::default();
    if split & 0x11 == 0x11 {
        limits.max_head_bytes = 512;
        limits.max_headers = 8;
    }
    limits
}

pub(super) fn run_request(data: &[u8]) {
    let mut input = Input(data);
    let split = input.byte();
    let data = input.0;
    let mut parser = RequestParser::with_limits(limits(split));
    let mut fed = 0;
    for piece in pieces(split, data) {
        fed += piece.len();
        match parser.feed(piece) {
            Ok(RequestStatus::Partial) => continue,
            Ok(RequestStatus::Http(request)) => {
                assert!(request.head_len() <= fed);
                touch::http_request(&request);
                break;
            }
            Ok(RequestStatus::Upgrade(request)) => {
                assert!(request.head_len() <= fed);
                touch::upgrade_request(&request);
                // Whatever we accept, our own client must verify: the answer
                // to an accepted request is a valid §4.2.2 response.
                let mut options = AcceptOptions::new();
                if let Some(p) = request.subprotocols().first() {
                    options = options.subprotocol(p);
                }
                let acceptance = request
                    .accept(&options)
                    .expect("accepting an offered subprotocol");
                touch::acceptance(&acceptance);
                let mut client = ResponseParser::new(request.key())
                    .with_subprotocols(request.subprotocols())
                    .with_extensions(request.extensions().iter().map(|e| e.name()))
                    .with_deflate(Some(DeflateConfig::default()));
                match client.feed(acceptance.response()) {
                    Ok(ResponseStatus::Accepted(a)) => {
                        touch::accepted_response(&a);
                        assert_eq!(
                            a.subprotocol(),
                            request.subprotocols().first().map(|s| s.as_str())
                        );
                        // Whatever the offers, the client reads the
                        // server's permessage-deflate answer as the server
                        // meant it.
                        let ours = acceptance.negotiated().deflate();
                        let theirs = a.negotiated().deflate();
                        let wire = |p: &DeflateParams| {
                            (p.server_no_context_takeover(), p.server_max_window_bits())
                        };
                        assert_eq!(ours.map(wire), theirs.map(wire));
                    }
                    other => panic!("our own 101 was not accepted: {other:?}"),
                }
                break;
            }
            Err(e) => {
                touch::handshake_error(&e);
                // Server-side errors carry an answer that starts like HTTP.
                if let Some(answer) = e.rejection_response() {
                    assert!(answer.starts_with(b"HTTP/1.1 4"), "{e:?}");
                }
                break;
            }
        }
    }
    assert_linear(parser.bytes_scanned(), fed);
    let _ = parser.leftover();
}

pub(super) fn run_response(data: &[u8]) {
    let mut input = Input(data);
    let split = input.byte();
    let offers = input.byte();
    let data = input.0;
    let mut request =
        ClientRequest::with_nonce("ws://example.com/chat", [7; 16]).expect("valid URL");
    if offers & 1 != 0 {
        request = request.subprotocol("chat").subprotocol("superchat");
    }
    if offers & 2 != 0 {
        // By hand: replaces the built-in offer, and stays opaque.
        request = request.extension(rfc6455::handshake::Extension::new("permessage-deflate"));
    }
    // The built-in permessage-deflate offer (on by default) only with bit 2.
    let built_in = offers & 4 != 0;
    if !built_in {
        request = request.deflate(None);
    }
    let mut parser = request.response_parser().with_limits(limits(split));
    let mut fed = 0;
    for piece in pieces(split, data) {
        fed += piece.len();
        match parser.feed(piece) {
            Ok(ResponseStatus::Partial) => continue,
            Ok(ResponseStatus::Accepted(a)) => {
                touch::response_status(&ResponseStatus::Accepted(a.clone()));
                assert_eq!(a.response().status(), 101);
                if let Some(p) = a.subprotocol() {
                    assert!(offers & 1 != 0 && (p == "chat" || p == "superchat"));
                }
                assert!(a.extensions().is_empty() || offers & 6 != 0);
                // Parameters only for the built-in offer, never for one by hand.
                let agreed = a.negotiated().deflate().is_some();
                assert!(
                    !agreed || (built_in && offers & 2 == 0),
                    "{:?}",
                    a.negotiated()
                );
                break;
            }
            Err(e) => {
                touch::handshake_error(&e);
                assert!(
                    e.status().is_none(),
                    "client errors have no HTTP answer: {e:?}"
                );
                break;
            }
        }
    }
    assert_linear(parser.bytes_scanned(), fed);
    let _ = parser.leftover();
}
