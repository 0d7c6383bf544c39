//! The `redirect_location` target: a base URL and a redirect answer's
//! `Location`, resolved by `redirect_location`.
//!
//! Input layout ([`redirect_input`] writes it):
//!
//! ```text
//! base      byte: bit 7 set: a length byte and characters (`text_from`) follow,
//!           parsed as the base (a bad one falls back); else REDIRECT_BASES[byte % len]
//! status    byte: REDIRECT_STATUSES[byte % len]
//! flags     bit 0 the Location's bytes as they are (else `text_from`), bit 1 no Location,
//!           bit 2 a second Location after it, bit 3 spaces and tabs around it
//! location  a length byte and that many bytes
//! ```

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use rfc6455::handshake::{HttpResponse, RedirectError, WsUrl, is_redirect, redirect_location};
use rfc6455::{ClientRequest, HandshakeError, ResponseParser};

use super::input::{Input, text_from, text_indices};
use super::touch;
use super::touch_proxy;

/// Base URLs by index: each scheme, ports, queries, IPv6, deep and root paths.
pub const REDIRECT_BASES: [&str; 6] = [
    "ws://example.com/chat",
    "wss://a.example/chat/room?x=1",
    "ws://127.0.0.1:9001/",
    "wss://[::1]:8443/a/b/c/",
    "ws://h:80/p?q",
    "wss://xn--x-9fa.example/%C3%A9?%E2%82%AC",
];

/// Statuses by index: the five redirects, and others the function reads anyway.
pub const REDIRECT_STATUSES: [u16; 8] = [301, 302, 303, 307, 308, 300, 200, 404];

/// One `redirect_location` input, as [`redirect_input`] writes it.
#[derive(Debug, Clone, Default)]
pub struct RedirectCase<'a> {
    /// The base: an index into [`REDIRECT_BASES`] (below 0x80) or, with
    /// 0x80, `base_text`.
    pub base: u8,
    /// The base URL's text (with `base` 0x80).
    pub base_text: &'a str,
    /// An index into [`REDIRECT_STATUSES`].
    pub status: u8,
    /// The flags byte.
    pub flags: u8,
    /// The Location: characters, or raw bytes with flag bit 0.
    pub location: &'a [u8],
}

/// Encodes a [`RedirectCase`]. A text `location` must use ASCII and the
/// harness's alphabet only.
pub fn redirect_input(case: &RedirectCase<'_>) -> Vec<u8> {
    let mut out = Vec::from([case.base]);
    let len = |n: usize| u8::try_from(n).expect("at most 255");
    if case.base & 0x80 != 0 {
        let t = text_indices(case.base_text);
        out.push(len(t.len()));
        out.extend(t);
    }
    out.extend([case.status, case.flags]);
    let location = if case.flags & 1 != 0 {
        case.location.to_vec()
    } else {
        text_indices(core::str::from_utf8(case.location).expect("text"))
    };
    out.push(len(location.len()));
    out.extend(location);
    out
}

