//! Every public accessor, `Display` and `Debug` of each type a target parses
//! or receives, called once per value (the rule in `fuzz/README.md`: a new
//! public accessor on one of these types gets its call here). Accessors that
//! panic are what these calls find; where two accessors must agree, the
//! agreement is asserted too.

use std::error::Error as _;
use std::format;

use rfc6455::extension::{DeflateConfig, DeflateParams, Negotiated};
use rfc6455::handshake::{
    Acceptance, Extension, Header, HttpRequest, HttpResponse, TokenError, parse_extensions,
    parse_token_list,
};
use rfc6455::{
    AcceptedResponse, CloseCode, CloseFrame, Error, Event, HandshakeError, Message, ResponseParser,
    ResponseStatus, UpgradeRequest,
};

/// Names looked up on every parsed head: the handshake's own fields, a
/// missing one, and (by the callers) the first field actually received.
const LOOKUPS: &[&str] = &[
    "Host",
    "upgrade",
    "CONNECTION",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Sec-WebSocket-Accept",
    "Origin",
    "X-Absent",
];

pub(crate) fn debug(value: &impl core::fmt::Debug) {
    let _ = format!("{value:?}");
}

/// Payloads larger than this are not formatted: a decompressed message can
/// be megabytes, and formatting it finds nothing that a small one does not.
const DEBUG_PAYLOAD: usize = 64 * 1024;

fn header(h: &Header) {
    debug(h);
    assert_eq!(&Header::new(&h.name, &h.value), h);
    let _ = parse_token_list(&h.value).map_err(|e| token_error(&e));
    if let Ok(list) = parse_extensions(&h.value).map_err(|e| token_error(&e)) {
        list.iter().for_each(extension);
    }
}

fn headers<'a>(all: &'a [Header], lookup: impl Fn(&str) -> Option<&'a [u8]>) {
    all.iter().for_each(header);
    for name in LOOKUPS
        .iter()
        .copied()
        .chain(all.first().map(|h| h.name.as_str()))
    {
        let found = lookup(name);
        let first = all.iter().find(|h| h.name.eq_ignore_ascii_case(name));
        assert_eq!(found, first.map(|h| h.value.as_slice()), "header({name:?})");
    }
}

/// An extension, its parameters, and its `Display` form parsed back.
pub(crate) fn extension(e: &Extension) {
    debug(e);
    let _ = e.name();
    for p in e.params() {
        debug(p);
        let _ = (p.name.as_str(), p.value.as_deref());
    }
    let shown = e.to_string();
    assert_eq!(
        parse_extensions(shown.as_bytes()).as_deref(),
        Ok(core::slice::from_ref(e)),
        "{shown:?}"
    );
}

fn token_error(e: &TokenError) {
    debug(e);
    let _ = e.to_string();
}

pub(crate) fn http_request(r: &HttpRequest) {
    debug(r);
    let (method, target, path, query) = (r.method(), r.target(), r.path(), r.query());
    assert!(!method.is_empty());
    assert!(!path.is_empty(), "empty path of {target:?}");
    if let Some(q) = query {
        assert!(target.ends_with(q), "query {q:?} of {target:?}");
    }
    let _ = (r.minor_version(), r.head_len());
    headers(r.headers(), |name| r.header(name));
}

pub(crate) fn upgrade_request(u: &UpgradeRequest) {
    debug(u);
    http_request(u.request());
    assert_eq!(
        (u.path(), u.query()),
        (u.request().path(), u.request().query())
    );
    assert_eq!(u.headers(), u.request().headers());
    assert_eq!(u.head_len(), u.request().head_len());
    let _ = (u.host(), u.key());
    if let Some(origin) = u.origin() {
        assert!(
            !origin.chars().any(|c| c.is_ascii_uppercase()),
            "{origin:?}"
        );
    }
    let _ = u.subprotocols();
    u.extensions().iter().for_each(extension);
}

pub(crate) fn http_response(r: &HttpResponse) {
    debug(r);
    let _ = (r.status(), r.reason(), r.body(), r.head_len());
    headers(r.headers(), |name| r.header(name));
}

pub(crate) fn accepted_response(a: &AcceptedResponse) {
    debug(a);
    let _ = a.subprotocol();
    a.extensions().iter().for_each(extension);
    http_response(a.response());
    negotiated(a.negotiated());
}

/// The server's answer: its bytes read back as a 101 head, and what it agreed.
pub(crate) fn acceptance(a: &Acceptance) {
    debug(a);
    assert!(a.response().starts_with(b"HTTP/1.1 101 "));
    negotiated(a.negotiated());
    let (bytes, n) = a.clone().into_parts();
    assert_eq!((&bytes[..], &n), (a.response(), a.negotiated()));
}

/// Agreed extensions: permessage-deflate's parameters are in range.
pub(crate) fn negotiated(n: &Negotiated) {
    debug(n);
    let _ = n.is_empty();
    if let Some(p) = n.deflate() {
        assert!(!n.is_empty());
        deflate_params(p);
    }
}

