//! Interop client for the peer tests (`scripts/peers.sh`): connects to an
//! echo server, prints what the handshake agreed on, then checks that a
//! variety of messages come back unchanged, and that permessage-deflate was
//! really used on the wire when it was agreed.
//!
//! ```text
//! interop_client ws://127.0.0.1:9012/ [--deflate SPEC] [--expect SPEC] [--fragment-size N]
//! ```
//!
//! * `--deflate SPEC`: what to offer (`off`, `default`, or settings; see
//!   `shared/deflate_flag.rs`). Without it the library's default offer.
//! * `--expect SPEC`: `none` (the server must decline), `deflate` (it must
//!   accept), or `deflate,name=value,…` with the agreed parameters to check,
//!   e.g. `deflate,server_no_context_takeover=true,server_max_window_bits=9`.
//! * `--fragment-size N`: send whole messages in frames of at most N bytes.
//!
//! Scenarios: every size from 0 B to 1 MiB of compressible and of random
//! Text and Binary; streamed messages in uneven fragments (a Text fragment
//! ending inside a character, empty fragments, Pings between fragments);
//! 500 pipelined messages; a clean close. Each prints PASS or FAIL; the last
//! line is `N passed, M failed`, and the exit status is 1 on any failure.
//!
//! With deflate agreed it also counts the bytes on the socket: compressible
//! messages must take much less room on the wire than their payload, both
//! ways (what we send, and what the server echoes), so a check cannot pass
//! with the extension agreed but unused.

#[path = "shared/deflate_flag.rs"]
mod deflate_flag;

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use rfc6455::blocking::{self, ClientOptions, Keepalive, Timeouts, WebSocket};
use rfc6455::extension::DeflateParams;
use rfc6455::{CloseCode, Config, Message, MessageKind};

const MIB: usize = 1 << 20;
/// Sizes around every frame-length boundary (125/126, 65535/65536), the
/// 9-bit and 12-bit windows (512, 4096), Node's default threshold (1024)
/// and up to 1 MiB.
const SIZES: &[usize] = &[
    0, 1, 2, 5, 125, 126, 127, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 16_384, 65_535,
    65_536, 65_537, 100_000, 262_144, MIB,
];

fn main() {
    match run() {
        Ok(0) => {}
        Ok(_) => std::process::exit(1),
        Err(e) => {
            println!("FAIL interop_client: {e}");
            println!("0 passed, 1 failed");
            std::process::exit(1);
        }
    }
}

struct Args {
    url: String,
    deflate: Option<Option<rfc6455::extension::DeflateConfig>>,
    expect: Option<String>,
    fragment_size: Option<usize>,
}

fn args() -> Result<Args, String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = deflate_flag::take_flag(&mut args)?;
    let mut url = None;
    let mut expect = None;
    let mut fragment_size = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--expect" => expect = Some(it.next().ok_or("--expect needs a value")?),
            "--fragment-size" => {
                let n = it.next().ok_or("--fragment-size needs a value")?;
                fragment_size = Some(n.parse().map_err(|e| format!("--fragment-size: {e}"))?);
            }
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => url = Some(a),
        }
    }
    Ok(Args {
        url: url.unwrap_or_else(|| "ws://127.0.0.1:9001/".into()),
        deflate,
        expect,
        fragment_size,
    })
}

