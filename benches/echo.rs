//! Echo over loopback TCP through the blocking adapters, against a plain TCP
//! echo of the same bytes (the limit) and tungstenite; plus the heap an idle
//! server connection holds.
//!
//! Every server is a thread per connection on 127.0.0.1 with `TCP_NODELAY`:
//! - `rfc6455`: `blocking::accept`, then `read()` → `send()` (as
//!   `examples/echo_server.rs`); the client is `blocking::connect`.
//! - `rfc6455_read_with` (pipelined only): the same with the lending read,
//!   `read_with` → `Sender::send` on the server and `read_with` on the
//!   client's reader: no message is copied into an owned one.
//! - `raw_tcp`: `read()` into 64 KiB → `write_all()` of what was read; the
//!   client writes the bytes of one masked client frame of the same payload
//!   and reads the same number back.
//! - `tungstenite` (round trips only; its blocking API cannot split a socket
//!   into a reader and a writer thread): `tungstenite::accept` / `client`.
//! - `raw_tcp_4KiB_reads` (pipelined only): the same with 4 KiB reads on the
//!   server and the client reader, the size rfc6455 reads by default
//!   (`Config::read_buffer_size`, also `ReadHalf`'s buffer).
//! - `rfc6455_core_batched` (pipelined only): the sans-IO core driven by hand
//!   on the server, answering all messages of one read with one write. Not an
//!   API users get from `blocking`; it shows what the adapter's one-write-per-
//!   message costs. `rfc6455_core_batched_64KiB_reads`: the same with
//!   `Config::read_buffer_size(64 KiB)` on the server and the client.
//!
//! Groups (payload sizes 16 B, 1 KiB, 64 KiB, Binary):
//! - `echo_round_trip`: one message outstanding; throughput = round trips/s.
//! - `echo_pipelined`: a writer thread sends 256 messages (one `send` each),
//!   the bench thread reads the 256 echoes (`split()` for rfc6455, `try_clone`
//!   for raw TCP); throughput = messages/s.
//!
//! Before the timings it prints the heap held by an idle server connection
//! after the handshake and one 12-byte message, counted per thread by a
//! counting global allocator (thread-local counts: the client's allocations on
//! other threads are not included).
//!
//! `cargo bench -p rfc6455-benches --bench echo -- --warm-up-time 1 --measurement-time 2`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group};
use rfc6455::blocking::{self, Accepted, ClientOptions, Decision, ServerOptions, WebSocket};
use rfc6455::{CloseCode, Config, Message};

mod common;
use common::{Kind, Rng, payload, push_frame, sizes_label};

const SIZES: [usize; 3] = [16, 1 << 10, 64 << 10];
/// Messages in flight per iteration of `echo_pipelined`.
const PIPELINE: usize = 256;
/// Bytes per `read` of the raw TCP echo (server and client reader).
const RAW_READ: usize = 64 << 10;
/// rfc6455's default `Config::read_buffer_size`.
const DEFAULT_READ: usize = 4 << 10;

/// Counts live heap bytes per thread.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: allocations during thread teardown are not counted.
    let _ = LIVE.try_with(|c| c.set(c.get() + delta));
}

// SAFETY: forwards every call to `System` unchanged and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

/// The echo servers.
#[derive(Debug, Clone, Copy)]
enum Server {
    Rfc6455,
    /// `read_with` → `Sender::send`: the lending read, no copy of the message.
    Rfc6455Lending,
    /// The core by hand with this `Config::read_buffer_size`.
    CoreBatched(usize),
    Tungstenite,
    /// Plain TCP echo reading at most this many bytes per `read`.
    RawTcp(usize),
}

/// Listens on an ephemeral loopback port; one thread per connection.
fn listen(server: Server) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            stream.set_nodelay(true).unwrap();
            thread::spawn(move || match server {
                Server::Rfc6455 => serve_rfc6455(stream),
                Server::Rfc6455Lending => serve_rfc6455_lending(stream),
                Server::CoreBatched(read_size) => serve_core_batched(stream, read_size),
                Server::Tungstenite => serve_tungstenite(stream),
                Server::RawTcp(read_size) => serve_raw(stream, read_size),
            });
        }
    });
    addr
}