/// This side's permessage-deflate settings: every getter in its range, and
/// the parameters made from them (as if agreed) equal to them.
pub(crate) fn deflate_config(c: &DeflateConfig) {
    debug(c);
    let windows = [
        c.get_server_max_window_bits(),
        c.get_client_max_window_bits(),
    ];
    for bits in windows {
        assert!((8..=15).contains(&bits), "{c:?}");
    }
    assert!(c.get_compression_level() <= 9, "{c:?}");
    assert!((1..=9).contains(&c.get_mem_level()), "{c:?}");
    let _ = c.get_threshold();
    let p = DeflateParams::new(c);
    deflate_params(&p);
    assert_eq!(
        (
            p.server_no_context_takeover(),
            p.client_no_context_takeover(),
            p.server_max_window_bits(),
            p.client_max_window_bits(),
        ),
        (
            c.get_server_no_context_takeover(),
            c.get_client_no_context_takeover(),
            windows[0],
            windows[1],
        )
    );
}

/// Agreed permessage-deflate parameters.
pub(crate) fn deflate_params(p: &DeflateParams) {
    debug(p);
    let _ = (
        p.server_no_context_takeover(),
        p.client_no_context_takeover(),
    );
    for bits in [p.server_max_window_bits(), p.client_max_window_bits()] {
        assert!((8..=15).contains(&bits), "{p:?}");
    }
}

/// A handshake error's classification and answer; the answer must read back
/// as an HTTP response with the same status.
pub(crate) fn handshake_error(e: &HandshakeError) {
    debug(e);
    let _ = (e.to_string(), e.source());
    debug(&e.cause());
    let required = e.required_headers();
    match (e.status(), e.rejection_response()) {
        (None, None) => assert!(required.is_empty()),
        (Some(status), Some(answer)) => match ResponseParser::new("x").feed(&answer) {
            Err(HandshakeError::UnexpectedStatus(r)) => {
                assert_eq!(r.status(), status);
                for Header { name, value } in &required {
                    assert_eq!(r.header(name), Some(&value[..]), "{name}");
                }
            }
            other => panic!("rejection of {e:?} reads back as {other:?}"),
        },
        (status, answer) => panic!("status {status:?} but answer {answer:?}"),
    }
    match e {
        HandshakeError::UnexpectedStatus(r) => http_response(r),
        HandshakeError::InvalidSubprotocols(t)
        | HandshakeError::InvalidExtensions(t)
        | HandshakeError::InvalidResponseExtensions(t) => token_error(t),
        HandshakeError::InvalidUrl(u) => {
            debug(u);
            let _ = u.to_string();
        }
        _ => {}
    }
}

/// A response parser's verdict.
pub(crate) fn response_status(s: &ResponseStatus) {
    debug(s);
    if let ResponseStatus::Accepted(a) = s {
        accepted_response(a);
    }
}

pub(crate) fn close_code(c: CloseCode) {
    debug(&c);
    let _ = (c.to_string(), c.is_valid_on_wire());
    assert_eq!(CloseCode::from(u16::from(c)), c);
}

pub(crate) fn close_frame(c: &CloseFrame<'_>) {
    debug(c);
    close_code(c.code);
    assert!(c.reason.len() <= 123);
    assert_eq!(&c.clone().into_owned(), c);
}

pub(crate) fn event(e: &Event<'_>) {
    if !matches!(e, Event::Data { payload, .. } if payload.len() > DEBUG_PAYLOAD) {
        debug(e);
    }
    assert_eq!(&e.clone(), e);
    match e {
        Event::Data { kind, .. } => debug(kind),
        Event::Ping(p) | Event::Pong(p) => assert!(p.len() <= 125),
        Event::Close(Some(c)) => close_frame(c),
        Event::Close(None) => {}
    }
}

pub(crate) fn message(m: &Message<'_>) {
    if m.as_bytes().len() <= DEBUG_PAYLOAD {
        debug(m);
    }
    assert_eq!(&m.clone().into_owned(), m);
    let bytes = m.as_bytes();
    match m {
        Message::Text(t) => assert_eq!(bytes, t.as_bytes()),
        Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => assert_eq!(bytes, &b[..]),
        Message::Close(c) => {
            assert_eq!(bytes, c.as_ref().map_or(&b""[..], |c| c.reason.as_bytes()));
            if let Some(c) = c {
                close_frame(c);
            }
        }
    }
    assert_eq!(
        m.is_data(),
        matches!(m, Message::Text(_) | Message::Binary(_))
    );
}

/// A connection error: its close code, text, source and inner error.
pub(crate) fn error(e: &Error) {
    debug(e);
    let _ = (e.to_string(), e.source());
    if let Some(code) = e.close_code() {
        close_code(code);
        assert!(code.is_valid_on_wire(), "{e:?} closes with {code}");
    }
    match e {
        Error::Protocol(p) => {
            debug(p);
            let _ = p.to_string();
        }
        Error::Limit(l) => {
            debug(l);
            let _ = l.to_string();
        }
        Error::Api(a) => {
            debug(a);
            let _ = a.to_string();
        }
        _ => {}
    }
}