fn run() -> Result<usize, Box<dyn std::error::Error>> {
    let args = args()?;
    let mut config = Config::default()
        .max_message_size(64 << 20)
        .max_frame_size(64 << 20);
    if let Some(n) = args.fragment_size {
        config = config.fragment_size(Some(n));
    }
    let options = ClientOptions {
        config,
        ..Default::default()
    };
    // ClientOptions has no deflate setting of its own: build the request,
    // then run the handshake over a stream of our own (which counts bytes).
    let mut request = options.request(&args.url)?;
    if let Some(deflate) = args.deflate {
        request = request.deflate(deflate);
    }
    let addr = (request.url().host(), request.url().port())
        .to_socket_addrs()?
        .next()
        .ok_or("the host resolved to no address")?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    tcp.set_nodelay(true)?;
    tcp.set_write_timeout(Some(Duration::from_secs(30)))?;
    let offered = String::from_utf8_lossy(&request.encode()?)
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("sec-websocket-extensions:")
        })
        .map(|l| l.split_once(':').map_or("", |(_, v)| v).trim().to_owned());
    let (mut ws, response) =
        blocking::client_handshake(Counted::new(tcp), &request, options.config.clone())?;
    ws.set_keepalive(Some(Keepalive::DEFAULT));
    let answered = response
        .response()
        .header("Sec-WebSocket-Extensions")
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let params = ws.connection().extensions().deflate().copied();
    println!("url: {}", args.url);
    println!(
        "offered:  Sec-WebSocket-Extensions: {}",
        offered.as_deref().unwrap_or("(none)")
    );
    println!(
        "answered: Sec-WebSocket-Extensions: {}",
        answered.as_deref().unwrap_or("(none)")
    );
    println!("negotiated: {}", deflate_flag::describe(params.as_ref()));

    let mut t = Tally::default();
    t.check("negotiated", || {
        expect(args.expect.as_deref(), params.as_ref())
    });
    let wire = Wire {
        agreed: params.is_some(),
        ours: params.is_some(),
    };
    for kind in Kind::ALL {
        t.check(&format!("echo_{}", kind.name()), || {
            echo_sizes(&mut ws, kind, wire)
        });
    }
    t.check("streamed_fragments", || streamed(&mut ws, wire));
    t.check("pipelined_500", || pipelined(&mut ws));
    t.check("close_1000", || {
        ws.close(CloseCode::NORMAL, "done")?;
        Ok(format!(
            "{} B read, {} B written in all",
            ws.get_ref().read,
            ws.get_ref().written
        ))
    });
    println!("{} passed, {} failed", t.passed, t.failed);
    Ok(t.failed)
}

type Outcome = Result<String, Box<dyn std::error::Error>>;

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

impl Tally {
    fn check(&mut self, name: &str, f: impl FnOnce() -> Outcome) {
        let t0 = Instant::now();
        let result = f();
        let ms = t0.elapsed().as_millis();
        match result {
            Ok(note) => {
                self.passed += 1;
                println!("PASS {name:<30} {ms:>6} ms {note}");
            }
            Err(e) => {
                self.failed += 1;
                println!("FAIL {name:<30} {ms:>6} ms {e}");
            }
        }
    }
}

/// Checks the agreed parameters against `--expect`.
fn expect(spec: Option<&str>, params: Option<&DeflateParams>) -> Outcome {
    let Some(spec) = spec else {
        return Ok("(no --expect)".into());
    };
    let mut items = spec.split(',').map(str::trim).filter(|s| !s.is_empty());
    match (items.next(), params) {
        (Some("none"), None) => return Ok("declined, as expected".into()),
        (Some("none"), Some(_)) => return Err("permessage-deflate agreed, expected none".into()),
        (Some("deflate"), None) => return Err("permessage-deflate was not agreed".into()),
        (Some("deflate"), Some(_)) => {}
        _ => return Err(format!("--expect {spec:?}: starts with none or deflate").into()),
    }
    let p = params.ok_or("unreachable")?;
    for item in items {
        let (name, want) = item.split_once('=').ok_or("--expect: name=value")?;
        let got = match name {
            "server_no_context_takeover" => p.server_no_context_takeover().to_string(),
            "client_no_context_takeover" => p.client_no_context_takeover().to_string(),
            "server_max_window_bits" => p.server_max_window_bits().to_string(),
            "client_max_window_bits" => p.client_max_window_bits().to_string(),
            _ => return Err(format!("--expect: unknown parameter {name}").into()),
        };
        if got != want {
            return Err(format!("{name}={got}, expected {want}").into());
        }
    }
    Ok(format!("agreed as expected ({spec})"))
}

#[derive(Clone, Copy)]
enum Kind {
    TextCompressible,
    TextRandom,
    BinaryCompressible,
    BinaryRandom,
}

impl Kind {
    const ALL: [Self; 4] = [
        Self::TextCompressible,
        Self::TextRandom,
        Self::BinaryCompressible,
        Self::BinaryRandom,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::TextCompressible => "text_compressible",
            Self::TextRandom => "text_random",
            Self::BinaryCompressible => "binary_compressible",
            Self::BinaryRandom => "binary_random",
        }
    }

    fn compressible(self) -> bool {
        matches!(self, Self::TextCompressible | Self::BinaryCompressible)
    }

    /// `n` bytes of this kind (Text: valid UTF-8 of exactly `n` bytes).
    fn payload(self, n: usize, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        match self {
            Self::TextCompressible => {
                let phrase =
                    "permessage-deflate κόσμε 🎉 rfc6455 — the same words again and again. ";
                let mut s = String::with_capacity(n + 8);
                while s.len() < n {
                    s.push_str(phrase);
                }
                truncate_utf8(s.into_bytes(), n)
            }
            Self::TextRandom => {
                let mut s = String::with_capacity(n + 8);
                while s.len() < n {
                    s.push(rng.char());
                }
                truncate_utf8(s.into_bytes(), n)
            }
            // A 61-byte period: within reach of a 512-byte window, whose
            // matches go back at most 250 bytes in zlib.
            Self::BinaryCompressible => (0..n)
                .map(|i| ((i % 61) * 7) as u8 ^ (i >> 12) as u8)
                .collect(),
            Self::BinaryRandom => (0..n).map(|_| rng.next() as u8).collect(),
        }
    }
}

