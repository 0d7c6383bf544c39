//! Opening-handshake cost (RFC 6455 §4) of `rfc6455` against tungstenite 0.30
//! and a bare `httparse` floor, on the §1.3 example request and its 101 answer.
//!
//! - `handshake_parse_request`: parse and validate the client request, fed
//!   whole and in 64-byte pieces. rfc6455: `RequestParser::feed` (scans each
//!   byte once, parses once, applies all of §4.2.1). tungstenite: its
//!   `TryParse` for `Request` (httparse + `http::HeaderMap`; no §4.2.1 checks,
//!   those are in `create_response`), re-run on the whole buffer after every
//!   piece as its handshake machine does. httparse: `Request::parse` alone
//!   (no validation, no allocation), re-run after every piece: the floor.
//! - `handshake_accept`: parse + validate + build the 101 answer with the
//!   subprotocol `chat`. rfc6455: `RequestParser` + `UpgradeRequest::accept`;
//!   tungstenite: `TryParse` + `create_response` + header + `write_response`.
//!   Then the whole server handshake over an in-memory stream, ending with a
//!   ready connection: `blocking::accept_with` vs `tungstenite::accept_hdr_with_config`
//!   (both with a 4 KiB read buffer, rfc6455's default).
//! - `handshake_verify_response`: read and verify the 101 (§4.1): rfc6455
//!   `ResponseParser` (whole, 64-byte pieces); tungstenite's response
//!   `TryParse` (parse only: its verification is private); httparse (floor).
//! - `handshake_client`: build the request, then read and verify the answer,
//!   ending with a ready connection: rfc6455 sans-IO (`ClientRequest::encode`,
//!   then `response_parser().feed`), `blocking::client_handshake`, and
//!   `tungstenite::client::client_with_config` over an in-memory stream.
//!
//! Throughput is handshakes/s (one per iteration).
//!
//! `cargo bench -p rfc6455-benches --bench handshake -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;
use std::io::{self, Read, Write};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rfc6455::blocking::{self, Accepted, Decision, ServerOptions};
use rfc6455::{
    AcceptOptions, ClientRequest, Config, RequestParser, RequestStatus, ResponseParser,
    ResponseStatus,
};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::machine::TryParse;
use tungstenite::handshake::server::{Request as TRequest, Response as TResponse};
use tungstenite::http::HeaderValue;
use tungstenite::protocol::WebSocketConfig;

/// The client's handshake from RFC 6455 §1.3.
const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: server.example.com\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Version: 13\r\n\
\r\n";
const URL: &str = "ws://server.example.com/chat";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// The 16 bytes whose base64 is `KEY`.
const NONCE: [u8; 16] = *b"the sample nonce";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
const PIECE: usize = 64;

/// An in-memory transport: reads come from `input` at most `chunk` bytes at
/// a time, writes are appended to `out`.
#[derive(Debug)]
struct Duplex<'a> {
    input: &'a [u8],
    chunk: usize,
    out: Vec<u8>,
}

impl<'a> Duplex<'a> {
    fn new(input: &'a [u8], chunk: usize) -> Self {
        Self {
            input,
            chunk,
            out: Vec::new(),
        }
    }
}

impl Read for Duplex<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
}

impl Write for Duplex<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// In memory: no timeouts, and none needed (reads never block).
impl blocking::Timeouts for Duplex<'_> {}

fn rfc_parse(pieces: usize) -> rfc6455::UpgradeRequest {
    let mut parser = RequestParser::new();
    for piece in REQUEST.chunks(pieces) {
        match parser.feed(piece).unwrap() {
            RequestStatus::Partial => {}
            RequestStatus::Upgrade(request) => return request,
            RequestStatus::Http(_) => panic!("not an upgrade"),
        }
    }
    panic!("request incomplete")
}

fn rfc_accept() -> Vec<u8> {
    let request = rfc_parse(REQUEST.len());
    request
        .accept(&AcceptOptions::new().subprotocol("chat"))
        .unwrap()
        .into_parts()
        .0
}

/// tungstenite's parse: after each piece, re-parse everything received so far.
fn tungstenite_parse(piece: usize) -> TRequest {
    let mut buf = Vec::new();
    for p in REQUEST.chunks(piece) {
        buf.extend_from_slice(p);
        if let Some((_, request)) = TRequest::try_parse(&buf).unwrap() {
            return request;
        }
    }
    panic!("request incomplete")
}

