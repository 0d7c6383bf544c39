//! permessage-deflate (RFC 7692, issue #13): compressed echo throughput
//! through two `Connection`s, against the limit of zlib-rs alone doing the
//! same compression and decompression; and the bytes each direction puts on
//! the wire.
//!
//! The workload is JSON-ish text (`common::json_text`: event records with
//! English-ish text fields, ~3–4× compressible) in batches of about 1 MiB of
//! distinct messages of 1 KiB, 64 KiB or 1 MiB (1 MiB: two messages). One
//! iteration echoes the whole batch, one message at a time:
//!
//! - `rfc6455_text` / `rfc6455_binary`: the client `send_text`s (or
//!   `send_binary`s) a message, its `poll_output` goes into the server's
//!   `receive`, the server takes it with `poll_message_and_sender` and sends
//!   it back from the lent bytes, and the client `receive`s and
//!   `poll_message`s the echo. Both connections have `DeflateConfig::default()`
//!   negotiated (context takeover both ways, 12-bit windows, level 6,
//!   mem_level 5).
//! - `zlib_rs_limit`: the same four codec steps with `zlib_rs::{Deflate,
//!   Inflate}` called directly (raw deflate, the same window bits, level and
//!   mem_level, a sync flush per message with its `00 00 ff ff` removed and
//!   appended back for the inflater), into reused buffers: no framing, masking,
//!   copies into a receive buffer, UTF-8 checks or 32 KiB steps. Before timing,
//!   a pass checks that the connections put exactly these compressed bytes on
//!   the wire.
//!
//! Criterion measures these cells in the bench thread's CPU time
//! (`ThreadCpu`), not wall time: on the shared 2-core machine other jobs'
//! load moved wall-clock cells by ±50 %. Before them it prints the wire table
//! and an interleaved comparison (`print_interleaved`: the cells alternate
//! within each round, and the ratio is the median over rounds), which is the
//! most robust ratio; `DEFLATE_SKIP_INTERLEAVED=1` leaves it out.
//!
//! `cargo bench -p rfc6455-benches --bench deflate -- --warm-up-time 1 --measurement-time 3`
//!
//! With `DEFLATE_WIRE_DIR=<dir>` set it writes the payloads and rfc6455's byte
//! counts to `<dir>` instead of timing, for `benches/tools/deflate_wire.py`,
//! which sends the same payloads through Python `websockets` on loopback.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, Throughput};
use rfc6455::extension::{DeflateConfig, DeflateParams, Negotiated};
use rfc6455::{Config, Connection, Message, Role};
use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush};

mod common;
use common::{json_text, sizes_label};

const SIZES: [usize; 3] = [1 << 10, 64 << 10, 1 << 20];

/// Payload bytes per batch (at least two messages).
const BATCH_BYTES: usize = 1 << 20;

/// What a sync flush ends with and RFC 7692 §7.2.1 removes.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The distinct messages of one batch of `size`-byte messages.
fn batch(size: usize) -> Vec<String> {
    let count = (BATCH_BYTES / size).max(2);
    (0..count)
        .map(|i| json_text(size, ((size as u64) << 20) | i as u64))
        .collect()
}

/// A client and a server `Connection` with permessage-deflate as `config`
/// states it, talking through `receive`.
struct Pair {
    client: Connection,
    server: Connection,
}

/// Bytes one direction carried: frame payloads and whole frames.
#[derive(Debug, Default, Clone, Copy)]
struct Carried {
    payload: usize,
    wire: usize,
}

impl Carried {
    fn add(&mut self, frames: &[u8]) {
        let mut pos = 0;
        while pos < frames.len() {
            let (len, header) = frame_at(&frames[pos..]);
            self.payload += len;
            self.wire += header + len;
            pos += header + len;
        }
    }
}

/// The payload length and header length (with the masking key) of the
/// frame at the start of `wire`.
fn frame_at(wire: &[u8]) -> (usize, usize) {
    let masked = wire[1] & 0x80 != 0;
    let (len, mut header) = match wire[1] & 0x7F {
        126 => (usize::from(u16::from_be_bytes([wire[2], wire[3]])), 4),
        127 => (
            u64::from_be_bytes(wire[2..10].try_into().unwrap()) as usize,
            10,
        ),
        l => (usize::from(l), 2),
    };
    if masked {
        header += 4;
    }
    (len, header)
}

/// Called with the frames of each direction of one echo: client to server
/// (masked), server to client.
type Seen<'a> = dyn FnMut(&[u8], &[u8]) + 'a;