/// Cuts valid UTF-8 to at most `n` bytes at a character boundary, then pads
/// with ASCII to exactly `n`.
fn truncate_utf8(mut bytes: Vec<u8>, n: usize) -> Vec<u8> {
    let mut end = n.min(bytes.len());
    while end > 0 && end < bytes.len() && (bytes[end] & 0xc0) == 0x80 {
        end -= 1;
    }
    bytes.truncate(end);
    bytes.resize(n, b'.');
    bytes
}

/// xorshift64*: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A character from 1-, 2-, 3- and 4-byte UTF-8 alike.
    fn char(&mut self) -> char {
        let r = self.next();
        let (lo, hi) = match r % 4 {
            0 => (0x20, 0x7e),
            1 => (0xa0, 0x7ff),
            2 => (0x800, 0xd7ff),
            _ => (0x1_0000, 0x10_ffff),
        };
        let c = lo + ((r >> 8) % (hi - lo + 1));
        char::from_u32(c as u32).unwrap_or('?')
    }
}

/// Sends one message and waits for its echo (Pings and Pongs skipped).
fn round_trip(ws: &mut WebSocket<Counted>, kind: MessageKind, data: &[u8]) -> Result<(), String> {
    match kind {
        MessageKind::Text => ws.send_text(std::str::from_utf8(data).map_err(|e| e.to_string())?),
        MessageKind::Binary => ws.send_binary(data),
    }
    .map_err(|e| format!("send {} B: {e}", data.len()))?;
    expect_echo(ws, kind, data)
}

fn expect_echo(ws: &mut WebSocket<Counted>, kind: MessageKind, data: &[u8]) -> Result<(), String> {
    loop {
        let got = ws
            .read()
            .map_err(|e| format!("waiting for the echo of {} B: {e}", data.len()))?;
        let (got_kind, bytes): (MessageKind, &[u8]) = match &got {
            Message::Text(t) => (MessageKind::Text, t.as_bytes()),
            Message::Binary(b) => (MessageKind::Binary, b),
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Close(frame) => {
                return Err(format!(
                    "server closed ({frame:?}) instead of echoing {} B",
                    data.len()
                ));
            }
        };
        if got_kind != kind {
            return Err(format!(
                "sent {kind:?} of {} B, got {got_kind:?}",
                data.len()
            ));
        }
        if bytes != data {
            let at = bytes.iter().zip(data).position(|(a, b)| a != b);
            return Err(format!(
                "echo of {} B differs: got {} B, first difference at {at:?}",
                data.len(),
                bytes.len()
            ));
        }
        return Ok(());
    }
}

/// What compression the agreed parameters lead to expect on the wire.
#[derive(Clone, Copy)]
struct Wire {
    /// permessage-deflate was agreed: the server compresses (python's and
    /// node's compress every message that is not tiny).
    agreed: bool,
    /// We compress: agreed (with an 8-bit client window too: the library
    /// then uses zlib's 9-bit window, whose references reach back 250 bytes).
    ours: bool,
}

impl Wire {
    /// Checks `written` and `read` bytes for `payload` bytes each way, which
    /// compress to at most `ratio` of their size.
    fn check(self, note: String, payload: u64, written: u64, read: u64, ratio: f64) -> Outcome {
        let shrank = |n: u64| (n as f64) <= payload as f64 * ratio;
        if self.ours && !shrank(written) {
            return Err(format!("{note}: what we sent was not compressed").into());
        }
        if self.agreed && !shrank(read) {
            return Err(format!("{note}: what the server sent was not compressed").into());
        }
        Ok(note)
    }
}

