//! The handshake parsers do work linear in their input, fed one byte at a
//! time (CVE-2023-43669 was a re-parse per byte in tungstenite). Measured
//! with the parsers' `bytes_scanned` counters, which only the `fuzzing`
//! feature of rfc6455 makes public; so these tests live here, beside the
//! fuzz harness that enables it, rather than in rfc6455's tests/.

use rfc6455::handshake::HandshakeLimits;
use rfc6455::{HandshakeError, RequestParser, RequestStatus, ResponseParser, ResponseStatus};

/// 64 KiB of header fields, one byte per feed: linear work either way.
fn big_request() -> Vec<u8> {
    let mut input = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
    while input.len() < 64 * 1024 {
        input.extend_from_slice(b"X-Filler: abcdefghijklmnopqrstuvwxyz\r\n");
    }
    input.extend_from_slice(b"\r\n");
    input
}

#[test]
fn byte_at_a_time_64k_rejected_with_linear_work() {
    let input = big_request();
    let mut p = RequestParser::new();
    let mut result = Ok(RequestStatus::Partial);
    for b in &input {
        result = p.feed(std::slice::from_ref(b));
        if !matches!(result, Ok(RequestStatus::Partial)) {
            break;
        }
    }
    assert_eq!(
        result,
        Err(HandshakeError::RequestTooLarge { limit: 16384 })
    );
    assert!(
        p.bytes_scanned() <= 2 * input.len(),
        "{}",
        p.bytes_scanned()
    );
}

#[test]
fn byte_at_a_time_64k_accepted_with_linear_work() {
    let input = big_request();
    let limits = HandshakeLimits {
        max_head_bytes: 128 * 1024,
        max_headers: 4096,
        ..Default::default()
    };
    let mut p = RequestParser::with_limits(limits);
    let mut last = None;
    for b in &input {
        match p.feed(std::slice::from_ref(b)).unwrap() {
            RequestStatus::Partial => {}
            done => last = Some(done),
        }
    }
    assert!(matches!(last, Some(RequestStatus::Http(ref r)) if r.headers().len() > 1700));
    assert!(
        p.bytes_scanned() <= 2 * input.len(),
        "{}",
        p.bytes_scanned()
    );

    let mut response = b"HTTP/1.1 200 OK\r\n".to_vec();
    response.extend_from_slice(&input[input.iter().position(|&b| b == b'\n').unwrap() + 1..]);
    let mut c = ResponseParser::new("k").with_limits(limits);
    let mut result = Ok(ResponseStatus::Partial);
    for b in &response {
        result = c.feed(std::slice::from_ref(b));
        if !matches!(result, Ok(ResponseStatus::Partial)) {
            break;
        }
    }
    assert!(matches!(result, Err(HandshakeError::UnexpectedStatus(ref r)) if r.status() == 200));
    assert!(
        c.bytes_scanned() <= 2 * response.len(),
        "{}",
        c.bytes_scanned()
    );
}