impl Pair {
    fn new(config: &DeflateConfig) -> Self {
        let negotiated = Negotiated::with_deflate(DeflateParams::new(config));
        Self {
            client: Connection::new(Role::Client, Config::default()).with_extensions(&negotiated),
            server: Connection::new(Role::Server, Config::default()).with_extensions(&negotiated),
        }
    }

    /// One echo; with `seen`, counts the frames of each direction and hands
    /// the server's (unmasked) frames to the callback. Returns the length of
    /// the echo the client received.
    fn echo(&mut self, text: &str, binary: bool, mut seen: Option<&mut Seen<'_>>) -> usize {
        if binary {
            self.client.send_binary(text.as_bytes()).unwrap();
        } else {
            self.client.send_text(text).unwrap();
        }
        let up = self.client.poll_output();
        let n = up.len();
        self.server.receive(up);
        let up_copy = seen.as_ref().map(|_| up.to_vec());
        self.client.advance_output(n).unwrap();

        let (message, mut sender) = self.server.poll_message_and_sender().unwrap().unwrap();
        assert_eq!(message.is_text(), !binary);
        sender.send(&message).unwrap();
        let down = self.server.poll_output();
        let n = down.len();
        self.client.receive(down);
        if let (Some(f), Some(up)) = (seen.as_mut(), &up_copy) {
            f(up, down);
        }
        self.server.advance_output(n).unwrap();

        match self.client.poll_message().unwrap().unwrap() {
            Message::Text(t) if !binary => black_box(t.len()),
            Message::Binary(b) if binary => black_box(b.len()),
            other => panic!("unexpected echo {other:?}"),
        }
    }
}

/// One side of the limit: zlib-rs's compressor and decompressor, and reused
/// buffers (grown once, never zeroed again).
struct ZlibSide {
    deflate: Deflate,
    inflate: Inflate,
    /// Compressed bytes of the last message sent, room for the tail after them.
    wire: Vec<u8>,
    wire_len: usize,
    /// Decompressed bytes of the last message received.
    plain: Vec<u8>,
    /// No context takeover for what this side sends / receives: the stream
    /// is reset after each message (kept allocated: the fastest way), or
    /// with `recreate` dropped and made anew, as the library does so that an
    /// idle connection holds no zlib state.
    reset_send: bool,
    reset_recv: bool,
    recreate: bool,
    send_config: zlib_rs::DeflateConfig,
    recv_bits: u8,
}

/// Compresses a whole message with a sync flush into `wire`; returns its
/// length with the tail removed.
fn compress_message(deflate: &mut Deflate, data: &[u8], wire: &mut Vec<u8>) -> usize {
    let bound = data.len() + data.len() / 8 + 64;
    if wire.len() < bound + TAIL.len() {
        wire.resize(bound + TAIL.len(), 0);
    }
    let (in0, out0) = (deflate.total_in(), deflate.total_out());
    deflate
        .compress(data, &mut wire[..bound], DeflateFlush::SyncFlush)
        .unwrap();
    let n = (deflate.total_out() - out0) as usize;
    assert!(
        (deflate.total_in() - in0) as usize == data.len() && n < bound,
        "one call compresses a whole message"
    );
    debug_assert!(wire[..n].ends_with(&TAIL));
    n - TAIL.len()
}

impl ZlibSide {
    fn new(send: (u8, bool), recv: (u8, bool), level: u8, mem_level: u8, recreate: bool) -> Self {
        let ((send_bits, reset_send), (recv_bits, reset_recv)) = (send, recv);
        let send_config = zlib_rs::DeflateConfig {
            level: i32::from(level),
            method: zlib_rs::Method::Deflated,
            window_bits: -i32::from(send_bits),
            mem_level: i32::from(mem_level),
            strategy: zlib_rs::Strategy::Default,
        };
        Self {
            deflate: Deflate::new_with_config(send_config),
            inflate: Inflate::new(false, recv_bits),
            wire: Vec::new(),
            wire_len: 0,
            plain: Vec::new(),
            reset_send,
            reset_recv,
            recreate,
            send_config,
            recv_bits,
        }
    }

    /// After a message sent without context takeover.
    fn end_sent(&mut self) {
        if self.recreate {
            self.deflate = Deflate::new_with_config(self.send_config);
        } else {
            self.deflate.reset();
        }
    }