fn tungstenite_accept() -> Vec<u8> {
    let request = tungstenite_parse(REQUEST.len());
    let mut response = tungstenite::handshake::server::create_response(&request).unwrap();
    response
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("chat"));
    let mut out = Vec::new();
    tungstenite::handshake::server::write_response(&mut out, &response).unwrap();
    out
}

/// httparse alone: re-parse the received prefix after each piece.
fn httparse_request(piece: usize) -> usize {
    let mut end = 0;
    while end < REQUEST.len() {
        end = (end + piece).min(REQUEST.len());
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut request = httparse::Request::new(&mut headers);
        if let httparse::Status::Complete(n) = request.parse(&REQUEST[..end]).unwrap() {
            return n + request.headers.len();
        }
    }
    panic!("request incomplete")
}

fn httparse_response(response: &[u8], piece: usize) -> usize {
    let mut end = 0;
    while end < response.len() {
        end = (end + piece).min(response.len());
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut parsed = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(n) = parsed.parse(&response[..end]).unwrap() {
            return n + parsed.headers.len();
        }
    }
    panic!("response incomplete")
}

fn rfc_verify(response: &[u8], piece: usize) -> rfc6455::AcceptedResponse {
    let mut parser = ResponseParser::new(KEY).with_subprotocols(["chat", "superchat"]);
    for p in response.chunks(piece) {
        if let ResponseStatus::Accepted(accepted) = parser.feed(p).unwrap() {
            return accepted;
        }
    }
    panic!("response incomplete")
}

fn rfc_client_request() -> ClientRequest {
    ClientRequest::with_nonce(URL, NONCE)
        .unwrap()
        .origin("http://example.com")
        .subprotocol("chat")
        .subprotocol("superchat")
}

fn tungstenite_client_request() -> tungstenite::handshake::client::Request {
    let mut request = URL.into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert("Sec-WebSocket-Key", HeaderValue::from_static(KEY));
    headers.insert("Origin", HeaderValue::from_static("http://example.com"));
    headers.insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("chat, superchat"),
    );
    request
}

fn small_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096)
}

fn rfc_blocking_accept() -> blocking::WebSocket<Duplex<'static>> {
    let stream = Duplex::new(REQUEST, usize::MAX);
    let accepted = blocking::accept_with(stream, &ServerOptions::default(), |_| {
        Decision::Accept(AcceptOptions::new().subprotocol("chat"))
    })
    .unwrap();
    match accepted {
        Accepted::WebSocket(ws, _) => ws,
        Accepted::Http { .. } => panic!("not an upgrade"),
    }
}

// The callback's error type is tungstenite's.
#[allow(clippy::result_large_err)]
fn tungstenite_blocking_accept() -> tungstenite::WebSocket<Duplex<'static>> {
    let stream = Duplex::new(REQUEST, usize::MAX);
    let callback = |_: &TRequest, mut response: TResponse| {
        response
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("chat"));
        Ok::<_, tungstenite::handshake::server::ErrorResponse>(response)
    };
    let Ok(ws) = tungstenite::accept_hdr_with_config(stream, callback, Some(small_config())) else {
        panic!("tungstenite accept failed")
    };
    ws
}

fn rfc_client_sansio(response: &[u8]) -> (Vec<u8>, rfc6455::AcceptedResponse) {
    let request = rfc_client_request();
    let bytes = request.encode().unwrap();
    let mut parser = request.response_parser();
    match parser.feed(response).unwrap() {
        ResponseStatus::Accepted(accepted) => (bytes, accepted),
        ResponseStatus::Partial => panic!("response incomplete"),
    }
}

fn rfc_client_blocking(response: &[u8]) -> blocking::WebSocket<Duplex<'_>> {
    let request = rfc_client_request();
    let stream = Duplex::new(response, usize::MAX);
    blocking::client_handshake(stream, &request, Config::default())
        .unwrap()
        .0
}

fn tungstenite_client(response: &[u8]) -> tungstenite::WebSocket<Duplex<'_>> {
    let stream = Duplex::new(response, usize::MAX);
    let Ok((ws, _)) = tungstenite::client::client_with_config(
        tungstenite_client_request(),
        stream,
        Some(small_config()),
    ) else {
        panic!("tungstenite client handshake failed")
    };
    ws
}