/// Every size of one kind, one after the other on the same connection (so
/// context takeover carries across them).
fn echo_sizes(ws: &mut WebSocket<Counted>, kind: Kind, wire: Wire) -> Outcome {
    let msg_kind = match kind {
        Kind::TextCompressible | Kind::TextRandom => MessageKind::Text,
        Kind::BinaryCompressible | Kind::BinaryRandom => MessageKind::Binary,
    };
    let (r0, w0) = (ws.get_ref().read, ws.get_ref().written);
    let mut payload = 0;
    for &n in SIZES {
        let data = kind.payload(n, 1);
        round_trip(ws, msg_kind, &data)?;
        payload += n as u64;
    }
    let (read, written) = (ws.get_ref().read - r0, ws.get_ref().written - w0);
    let note = format!(
        "{} sizes 0..{} B, {payload} B payload each way; on the wire {written} B sent, {read} B received",
        SIZES.len(),
        MIB
    );
    if !kind.compressible() {
        return Ok(note);
    }
    // Frame headers and masks add < 1%; compression of these payloads is
    // far better than 4:1, even with a 512-byte window.
    wire.check(note, payload, written, read, 0.25)
}

/// Streamed messages: uneven fragments, empty ones, a Text fragment that
/// ends inside a character, Pings between fragments.
fn streamed(ws: &mut WebSocket<Counted>, wire: Wire) -> Outcome {
    let (r0, w0) = (ws.get_ref().read, ws.get_ref().written);
    let mut payload = 0u64;
    let text = Kind::TextCompressible.payload(300_000, 2);
    // Cuts at byte offsets, one inside "κ" (2 bytes) of the phrase.
    let phrase_k = text.iter().position(|&b| b == 0xce).ok_or("no κ")?;
    let cuts = [0, phrase_k + 1, 1000, 1000, 70_000, 200_000, 300_000];
    let random = Kind::BinaryRandom.payload(MIB, 3);
    let packed = Kind::BinaryCompressible.payload(MIB, 4);
    let messages: [(MessageKind, &[u8], Vec<usize>); 3] = [
        (MessageKind::Text, &text, cuts.to_vec()),
        (
            MessageKind::Binary,
            &random,
            (0..=16).map(|i| i * MIB / 16).collect(),
        ),
        (
            MessageKind::Binary,
            &packed,
            vec![0, 0, 1, 65_536, 65_536, 500_000, MIB],
        ),
    ];
    for (i, (kind, data, cuts)) in messages.iter().enumerate() {
        let last = cuts.len() - 2;
        for (j, w) in cuts.windows(2).enumerate() {
            ws.send_fragment(*kind, &data[w[0]..w[1]], j == last)
                .map_err(|e| format!("message {i} fragment {j}: {e}"))?;
            if j % 3 == 1 {
                ws.ping(b"between fragments")?;
            }
        }
        expect_echo(ws, *kind, data).map_err(|e| format!("message {i}: {e}"))?;
        payload += data.len() as u64;
    }
    let (read, written) = (ws.get_ref().read - r0, ws.get_ref().written - w0);
    let note = format!(
        "text 300000 B in 6 fragments (one ends inside a character), binary 1 MiB random in 16, \
         1 MiB compressible in 6 (2 empty), pings between; on the wire {written} B sent, {read} B received"
    );
    // Only the compressible ones can shrink: 1.3 MB of the 2.3 MB.
    wire.check(note, payload, written, read, 0.6)
}

/// 500 small messages written before any echo is read.
fn pipelined(ws: &mut WebSocket<Counted>) -> Outcome {
    let messages: Vec<(MessageKind, Vec<u8>)> = (0..500)
        .map(|i| {
            let kind = Kind::ALL[i % 4];
            let k = match kind {
                Kind::TextCompressible | Kind::TextRandom => MessageKind::Text,
                _ => MessageKind::Binary,
            };
            (k, kind.payload((i * 37) % 700, i as u64))
        })
        .collect();
    for (kind, data) in &messages {
        match kind {
            MessageKind::Text => ws.write(Message::Text(
                std::str::from_utf8(data).map_err(|e| e.to_string())?.into(),
            )),
            MessageKind::Binary => ws.write(Message::Binary(data.as_slice().into())),
        }?;
    }
    ws.flush()?;
    for (i, (kind, data)) in messages.iter().enumerate() {
        expect_echo(ws, *kind, data).map_err(|e| format!("message {i}: {e}"))?;
    }
    Ok("500 messages of 0..700 B, all four kinds, in order".into())
}

/// A TcpStream that counts the bytes read and written.
struct Counted {
    inner: TcpStream,
    read: u64,
    written: u64,
}

impl Counted {
    fn new(inner: TcpStream) -> Self {
        Self {
            inner,
            read: 0,
            written: 0,
        }
    }
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Timeouts for Counted {
    fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.inner.read_timeout()
    }
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_read_timeout(timeout)
    }
    fn write_timeout(&self) -> io::Result<Option<Duration>> {
        self.inner.write_timeout()
    }
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.set_write_timeout(timeout)
    }
}