    /// Sends `data`: compresses it into `wire`.
    fn send(&mut self, data: &[u8]) {
        self.wire_len = compress_message(&mut self.deflate, data, &mut self.wire);
        if self.reset_send {
            self.end_sent();
        }
    }

    /// Echoes the message in `plain` (its first `n` bytes).
    fn send_back(&mut self, n: usize) {
        self.wire_len = compress_message(&mut self.deflate, &self.plain[..n], &mut self.wire);
        if self.reset_send {
            self.end_sent();
        }
    }

    /// The compressed bytes of the last message sent, tail removed.
    fn sent(&self) -> &[u8] {
        &self.wire[..self.wire_len]
    }

    /// Decompresses the peer's last message (the tail appended back, in
    /// place) into `plain`; returns its length.
    fn receive(&mut self, peer: &mut Self) -> usize {
        let n = peer.wire_len;
        peer.wire[n..n + TAIL.len()].copy_from_slice(&TAIL);
        let mut input = &peer.wire[..n + TAIL.len()];
        let mut produced = 0;
        loop {
            if self.plain.len() == produced {
                let grown = (self.plain.len() * 2).max(64 << 10);
                self.plain.resize(grown, 0);
            }
            let i = &mut self.inflate;
            let (in0, out0) = (i.total_in(), i.total_out());
            i.decompress(input, &mut self.plain[produced..], InflateFlush::NoFlush)
                .unwrap();
            input = &input[(i.total_in() - in0) as usize..];
            produced += (i.total_out() - out0) as usize;
            if input.is_empty() && produced < self.plain.len() {
                if self.reset_recv && self.recreate {
                    self.inflate = Inflate::new(false, self.recv_bits);
                } else if self.reset_recv {
                    // A raw stream again (its window bits become 15, which
                    // decompresses any smaller window too).
                    self.inflate.reset(false);
                }
                return produced;
            }
        }
    }
}

/// The limit: a client and a server side of zlib-rs alone.
struct ZlibPair {
    client: ZlibSide,
    server: ZlibSide,
}

impl ZlibPair {
    fn new(config: &DeflateConfig) -> Self {
        Self::with_recreate(config, false)
    }

    /// Without context takeover, streams dropped and made anew after each
    /// message instead of reset (the same as [`ZlibPair::new`] with takeover).
    fn with_recreate(config: &DeflateConfig, recreate: bool) -> Self {
        let (level, mem) = (config.get_compression_level(), config.get_mem_level());
        let c = (
            config.get_client_max_window_bits(),
            config.get_client_no_context_takeover(),
        );
        let s = (
            config.get_server_max_window_bits(),
            config.get_server_no_context_takeover(),
        );
        Self {
            client: ZlibSide::new(c, s, level, mem, recreate),
            server: ZlibSide::new(s, c, level, mem, recreate),
        }
    }

    /// One echo: compress, decompress, compress the decompressed bytes back,
    /// decompress. Returns the length the client received.
    fn echo(&mut self, text: &str) -> usize {
        self.client.send(text.as_bytes());
        let n = self.server.receive(&mut self.client);
        self.server.send_back(n);
        black_box(self.client.receive(&mut self.server))
    }
}

/// A pass over `batch` on fresh pairs before timing: the echoes arrive
/// intact, and the connections' frames carry exactly the limit's compressed
/// bytes (server to client compared byte for byte; client to server, which
/// is masked, by length), within a few bytes for messages over 256 KiB.
fn check_same_bytes(config: &DeflateConfig, batch: &[String]) {
    let mut pair = Pair::new(config);
    let mut limit = ZlibPair::new(config);
    for text in batch {
        let got = limit.echo(text);
        assert_eq!(&limit.client.plain[..got], text.as_bytes());
        let (up_len, down) = (limit.client.sent().len(), limit.server.sent().to_vec());
        // The library compresses a message of over 256 KiB in calls of at
        // most 256 KiB of output (so its scratch grows with the output); zlib
        // may then end a block elsewhere than the limit's one call does, a
        // few bytes either way. Up to 256 KiB the bytes must be the same.
        let slack = 8 * (text.len() / (256 * 1024));
        let mut check = |up: &[u8], frames: &[u8]| {
            let (len, header) = frame_at(up);
            assert_eq!(header + len, up.len(), "one frame up");
            assert!(
                len.abs_diff(up_len) <= slack,
                "client's compressed length {len} against {up_len}"
            );
            let (len, header) = frame_at(frames);
            if slack == 0 {
                assert_eq!(&frames[header..header + len], &down[..], "server's frame");
            } else {
                assert!(
                    len.abs_diff(down.len()) <= slack,
                    "server's compressed length {len} against {}",
                    down.len()
                );
            }
        };
        assert_eq!(pair.echo(text, false, Some(&mut check)), text.len());
    }
}