pub(super) fn run(data: &[u8]) {
    let mut input = Input(data);
    let b = input.byte();
    let fallback = || WsUrl::parse(REDIRECT_BASES[usize::from(b) % REDIRECT_BASES.len()]);
    let base = if b & 0x80 != 0 {
        let n = usize::from(input.byte());
        WsUrl::parse(&text_from(input.bytes(n))).or_else(|e| {
            let _ = (format!("{e:?}"), e.to_string());
            fallback()
        })
    } else {
        fallback()
    }
    .expect("valid bases");
    touch_proxy::ws_url(&base);
    let status = REDIRECT_STATUSES[usize::from(input.byte()) % REDIRECT_STATUSES.len()];
    assert_eq!(
        is_redirect(status),
        [301, 302, 303, 307, 308].contains(&status)
    );
    let flags = input.byte();
    let n = usize::from(input.byte());
    let raw = input.bytes(n);
    let location = if flags & 1 != 0 {
        raw.to_vec()
    } else {
        text_from(raw).into_bytes()
    };
    let mut head = format!("HTTP/1.1 {status} Moved\r\n").into_bytes();
    let pad: &[u8] = if flags & 8 != 0 { b" \t " } else { b"" };
    if flags & 2 == 0 {
        head.extend_from_slice(b"Location:");
        head.extend_from_slice(pad);
        head.extend_from_slice(&location);
        head.extend_from_slice(pad);
        head.extend_from_slice(b"\r\n");
    }
    if flags & 4 != 0 {
        head.extend_from_slice(b"Location: ws://second.example/\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let response = match ResponseParser::new("x").feed(&head) {
        Err(HandshakeError::UnexpectedStatus(r)) => r,
        other => {
            // A Location with CR, LF or NUL breaks the head itself.
            if let Err(e) = &other {
                touch::handshake_error(e);
            }
            return;
        }
    };
    touch::http_response(&response);
    check(&base, &response);
}

/// Resolves the response's Location against `base`, and checks the result.
fn check(base: &WsUrl, response: &HttpResponse) {
    let got = redirect_location(base, response);
    let location = response.header("location");
    let url = match got {
        Ok(url) => url,
        Err(e) => {
            touch_proxy::redirect_error(&e);
            assert_eq!(location.is_none(), e == RedirectError::MissingLocation);
            assert!(e != RedirectError::Downgrade || base.is_secure(), "{e:?}");
            return;
        }
    };
    // A URL the client accepts, in the normal form it writes, never off TLS.
    let next = WsUrl::parse(&url).unwrap_or_else(|e| panic!("{url:?}: {e}"));
    touch_proxy::ws_url(&next);
    ClientRequest::new(&url).unwrap_or_else(|e| panic!("{url:?}: {e}"));
    let scheme = if next.is_secure() { "wss" } else { "ws" };
    let normal = format!("{scheme}://{}{}", next.host_header(), next.resource_name());
    assert_eq!(url, normal);
    assert!(
        !base.is_secure() || next.is_secure(),
        "{url:?} from a wss base"
    );
    // Resolving the result again, from either URL, gives it back.
    let again = fixed_point(&url);
    for from in [base, &next] {
        assert_eq!(
            redirect_location(from, &again).as_ref(),
            Ok(&url),
            "{from:?}"
        );
    }
    // A reference without a scheme or authority keeps the base's origin, and
    // resolves as RFC 3986 §5.2 says (written again below).
    let reference = trim(location.expect("a Location was followed"));
    let relative = !reference.starts_with(b"//")
        && reference
            .iter()
            .take_while(|&&b| !b"/?#".contains(&b))
            .all(|&b| b != b':');
    if relative {
        let origin = (base.is_secure(), base.host_header());
        assert_eq!((next.is_secure(), next.host_header()), origin, "{url:?}");
        let reference = core::str::from_utf8(reference).expect("ASCII, as it was followed");
        let want = resolve(base.resource_name(), reference);
        assert_eq!(next.resource_name(), want, "{reference:?} from {base:?}");
    }
}

/// RFC 3986 §5.2.2 for a reference without scheme and authority, against
/// a base resource name (`/path?query`), by the letter of §5.2.3 and §5.2.4.
fn resolve(base: &str, reference: &str) -> String {
    let reference = reference.split('#').next().unwrap_or("");
    let (base_path, base_query) = split_query(base);
    let (path, query) = split_query(reference);
    let (path, query) = if path.is_empty() {
        (base_path.to_string(), query.or(base_query))
    } else if path.starts_with('/') {
        (remove_dot_segments(path), query)
    } else {
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        (remove_dot_segments(&format!("{dir}{path}")), query)
    };
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

fn split_query(s: &str) -> (&str, Option<&str>) {
    match s.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (s, None),
    }
}

/// §5.2.4's loop over an input buffer, step by step (rules A to E).
fn remove_dot_segments(path: &str) -> String {
    let mut input = path.to_string();
    let mut output = String::new();
    let pop = |output: &mut String| output.truncate(output.rfind('/').unwrap_or(0));
    while !input.is_empty() {
        if input.starts_with("../") {
            input.drain(..3);
        } else if input.starts_with("./") {
            input.drain(..2);
        } else if input.starts_with("/./") {
            input.replace_range(..3, "/");
        } else if input == "/." {
            input = "/".into();
        } else if input.starts_with("/../") {
            input.replace_range(..4, "/");
            pop(&mut output);
        } else if input == "/.." {
            input = "/".into();
            pop(&mut output);
        } else if input == "." || input == ".." {
            input.clear();
        } else {
            let end = input[1..].find('/').map_or(input.len(), |i| i + 1);
            output.extend(input.drain(..end));
        }
    }
    output
}

fn trim(v: &[u8]) -> &[u8] {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = v.iter().position(|b| !blank(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !blank(b)).map_or(start, |i| i + 1);
    &v[start..end]
}

/// A 302 whose Location is `url`.
fn fixed_point(url: &str) -> HttpResponse {
    let head = format!("HTTP/1.1 302 Found\r\nLocation: {url}\r\n\r\n");
    match ResponseParser::new("x").feed(head.as_bytes()) {
        Err(HandshakeError::UnexpectedStatus(r)) => *r,
        other => panic!("{head:?}: {other:?}"),
    }
}
