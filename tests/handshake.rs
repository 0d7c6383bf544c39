//! The opening handshake (RFC 6455 §4) through the public API only: RFC
//! examples, one case per rejection rule, hostile inputs, and a
//! client core against a server core over random splits.

use proptest::prelude::*;
use rfc6455::handshake::{Extension, TokenError, accept_key, parse_extensions, parse_token_list};
use rfc6455::{
    AcceptOptions, ClientRequest, HandshakeError, RequestParser, RequestStatus, ResponseParser,
    ResponseStatus,
};

const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: server.example.com\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

const RFC_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Protocol: chat\r\n\r\n";

fn server(bytes: &[u8]) -> Result<RequestStatus, HandshakeError> {
    RequestParser::new().feed(bytes)
}

/// Feeds `bytes` cut at `cuts` (positions, any order, may repeat).
fn feed_split<T>(
    bytes: &[u8],
    cuts: &[usize],
    mut feed: impl FnMut(&[u8]) -> Result<T, HandshakeError>,
    partial: impl Fn(&T) -> bool,
) -> Result<Option<T>, HandshakeError> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.push(bytes.len());
    cuts.sort_unstable();
    let mut start = 0;
    for c in cuts {
        let out = feed(&bytes[start..c])?;
        start = c;
        if !partial(&out) {
            return Ok(Some(out));
        }
    }
    Ok(None)
}