fn serve_rfc6455(stream: TcpStream) {
    let Ok(mut ws) = blocking::accept(stream) else {
        return;
    };
    loop {
        match ws.read() {
            Ok(message @ (Message::Text(_) | Message::Binary(_))) => {
                // As examples/echo_server does: queued, written before the
                // next blocking read.
                if ws.write(message).is_err() {
                    return;
                }
            }
            Ok(Message::Close(_)) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// As `examples/echo_server.rs` does: `read_with` lends the message and the
/// send half, and the echo is queued from the receive buffer.
fn serve_rfc6455_lending(stream: TcpStream) {
    let Ok(mut ws) = blocking::accept(stream) else {
        return;
    };
    loop {
        let step = ws.read_with(|message, mut sender| match message {
            Message::Text(_) | Message::Binary(_) => sender.send(&message).is_ok(),
            Message::Close(_) => false,
            _ => true,
        });
        if !matches!(step, Ok(true)) {
            return;
        }
    }
}

/// The core by hand: one read, echo every whole message in it, one write.
fn serve_core_batched(stream: TcpStream, read_size: usize) {
    let options = ServerOptions {
        config: Config::default().read_buffer_size(read_size),
        ..Default::default()
    };
    let Ok(Accepted::WebSocket(ws, _)) =
        blocking::accept_with(stream, &options, |_| Decision::accept())
    else {
        return;
    };
    let (mut stream, mut conn) = ws.into_parts();
    let mut scratch = Vec::new();
    loop {
        let n = match stream.read(conn.read_buf()) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if conn.commit_read(n).is_err() {
            return;
        }
        let mut closed = false;
        loop {
            let (is_text, done) = match conn.poll_message() {
                Ok(Some(Message::Binary(b))) => {
                    scratch.clear();
                    scratch.extend_from_slice(&b);
                    (false, false)
                }
                Ok(Some(Message::Text(t))) => {
                    scratch.clear();
                    scratch.extend_from_slice(t.as_bytes());
                    (true, false)
                }
                Ok(Some(Message::Close(_))) => {
                    closed = true;
                    break;
                }
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(_) => (false, true),
            };
            if done {
                closed = true;
                break;
            }
            let sent = if is_text {
                conn.send_text(std::str::from_utf8(&scratch).unwrap())
            } else {
                conn.send_binary(&scratch)
            };
            if sent.is_err() {
                return;
            }
        }
        let out = conn.poll_output();
        let len = out.len();
        if stream.write_all(out).is_err() || conn.advance_output(len).is_err() {
            return;
        }
        if closed {
            return;
        }
    }
}

fn serve_tungstenite(stream: TcpStream) {
    let Ok(mut ws) = tungstenite::accept(stream) else {
        return;
    };
    // After a Close, the next `read` writes the echoed Close and returns an error.
    while let Ok(message) = ws.read() {
        if (message.is_text() || message.is_binary()) && ws.send(message).is_err() {
            return;
        }
    }
}

fn serve_raw(mut stream: TcpStream, read_size: usize) {
    let mut buf = vec![0u8; read_size];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

fn connect_rfc6455(addr: SocketAddr) -> WebSocket<blocking::ClientStream> {
    blocking::connect(&format!("ws://{addr}/")).unwrap().0
}

/// A client whose reads (and `ReadHalf` buffer) are `read_size` bytes.
fn connect_rfc6455_reading(
    addr: SocketAddr,
    read_size: usize,
) -> WebSocket<blocking::ClientStream> {
    let options = ClientOptions {
        config: Config::default().read_buffer_size(read_size),
        ..Default::default()
    };
    blocking::connect_with(&format!("ws://{addr}/"), &options)
        .unwrap()
        .0
}

fn connect_raw(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// One masked client frame carrying `data`: what the raw client writes.
fn client_frame(data: &[u8]) -> Vec<u8> {
    let mut frame = Vec::new();
    push_frame(&mut frame, true, 2, Some(Rng::new(7).key()), data);
    frame
}

fn rfc_round_trip(ws: &mut WebSocket<blocking::ClientStream>, data: &[u8]) -> Message<'static> {
    ws.send_binary(data).unwrap();
    ws.read().unwrap()
}

fn tungstenite_round_trip(
    ws: &mut tungstenite::WebSocket<TcpStream>,
    data: &tungstenite::Bytes,
) -> tungstenite::Message {
    ws.send(tungstenite::Message::Binary(data.clone())).unwrap();
    ws.read().unwrap()
}

fn raw_round_trip(stream: &mut TcpStream, frame: &[u8], back: &mut [u8]) {
    stream.write_all(frame).unwrap();
    stream.read_exact(back).unwrap();
}

fn round_trips(c: &mut Criterion, rfc: SocketAddr, tung: SocketAddr, raw: SocketAddr) {
    let mut g = c.benchmark_group("echo_round_trip");
    for size in SIZES {
        let label = sizes_label(size);
        let data = payload(Kind::Binary, size, size as u64);
        g.throughput(Throughput::ElementsAndBytes {
            elements: 1,
            bytes: size as u64,
        });

        let mut ws = connect_rfc6455(rfc);
        assert_eq!(rfc_round_trip(&mut ws, &data).as_bytes(), data);
        g.bench_function(BenchmarkId::new("rfc6455", &label), |b| {
            b.iter(|| rfc_round_trip(&mut ws, &data));
        });
        ws.close(CloseCode::NORMAL, "").unwrap();

        let stream = connect_raw(tung);
        let (mut tws, _) = tungstenite::client(format!("ws://{tung}/"), stream).unwrap();
        let bytes = tungstenite::Bytes::from(data.clone());
        assert_eq!(
            tungstenite_round_trip(&mut tws, &bytes).into_data(),
            &data[..]
        );
        g.bench_function(BenchmarkId::new("tungstenite", &label), |b| {
            b.iter(|| tungstenite_round_trip(&mut tws, &bytes));
        });
        tws.close(None).unwrap();
        while tws.read().is_ok() {}

        let mut stream = connect_raw(raw);
        let frame = client_frame(&data);
        let mut back = vec![0u8; frame.len()];
        raw_round_trip(&mut stream, &frame, &mut back);
        assert_eq!(back, frame);
        g.bench_function(BenchmarkId::new("raw_tcp", &label), |b| {
            b.iter(|| raw_round_trip(&mut stream, &frame, &mut back));
        });
    }
    g.finish();
}

/// Reads `n` whole messages on a split rfc6455 socket (lent by `read_with`,
/// or owned from `read`); returns payload bytes.
fn rfc_read_n(
    reader: &mut blocking::ReadHalf<blocking::ClientStream>,
    n: usize,
    lending: bool,
) -> usize {
    let mut bytes = 0;
    for _ in 0..n {
        bytes += if lending {
            reader
                .read_with(|m, _| black_box(m.as_bytes()).len())
                .unwrap()
        } else {
            black_box(reader.read().unwrap()).as_bytes().len()
        };
    }
    bytes
}

/// Reads `total` bytes from the raw socket into `buf`-sized reads.
fn raw_read_total(stream: &mut TcpStream, buf: &mut [u8], total: usize) {
    let mut got = 0;
    while got < total {
        let want = buf.len().min(total - got);
        let n = stream.read(&mut buf[..want]).unwrap();
        assert!(n > 0, "raw echo closed early");
        got += n;
    }
}

fn pipelined_rfc6455(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    addr: SocketAddr,
    read_size: usize,
    lending: bool,
    data: &[u8],
) {
    let label = sizes_label(data.len());
    let (mut reader, mut writer) = connect_rfc6455_reading(addr, read_size).split().unwrap();
    let (tx, rx) = mpsc::channel::<usize>();
    let message = data.to_vec();
    let sender = thread::spawn(move || {
        for n in rx {
            for _ in 0..n {
                writer.send_binary(&message).unwrap();
            }
        }
        writer.close(CloseCode::NORMAL, "").unwrap();
    });
    // Check one batch arrives intact and in order before timing.
    tx.send(PIPELINE).unwrap();
    for _ in 0..PIPELINE {
        assert_eq!(reader.read().unwrap().as_bytes(), data);
    }
    g.bench_function(BenchmarkId::new(name, &label), |b| {
        b.iter(|| {
            tx.send(PIPELINE).unwrap();
            rfc_read_n(&mut reader, PIPELINE, lending)
        });
    });
    drop(tx);
    sender.join().unwrap();
    while let Ok(message) = reader.read() {
        if matches!(message, Message::Close(_)) {
            break;
        }
    }
}

fn pipelined_raw(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    addr: SocketAddr,
    read_size: usize,
    data: &[u8],
) {
    let label = sizes_label(data.len());
    let mut reader = connect_raw(addr);
    let mut writer = reader.try_clone().unwrap();
    let frame = client_frame(data);
    let total = frame.len() * PIPELINE;
    let (tx, rx) = mpsc::channel::<usize>();
    let sent = frame.clone();
    let sender = thread::spawn(move || {
        for n in rx {
            for _ in 0..n {
                writer.write_all(&sent).unwrap();
            }
        }
        writer.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut buf = vec![0u8; read_size];
    // Check one batch arrives intact before timing.
    tx.send(PIPELINE).unwrap();
    let mut back = vec![0u8; total];
    reader.read_exact(&mut back).unwrap();
    assert!(back.chunks(frame.len()).all(|f| f == frame));
    g.bench_function(BenchmarkId::new(name, &label), |b| {
        b.iter(|| {
            tx.send(PIPELINE).unwrap();
            raw_read_total(&mut reader, &mut buf, total);
        });
    });
    drop(tx);
    sender.join().unwrap();
}

fn pipelined(
    c: &mut Criterion,
    rfc: SocketAddr,
    lending: SocketAddr,
    batched: SocketAddr,
    batched_64k: SocketAddr,
    raw: SocketAddr,
    raw_4k: SocketAddr,
) {
    let mut g = c.benchmark_group("echo_pipelined");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(20);
    for size in SIZES {
        let data = payload(Kind::Binary, size, size as u64);
        g.throughput(Throughput::ElementsAndBytes {
            elements: PIPELINE as u64,
            bytes: (size * PIPELINE) as u64,
        });
        pipelined_rfc6455(&mut g, "rfc6455", rfc, DEFAULT_READ, false, &data);
        pipelined_rfc6455(
            &mut g,
            "rfc6455_read_with",
            lending,
            DEFAULT_READ,
            true,
            &data,
        );
        pipelined_rfc6455(
            &mut g,
            "rfc6455_core_batched",
            batched,
            DEFAULT_READ,
            false,
            &data,
        );
        pipelined_rfc6455(
            &mut g,
            "rfc6455_core_batched_64KiB_reads",
            batched_64k,
            RAW_READ,
            false,
            &data,
        );
        pipelined_raw(&mut g, "raw_tcp", raw, RAW_READ, &data);
        pipelined_raw(&mut g, "raw_tcp_4KiB_reads", raw_4k, 4 << 10, &data);
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let rfc = listen(Server::Rfc6455);
    let lending = listen(Server::Rfc6455Lending);
    let batched = listen(Server::CoreBatched(DEFAULT_READ));
    let batched_64k = listen(Server::CoreBatched(RAW_READ));
    let tung = listen(Server::Tungstenite);
    let raw = listen(Server::RawTcp(RAW_READ));
    let raw_4k = listen(Server::RawTcp(4 << 10));
    round_trips(c, rfc, tung, raw);
    pipelined(c, rfc, lending, batched, batched_64k, raw, raw_4k);
}

/// Heap deltas on the server thread: after the handshake, and once idle after
/// one 12-byte message was echoed; with the connection's own count.
#[derive(Debug)]
struct IdleHeap {
    after_handshake: isize,
    after_message: isize,
    buffered_capacity: Option<(usize, usize)>,
}

fn idle_heap(tungstenite_server: bool) -> IdleHeap {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done, result) = mpsc::channel();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_nodelay(true).unwrap();
        let before = live();
        if tungstenite_server {
            let mut ws = tungstenite::accept(stream).unwrap();
            let after_handshake = live() - before;
            let message = ws.read().unwrap();
            ws.send(message).unwrap();
            done.send(IdleHeap {
                after_handshake,
                after_message: live() - before,
                buffered_capacity: None,
            })
            .unwrap();
            while ws.read().is_ok() {}
        } else {
            let mut ws = blocking::accept(stream).unwrap();
            let after_handshake = live() - before;
            let cap_handshake = ws.connection().buffered_capacity();
            let message = ws.read().unwrap();
            ws.send(message).unwrap();
            done.send(IdleHeap {
                after_handshake,
                after_message: live() - before,
                buffered_capacity: Some((cap_handshake, ws.connection().buffered_capacity())),
            })
            .unwrap();
            while ws.read().is_ok() {}
        }
    });
    let mut ws = connect_rfc6455(addr);
    ws.send_text("hello, world").unwrap();
    assert_eq!(ws.read().unwrap().as_bytes(), b"hello, world");
    let heap = result.recv().unwrap();
    ws.close(CloseCode::NORMAL, "").unwrap();
    server.join().unwrap();
    heap
}

fn idle_heap_report() {
    println!("Idle server connection over loopback TCP (server thread's live heap, bytes)");
    println!(
        "| server | after handshake | idle after one 12-byte message echoed | `buffered_capacity()` (handshake / idle) |"
    );
    println!("| --- | ---: | ---: | ---: |");
    let ours = idle_heap(false);
    let (c0, c1) = ours.buffered_capacity.unwrap();
    println!(
        "| rfc6455 `blocking::accept` | {} | {} | {c0} / {c1} |",
        ours.after_handshake, ours.after_message
    );
    let theirs = idle_heap(true);
    println!(
        "| tungstenite 0.30 `accept` (default config) | {} | {} | n/a |",
        theirs.after_handshake, theirs.after_message
    );
    println!(
        "size_of::<blocking::WebSocket<TcpStream>>() = {} bytes (inline in the thread's stack frame, not heap)\n",
        size_of::<WebSocket<TcpStream>>()
    );
}

criterion_group!(echo, benches);

fn main() {
    idle_heap_report();
    echo();
    Criterion::default().configure_from_args().final_summary();
}