/// The settings timed: the default, and no context takeover either way
/// (every message compressed on its own, streams dropped after each).
fn timed_configs() -> [(&'static str, DeflateConfig); 2] {
    let d = DeflateConfig::default();
    [
        ("deflate_echo", d),
        (
            "deflate_echo_no_takeover",
            d.server_no_context_takeover(true)
                .client_no_context_takeover(true),
        ),
    ]
}

fn benches(c: &mut Criterion<ThreadCpu>) {
    for (group, config) in timed_configs() {
        let mut g = c.benchmark_group(group);
        g.sample_size(10);
        for size in SIZES {
            let batch = batch(size);
            check_same_bytes(&config, &batch);
            let label = sizes_label(size);
            g.throughput(Throughput::ElementsAndBytes {
                elements: batch.len() as u64,
                bytes: (size * batch.len()) as u64,
            });
            for (name, binary) in [("rfc6455_text", false), ("rfc6455_binary", true)] {
                let mut pair = Pair::new(&config);
                g.bench_function(BenchmarkId::new(name, &label), |b| {
                    b.iter(|| {
                        for text in &batch {
                            pair.echo(text, binary, None);
                        }
                    });
                });
            }
            let mut limit = ZlibPair::new(&config);
            g.bench_function(BenchmarkId::new("zlib_rs_limit", &label), |b| {
                b.iter(|| {
                    for text in &batch {
                        limit.echo(text);
                    }
                });
            });
            if config.get_client_no_context_takeover() {
                let mut fresh = ZlibPair::with_recreate(&config, true);
                g.bench_function(BenchmarkId::new("zlib_rs_new_streams", &label), |b| {
                    b.iter(|| {
                        for text in &batch {
                            fresh.echo(text);
                        }
                    });
                });
            }
        }
        g.finish();
    }
}

/// The settings the wire table compares.
fn wire_configs() -> [(&'static str, DeflateConfig); 3] {
    let d = DeflateConfig::default();
    [
        ("rfc6455 default (12/12 bits, mem 5, level 6, takeover)", d),
        (
            "rfc6455 no context takeover",
            d.server_no_context_takeover(true)
                .client_no_context_takeover(true),
        ),
        (
            "rfc6455 zlib defaults (15/15 bits, mem 8)",
            d.server_max_window_bits(15)
                .client_max_window_bits(15)
                .mem_level(8),
        ),
    ]
}

/// Bytes each direction carried for one pass over `batch` on a fresh pair.
fn carried(config: &DeflateConfig, batch: &[String]) -> (Carried, Carried) {
    let mut pair = Pair::new(config);
    let (mut up, mut down) = (Carried::default(), Carried::default());
    for text in batch {
        pair.echo(
            text,
            false,
            Some(&mut |u: &[u8], d: &[u8]| {
                up.add(u);
                down.add(d);
            }),
        );
    }
    (up, down)
}

/// CPU time of the calling thread (not counting time other jobs held the core).
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant
    // Linux defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Criterion's measurement for the `deflate_echo*` groups: CPU time of the
/// bench thread, so that a cell is not charged for the time other jobs on
/// the machine held its core (wall-clock cells drifted by ±50 % here while
/// other builds ran). Reported and formatted like wall time.
struct ThreadCpu(WallTime);

impl Measurement for ThreadCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu()
    }

    fn end(&self, start: Duration) -> Duration {
        thread_cpu() - start
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Rounds of the interleaved comparison per size.
const ROUNDS: usize = 31;

/// The cells of each timed group interleaved: each round echoes one batch
/// through each (in an order that rotates with the round), timed in the bench
/// thread's CPU time; the ratio of each round is taken and the median over
/// rounds printed. Slow drifts of the machine's load hit all cells alike.
/// Without context takeover a fourth cell, the limit with its streams made
/// anew for each message (as the library does) instead of reset, shows what
/// that policy costs.
fn print_interleaved() {
    println!(
        "Interleaved, {ROUNDS} rounds, bench thread CPU time per batch (median); ratios = limit time / rfc6455 time in the same round (median)"
    );
    println!(
        "| setting | size | messages | rfc6455 text | rfc6455 binary | zlib-rs limit | limit, new streams | text / limit | binary / limit | text / new streams |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for ((group, config), size) in timed_configs()
        .into_iter()
        .flat_map(|c| SIZES.map(|s| (c, s)))
    {
        let batch = batch(size);
        let mut text = Pair::new(&config);
        let mut binary = Pair::new(&config);
        let mut limit = ZlibPair::new(&config);
        let mut fresh = ZlibPair::with_recreate(&config, true);
        let cells = if config.get_client_no_context_takeover() {
            4
        } else {
            3
        };
        let mut times: [Vec<f64>; 4] = Default::default();
        for round in 0..=ROUNDS {
            let mut t = [0.0; 4];
            for k in 0..cells {
                let cell = (round + k) % cells;
                let start = thread_cpu();
                for m in &batch {
                    match cell {
                        0 => text.echo(m, false, None),
                        1 => binary.echo(m, true, None),
                        2 => limit.echo(m),
                        _ => fresh.echo(m),
                    };
                }
                t[cell] = (thread_cpu() - start).as_secs_f64();
            }
            // Round 0 warms up.
            if round > 0 {
                for (all, one) in times.iter_mut().zip(t) {
                    all.push(one);
                }
            }
        }
        let ratio = |of: usize, to: usize| {
            let mut r: Vec<f64> = (0..ROUNDS).map(|i| times[of][i] / times[to][i]).collect();
            format!("{:.3}×", median(&mut r))
        };
        let (text_ratio, bin_ratio) = (ratio(2, 0), ratio(2, 1));
        let fresh_ratio = if cells == 4 {
            ratio(3, 0)
        } else {
            "–".into()
        };
        let mut ms = |i: usize| {
            if times[i].iter().all(|&t| t == 0.0) {
                "–".into()
            } else {
                format!("{:.2} ms", median(&mut times[i]) * 1e3)
            }
        };
        println!(
            "| {group} | {} | {} | {} | {} | {} | {} | {text_ratio} | {bin_ratio} | {fresh_ratio} |",
            sizes_label(size),
            batch.len(),
            ms(0),
            ms(1),
            ms(2),
            ms(3),
        );
    }
    println!();
}

fn print_wire_table() {
    println!(
        "permessage-deflate: frame payload bytes of one pass over each batch, client to server / server to client"
    );
    println!(
        "| setting | size | messages | payload | compressed up | compressed down | ratio (down) |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for size in SIZES {
        let batch = batch(size);
        let raw = size * batch.len();
        for (name, config) in wire_configs() {
            let (up, down) = carried(&config, &batch);
            println!(
                "| {name} | {} | {} | {raw} | {} | {} | {:.2}× |",
                sizes_label(size),
                batch.len(),
                up.payload,
                down.payload,
                raw as f64 / down.payload as f64
            );
        }
    }
    println!();
}

/// Writes `<dir>/<size>.txt` (the batch's messages back to back, each
/// exactly `size` bytes) and `<dir>/rfc6455.json` (what each setting
/// carried), for `benches/tools/deflate_wire.py`.
fn dump_wire(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut json = String::from("[\n");
    for size in SIZES {
        let batch = batch(size);
        std::fs::write(dir.join(format!("{size}.txt")), batch.concat()).unwrap();
        for (name, config) in wire_configs() {
            let (up, down) = carried(&config, &batch);
            if !json.ends_with("[\n") {
                json.push_str(",\n");
            }
            write!(
                json,
                r#"  {{"setting": "{name}", "size": {size}, "messages": {}, "up_payload": {}, "up_wire": {}, "down_payload": {}, "down_wire": {}}}"#,
                batch.len(),
                up.payload,
                up.wire,
                down.payload,
                down.wire
            )
            .unwrap();
        }
    }
    json.push_str("\n]\n");
    std::fs::write(dir.join("rfc6455.json"), json).unwrap();
    println!("wrote payloads and rfc6455.json to {}", dir.display());
}

fn main() {
    if let Some(dir) = std::env::var_os("DEFLATE_WIRE_DIR") {
        dump_wire(Path::new(&dir));
        return;
    }
    print_wire_table();
    // Not under `cargo test --benches` (no `--bench` flag), where criterion
    // runs each cell once and the interleaved rounds would take minutes.
    let benching = std::env::args().any(|a| a == "--bench");
    if benching && std::env::var_os("DEFLATE_SKIP_INTERLEAVED").is_none() {
        print_interleaved();
    }
    let mut c = Criterion::default()
        .with_measurement(ThreadCpu(WallTime))
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
}