#[test]
fn rfc_accept_key_example() {
    assert_eq!(
        accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

#[test]
fn rfc_request_gets_rfc_response() {
    let Ok(RequestStatus::Upgrade(req)) = server(RFC_REQUEST) else {
        panic!()
    };
    assert_eq!(req.path(), "/chat");
    assert_eq!(req.host(), "server.example.com");
    assert_eq!(req.origin(), Some("http://example.com"));
    assert_eq!(req.subprotocols(), ["chat", "superchat"]);
    assert_eq!(
        req.accept(&AcceptOptions::new().subprotocol("chat"))
            .unwrap()
            .response(),
        RFC_RESPONSE
    );
}

#[test]
fn rfc_response_verified_by_client() {
    let mut p =
        ResponseParser::new("dGhlIHNhbXBsZSBub25jZQ==").with_subprotocols(["chat", "superchat"]);
    let Ok(ResponseStatus::Accepted(a)) = p.feed(RFC_RESPONSE) else {
        panic!()
    };
    assert_eq!(a.subprotocol(), Some("chat"));
    let mut wrong_key = ResponseParser::new("AQIDBAUGBwgJCgsMDQ4PEA==").with_subprotocols(["chat"]);
    assert_eq!(
        wrong_key.feed(RFC_RESPONSE),
        Err(HandshakeError::AcceptMismatch)
    );
}

/// Replaces the line starting with `name:` in the RFC request (or drops it
/// when `line` is empty), or appends `line` when no such line exists.
fn edit(name: &str, line: &str) -> Vec<u8> {
    let text = std::str::from_utf8(RFC_REQUEST).unwrap();
    let mut lines: Vec<String> = text.trim_end().split("\r\n").map(String::from).collect();
    match lines
        .iter()
        .position(|l| l.starts_with(&format!("{name}:")))
    {
        Some(i) if line.is_empty() => drop(lines.remove(i)),
        Some(i) => lines[i] = line.into(),
        None => lines.push(line.into()),
    }
    (lines.join("\r\n") + "\r\n\r\n").into_bytes()
}

/// Reads a rejection back with the client parser: (status, headers).
fn answer_of(e: &HandshakeError) -> (u16, Vec<(String, String)>) {
    let bytes = e
        .rejection_response()
        .expect("a server error has an answer");
    let Err(HandshakeError::UnexpectedStatus(r)) = ResponseParser::new("x").feed(&bytes) else {
        panic!()
    };
    let len: usize = std::str::from_utf8(r.header("Content-Length").unwrap())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(len, r.body().len());
    let hs = r
        .headers()
        .iter()
        .map(|h| (h.name.clone(), String::from_utf8(h.value.clone()).unwrap()));
    (r.status(), hs.collect())
}

macro_rules! rejects {
    ($($name:ident: $input:expr => $err:pat, $status:expr, [$($h:expr),*];)*) => {$(
        #[test]
        fn $name() {
            let input: Vec<u8> = $input;
            let err = server(&input).unwrap_err();
            assert!(matches!(err, $err), "{err:?}");
            let (status, headers) = answer_of(&err);
            assert_eq!(status, $status);
            assert_eq!(err.status(), Some($status));
            let required: &[(&str, &str)] = &[$($h),*];
            for (n, v) in required {
                assert!(headers.iter().any(|(hn, hv)| hn == n && hv == v), "{n}: {v} missing in {headers:?}");
            }
        }
    )*};
}

rejects! {
    reject_post: RFC_REQUEST.replacen(b"GET", b"POST") => HandshakeError::MethodNotGet, 405, [("Allow", "GET")];
    reject_http_1_0: RFC_REQUEST.replacen(b"HTTP/1.1", b"HTTP/1.0") => HandshakeError::HttpVersionTooOld, 400, [];
    reject_missing_host: edit("Host", "") => HandshakeError::MissingHost, 400, [];
    reject_duplicate_host: edit("X", "Host: b") => HandshakeError::DuplicateHost, 400, [];
    reject_non_ascii_host: edit("Host", "Host: h\u{e9}") => HandshakeError::InvalidHost, 400, [];
    reject_missing_connection: edit("Connection", "") => HandshakeError::MissingConnectionUpgrade, 400, [];
    reject_connection_close: edit("Connection", "Connection: close") => HandshakeError::MissingConnectionUpgrade, 400, [];
    reject_missing_key: edit("Sec-WebSocket-Key", "") => HandshakeError::MissingKey, 400, [];
    reject_duplicate_key: edit("X", "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==") => HandshakeError::DuplicateKey, 400, [];
    reject_short_key: edit("Sec-WebSocket-Key", "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4P") => HandshakeError::InvalidKey, 400, [];
    reject_non_ascii_key: edit("Sec-WebSocket-Key", "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4\u{e9}==") => HandshakeError::InvalidKey, 400, [];
    reject_missing_version: edit("Sec-WebSocket-Version", "") => HandshakeError::MissingVersion, 426,
        [("Sec-WebSocket-Version", "13"), ("Upgrade", "websocket")];
    reject_duplicate_version: edit("X", "Sec-WebSocket-Version: 13") => HandshakeError::DuplicateVersion, 426,
        [("Sec-WebSocket-Version", "13")];
    reject_version_8: edit("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8") => HandshakeError::UnsupportedVersion, 426,
        [("Sec-WebSocket-Version", "13")];
    reject_bad_protocol_list: edit("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: a b") =>
        HandshakeError::InvalidSubprotocols(_), 400, [];
    reject_unclosed_extension_quote: edit("X", "Sec-WebSocket-Extensions: foo; a=\"1") =>
        HandshakeError::InvalidExtensions(TokenError::UnclosedQuote { .. }), 400, [];
    reject_malformed_line: edit("X", "no colon here") => HandshakeError::MalformedRequest { .. }, 400, [];
    reject_non_ascii_header_name: edit("X", "N\u{e9}: v") => HandshakeError::MalformedRequest { .. }, 400, [];
    reject_tls_client_hello: vec![0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]
        => HandshakeError::MalformedRequest { .. }, 400, [];
    reject_2000_headers: edit("X", &"A: b\r\n".repeat(2000)) => HandshakeError::TooManyRequestHeaders { limit: 100 }, 431, [];
    reject_1_mib_line: edit("X", &format!("X-Big: {}", "a".repeat(1 << 20))) =>
        HandshakeError::RequestTooLarge { limit: 16384 }, 431, [];
}

trait ReplaceN {
    fn replacen(&self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceN for [u8] {
    fn replacen(&self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let i = self.windows(from.len()).position(|w| w == from).unwrap();
        [&self[..i], to, &self[i + from.len()..]].concat()
    }
}

/// The RFC request with every WebSocket field and `Upgrade` removed.
fn plain_get() -> Vec<u8> {
    let mut input = RFC_REQUEST.to_vec();
    for line in [
        &b"Upgrade: websocket\r\n"[..],
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        b"Sec-WebSocket-Protocol: chat, superchat\r\n",
        b"Sec-WebSocket-Version: 13\r\n",
    ] {
        input = input.replacen(line, b"");
    }
    input
}

#[test]
fn request_without_upgrade_is_plain_http() {
    let input = plain_get();
    let Ok(RequestStatus::Http(r)) = server(&input) else {
        panic!()
    };
    assert_eq!((r.method(), r.path()), ("GET", "/chat"));
    assert_eq!(r.header("host"), Some(&b"server.example.com"[..]));
}

/// Issue 10 item 7: a request with `Sec-WebSocket-*` fields whose `Upgrade`
/// does not name `websocket` (absent, or `h2c`) was handed over as plain
/// HTTP, so servers answered 200. It is a handshake that fails §4.2.1 item 3:
/// 400, with the reason in the body.
#[test]
fn websocket_fields_without_websocket_upgrade_were_plain_http() {
    let h2c = |input: Vec<u8>| input.replacen(b"Upgrade: websocket", b"Upgrade: h2c");
    let only = |field: &[u8]| {
        let mut input = plain_get();
        let end = input.len() - 2;
        input.splice(end..end, field.iter().copied());
        input
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("Upgrade: h2c", h2c(RFC_REQUEST.to_vec())),
        ("no Upgrade", edit("Upgrade", "")),
        (
            "h2c, Connection: keep-alive",
            h2c(RFC_REQUEST.replacen(b"Connection: Upgrade", b"Connection: keep-alive")),
        ),
        (
            "only the key",
            only(b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
        ),
        ("only the version", only(b"Sec-WebSocket-Version: 13\r\n")),
        (
            "only a subprotocol",
            only(b"Sec-WebSocket-Protocol: chat\r\n"),
        ),
        (
            "only an extension",
            only(b"sec-websocket-extensions: x\r\n"),
        ),
    ];
    for (what, input) in cases {
        let result = server(&input);
        let Err(e) = &result else {
            panic!("{what}: {result:?}")
        };
        assert!(
            matches!(e, HandshakeError::UpgradeNotWebSocket),
            "{what}: {e:?}"
        );
        let (status, _) = answer_of(e);
        assert_eq!(status, 400, "{what}");
        let answer = String::from_utf8(e.rejection_response().unwrap()).unwrap();
        let (_, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(body.contains("Upgrade: websocket"), "{what}: {body:?}");
    }
    // `Upgrade: websocket` without `Connection: Upgrade` already failed (item 4).
    let input = RFC_REQUEST.replacen(b"Connection: Upgrade", b"Connection: keep-alive");
    assert_eq!(
        server(&input),
        Err(HandshakeError::MissingConnectionUpgrade)
    );
}

/// Issue 10 item 1: `path()` sliced the target at byte 7 or 8 to look for
/// `http://` / `https://`, inside a character when one started there.
#[test]
fn non_ascii_request_target_path_panicked_slicing_inside_a_char() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("/abcde\u{e9}", "/abcde\u{e9}", None),
        ("/abcdef\u{e9}", "/abcdef\u{e9}", None),
        ("/a\u{1F600}b?x", "/a\u{1F600}b", Some("x")),
        ("/abc\u{1F600}", "/abc\u{1F600}", None),
        (
            "/abcde\u{1F600}?q\u{e9}",
            "/abcde\u{1F600}",
            Some("q\u{e9}"),
        ),
        ("http://h\u{e9}st/p\u{e9}?q", "/p\u{e9}", Some("q")),
        ("https://\u{e9}/", "/", None),
    ];
    for (target, path, query) in cases {
        let input = RFC_REQUEST.replacen(b"/chat", target.as_bytes());
        let Ok(RequestStatus::Upgrade(u)) = server(&input) else {
            panic!("{target}: not an upgrade")
        };
        assert_eq!((u.path(), u.query()), (*path, *query), "{target}");
        let plain = plain_get().replacen(b"/chat", target.as_bytes());
        let Ok(RequestStatus::Http(r)) = server(&plain) else {
            panic!("{target}: not plain HTTP")
        };
        assert_eq!((r.path(), r.query()), (*path, *query), "{target}");
    }
}

#[test]
fn non_ascii_values_and_pipelined_frames() {
    let mut input = edit("X", "X-Name: caf\u{e9}");
    input.extend_from_slice(&[0x81, 0x85, 1, 2, 3, 4]);
    let mut p = RequestParser::new();
    let Ok(RequestStatus::Upgrade(u)) = p.feed(&input) else {
        panic!()
    };
    let name = u.headers().iter().find(|h| h.name == "X-Name").unwrap();
    assert_eq!(name.value, "caf\u{e9}".as_bytes());
    assert_eq!(p.into_leftover(), [0x81, 0x85, 1, 2, 3, 4]);
}

#[test]
fn extensions_from_all_lines_with_params() {
    let input = edit(
        "X",
        "Sec-WebSocket-Extensions: foo\r\nSec-WebSocket-Extensions: bar; baz=2, q; v=\"x\"",
    );
    let Ok(RequestStatus::Upgrade(u)) = server(&input) else {
        panic!()
    };
    let want = [
        Extension::new("foo"),
        Extension::new("bar").param("baz", Some("2")),
        Extension::new("q").param("v", Some("x")),
    ];
    assert_eq!(u.extensions(), want);
    let answer = u
        .accept(&AcceptOptions::new().extension(want[1].clone()))
        .unwrap()
        .into_parts()
        .0;
    let needle = b"\r\nSec-WebSocket-Extensions: bar; baz=2\r\n";
    assert!(answer.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn hostile_responses_are_clean_client_errors() {
    let client = || ResponseParser::new("dGhlIHNhbXBsZSBub25jZQ==");
    let head = "HTTP/1.1 101 Switching Protocols\r\n";
    let many = format!("{head}{}\r\n", "A: b\r\n".repeat(2000));
    assert_eq!(
        client().feed(many.as_bytes()),
        Err(HandshakeError::TooManyResponseHeaders { limit: 100 })
    );
    let big = format!("{head}X: {}\r\n\r\n", "a".repeat(1 << 20));
    assert_eq!(
        client().feed(big.as_bytes()),
        Err(HandshakeError::ResponseTooLarge { limit: 16384 })
    );
    let tls = client().feed(&[0x16, 0x03, 0x03, 0x00, 0x7a, 0x02]);
    assert!(matches!(tls, Err(HandshakeError::MalformedResponse { .. })));
    let e = tls.unwrap_err();
    assert_eq!((e.status(), e.rejection_response()), (None, None));
}

#[test]
fn tokenizers_on_hostile_values() {
    assert!(matches!(
        parse_extensions(b"a; b=\"x\\"),
        Err(TokenError::UnclosedQuote { .. })
    ));
    assert_eq!(parse_token_list(b",,chat,"), Ok(vec!["chat".to_string()]));
    let long = "a, ".repeat(100_000);
    assert_eq!(
        parse_token_list(long.as_bytes()).map(|v| v.len()),
        Ok(100_000)
    );
}

fn roundtrip(
    cuts_req: &[usize],
    cuts_res: &[usize],
    tail_c: &[u8],
    tail_s: &[u8],
    nonce: [u8; 16],
) {
    let request = ClientRequest::with_nonce("ws://example.com:9001/chat?x=1", nonce)
        .unwrap()
        .subprotocol("chat")
        .subprotocol("v2.chat")
        .extension(Extension::new("permessage-deflate").param("client_max_window_bits", None))
        .header("Cookie", "a=b");
    let mut wire = request.encode().unwrap();
    wire.extend_from_slice(tail_c);

    let mut server = RequestParser::new();
    let done = feed_split(
        &wire,
        cuts_req,
        |b| server.feed(b),
        |s| *s == RequestStatus::Partial,
    );
    let Ok(Some(RequestStatus::Upgrade(up))) = done else {
        panic!("{done:?}")
    };
    assert_eq!(
        (up.path(), up.query(), up.host()),
        ("/chat", Some("x=1"), "example.com:9001")
    );
    assert_eq!(up.subprotocols(), ["chat", "v2.chat"]);
    // The client may pipeline: bytes after the head, in whichever feed, are leftover.
    let options = AcceptOptions::new()
        .subprotocol("v2.chat")
        .extension(Extension::new("permessage-deflate"));
    let mut answer = up.accept(&options).unwrap().into_parts().0;
    let leftover = server.into_leftover();
    assert!(tail_c.starts_with(&leftover) && leftover.len() <= tail_c.len());
    answer.extend_from_slice(tail_s);

    let mut client = request.response_parser();
    let done = feed_split(
        &answer,
        cuts_res,
        |b| client.feed(b),
        |s| *s == ResponseStatus::Partial,
    );
    let Ok(Some(ResponseStatus::Accepted(a))) = done else {
        panic!("{done:?}")
    };
    assert_eq!(a.subprotocol(), Some("v2.chat"));
    assert_eq!(a.extensions()[0].name(), "permessage-deflate");
    let leftover = client.into_leftover();
    assert!(tail_s.starts_with(&leftover));
}

#[test]
fn roundtrip_one_byte_at_a_time() {
    let request = ClientRequest::with_nonce("wss://[::1]/", [7; 16]).unwrap();
    let wire = [request.encode().unwrap(), b"FRAME".to_vec()].concat();
    let mut server = RequestParser::new();
    let (up, used) = wire
        .iter()
        .enumerate()
        .find_map(
            |(i, b)| match server.feed(std::slice::from_ref(b)).unwrap() {
                RequestStatus::Upgrade(u) => Some((u, i + 1)),
                _ => None,
            },
        )
        .unwrap();
    // Completion is reported on the head's last byte; the rest is the caller's.
    assert_eq!(
        (used, up.head_len(), &wire[used..]),
        (wire.len() - 5, wire.len() - 5, &b"FRAME"[..])
    );
    assert_eq!(up.host(), "[::1]");
    let answer = [
        up.accept(&AcceptOptions::new()).unwrap().into_parts().0,
        b"\x81\x02hi".to_vec(),
    ]
    .concat();
    let mut client = request.response_parser();
    let used = answer
        .iter()
        .position(|b| {
            matches!(
                client.feed(std::slice::from_ref(b)),
                Ok(ResponseStatus::Accepted(_))
            )
        })
        .unwrap();
    assert_eq!(&answer[used + 1..], b"\x81\x02hi");
    assert_eq!(client.feed(b"x"), Err(HandshakeError::ParserFinished));
}

proptest! {
    #[test]
    fn client_and_server_agree_over_random_splits(
        cuts_req in proptest::collection::vec(any::<usize>(), 0..12),
        cuts_res in proptest::collection::vec(any::<usize>(), 0..12),
        nonce in any::<[u8; 16]>(),
    ) {
        roundtrip(&cuts_req, &cuts_res, b"", b"", nonce);
    }

    #[test]
    fn leftover_survives_both_ways(
        tail_c in proptest::collection::vec(any::<u8>(), 1..64),
        tail_s in proptest::collection::vec(any::<u8>(), 1..64),
        nonce in any::<[u8; 16]>(),
    ) {
        // One feed per side: the head and the whole tail arrive together.
        let request = ClientRequest::with_nonce("ws://h/", nonce).unwrap();
        let wire = [request.encode().unwrap(), tail_c.clone()].concat();
        let mut server = RequestParser::new();
        let Ok(RequestStatus::Upgrade(up)) = server.feed(&wire) else { panic!() };
        prop_assert_eq!(server.into_leftover(), tail_c);
        let answer = [up.accept(&AcceptOptions::new()).unwrap().into_parts().0, tail_s.clone()].concat();
        let mut client = request.response_parser();
        prop_assert!(matches!(client.feed(&answer), Ok(ResponseStatus::Accepted(_))));
        prop_assert_eq!(client.into_leftover(), tail_s);
    }

    #[test]
    fn leftover_split_at_random(
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        tail_c in proptest::collection::vec(any::<u8>(), 0..64),
        tail_s in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        roundtrip(&cuts, &cuts, &tail_c, &tail_s, [3; 16]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut server = RequestParser::new();
        let r = feed_split(&bytes, &cuts, |b| server.feed(b), |s| *s == RequestStatus::Partial);
        if let Err(e) = r {
            prop_assert!(e.rejection_response().is_some());
        }
        let mut client = ResponseParser::new("dGhlIHNhbXBsZSBub25jZQ==");
        let _ = feed_split(&bytes, &cuts, |b| client.feed(b), |s| *s == ResponseStatus::Partial);
        let _ = parse_extensions(&bytes);
        let _ = parse_token_list(&bytes);
    }

    #[test]
    fn mutated_requests_never_panic(
        index in any::<usize>(),
        byte in any::<u8>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut bytes = RFC_REQUEST.to_vec();
        let i = index % bytes.len();
        bytes[i] = byte;
        let mut server = RequestParser::new();
        let _ = feed_split(&bytes, &cuts, |b| server.feed(b), |s| *s == RequestStatus::Partial);
        let mut res = RFC_RESPONSE.to_vec();
        let j = index % res.len();
        res[j] = byte;
        let mut client = ResponseParser::new("dGhlIHNhbXBsZSBub25jZQ==").with_subprotocols(["chat"]);
        let _ = feed_split(&res, &cuts, |b| client.feed(b), |s| *s == ResponseStatus::Partial);
    }
}