/// Checks every path against the others before anything is timed.
fn check() -> Vec<u8> {
    let ours = rfc_parse(REQUEST.len());
    assert_eq!((ours.path(), ours.key()), ("/chat", KEY));
    assert_eq!(ours.subprotocols(), ["chat", "superchat"]);
    assert_eq!(rfc_parse(PIECE), ours);
    let theirs = tungstenite_parse(PIECE);
    assert_eq!(theirs.headers()["Sec-WebSocket-Key"], KEY);
    assert_eq!(httparse_request(PIECE), REQUEST.len() + 7);

    let response = rfc_accept();
    let text = std::str::from_utf8(&response).unwrap();
    assert!(text.starts_with("HTTP/1.1 101 "), "{text}");
    assert!(text.contains(ACCEPT) && text.contains("Sec-WebSocket-Protocol: chat\r\n"));
    // Each side's 101 satisfies rfc6455's client checks.
    for r in [&response, &tungstenite_accept()] {
        assert_eq!(rfc_verify(r, r.len()).subprotocol(), Some("chat"));
        assert_eq!(rfc_verify(r, PIECE).subprotocol(), Some("chat"));
    }
    assert_eq!(
        rfc_blocking_accept().get_ref().out,
        response,
        "blocking accept writes the same 101"
    );
    assert!(!tungstenite_blocking_accept().get_ref().out.is_empty());
    let (request, _) = rfc_client_sansio(&response);
    assert!(request.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
    assert_eq!(rfc_client_blocking(&response).get_ref().out, request);
    assert!(!tungstenite_client(&response).get_ref().out.is_empty());
    response
}

fn benches(c: &mut Criterion) {
    let response = check();

    let mut g = c.benchmark_group("handshake_parse_request");
    g.throughput(Throughput::Elements(1));
    for (label, piece) in [("whole", REQUEST.len()), ("64B_pieces", PIECE)] {
        g.bench_function(BenchmarkId::new("rfc6455", label), |b| {
            b.iter(|| rfc_parse(black_box(piece)));
        });
        g.bench_function(BenchmarkId::new("tungstenite", label), |b| {
            b.iter(|| tungstenite_parse(black_box(piece)));
        });
        g.bench_function(BenchmarkId::new("httparse_floor", label), |b| {
            b.iter(|| httparse_request(black_box(piece)));
        });
    }
    g.finish();

    let mut g = c.benchmark_group("handshake_accept");
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("rfc6455", "parse+101"), |b| {
        b.iter(rfc_accept);
    });
    g.bench_function(BenchmarkId::new("tungstenite", "parse+101"), |b| {
        b.iter(tungstenite_accept);
    });
    g.bench_function(BenchmarkId::new("rfc6455", "stream"), |b| {
        b.iter(rfc_blocking_accept);
    });
    g.bench_function(BenchmarkId::new("tungstenite", "stream"), |b| {
        b.iter(tungstenite_blocking_accept);
    });
    g.finish();

    let mut g = c.benchmark_group("handshake_verify_response");
    g.throughput(Throughput::Elements(1));
    for (label, piece) in [("whole", response.len()), ("64B_pieces", PIECE)] {
        g.bench_function(BenchmarkId::new("rfc6455", label), |b| {
            b.iter(|| rfc_verify(black_box(&response), piece));
        });
        g.bench_function(BenchmarkId::new("httparse_floor", label), |b| {
            b.iter(|| httparse_response(black_box(&response), piece));
        });
    }
    g.bench_function(BenchmarkId::new("tungstenite_parse_only", "whole"), |b| {
        b.iter(|| {
            tungstenite::handshake::client::Response::try_parse(black_box(&response))
                .unwrap()
                .unwrap()
        });
    });
    g.finish();

    let mut g = c.benchmark_group("handshake_client");
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("rfc6455", "sansio"), |b| {
        b.iter(|| rfc_client_sansio(black_box(&response)));
    });
    g.bench_function(BenchmarkId::new("rfc6455", "stream"), |b| {
        b.iter(|| rfc_client_blocking(black_box(&response)));
    });
    g.bench_function(BenchmarkId::new("tungstenite", "stream"), |b| {
        b.iter(|| tungstenite_client(black_box(&response)));
    });
    g.finish();
}

criterion_group!(handshake, benches);
criterion_main!(handshake);
