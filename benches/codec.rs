//! Decode and encode throughput of `rfc6455::Connection`, side by side with
//! ideal single-pass references, UTF-8 validators and tungstenite, in one run.
//!
//! - `decode/<kind>[_frag16]`: a server decodes a batch of masked client frames
//!   (about 1 MiB of payload, at least 4 messages) read in 64 KiB reads through
//!   `read_buf`/`commit_read`, via `poll_message` and via `poll_event`.
//!   References: `ideal_unmask_copy` (one pass: XOR-copy each payload from the
//!   input to an output buffer), for text `std_from_utf8` and `simdutf8` over
//!   the same unmasked payload bytes, and `tungstenite` (server role, `read()`
//!   over an in-memory stream giving 64 KiB per read).
//! - `encode/<kind>`: a client queues each message, takes the bytes from
//!   `poll_output` and marks them written. References: `ideal_header_copy_mask`
//!   (header + one-pass XOR-copy into a reused buffer) and `tungstenite`
//!   (`send()` into a sink that accepts every write).
//!
//! Throughput is reported as messages/s and payload bytes/s.
//!
//! `cargo bench -p rfc6455-benches --bench codec -- --warm-up-time 1 --measurement-time 2 decode/binary`

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use rfc6455::{Config, Connection, Event, Role};
use tungstenite::protocol::{Role as TRole, WebSocket, WebSocketConfig};

mod common;
use common::{Kind, MemStream, NullSink, Rng, Workload, ideal_decode, ideal_encode, sizes_label};

/// Bytes handed to the decoder per read, like one socket read.
const CHUNK: usize = 64 << 10;
/// Payload bytes per benchmark iteration (at least `MIN_MESSAGES` messages).
const BATCH: usize = 1 << 20;
const MIN_MESSAGES: usize = 4;
const SIZES: [usize; 5] = [16, 125, 1 << 10, 64 << 10, 1 << 20];
const FRAG_SIZES: [usize; 2] = [64 << 10, 1 << 20];

fn server() -> Connection {
    Connection::new(Role::Server, Config::default().read_buffer_size(CHUNK))
}

/// Feeds `wire` in `CHUNK` reads and drains whole messages after each; returns
/// the number of messages and (for checking) a copy of the last one.
fn rfc_messages(conn: &mut Connection, wire: &[u8], keep_last: bool) -> (usize, Vec<u8>) {
    let mut off = 0;
    let mut n = 0;
    let mut last = Vec::new();
    while off < wire.len() {
        let buf = conn.read_buf();
        let k = buf.len().min(CHUNK).min(wire.len() - off);
        buf[..k].copy_from_slice(&wire[off..off + k]);
        conn.commit_read(k).unwrap();
        off += k;
        while let Some(m) = conn.poll_message().unwrap() {
            let bytes = black_box(m.as_bytes());
            if keep_last {
                last = bytes.to_vec();
            }
            n += 1;
        }
    }
    (n, last)
}

/// As [`rfc_messages`] but streaming with `poll_event`; counts finished messages.
fn rfc_events(conn: &mut Connection, wire: &[u8]) -> (usize, usize) {
    let mut off = 0;
    let mut n = 0;
    let mut bytes = 0;
    while off < wire.len() {
        let buf = conn.read_buf();
        let k = buf.len().min(CHUNK).min(wire.len() - off);
        buf[..k].copy_from_slice(&wire[off..off + k]);
        conn.commit_read(k).unwrap();
        off += k;
        while let Some(ev) = conn.poll_event().unwrap() {
            if let Event::Data {
                payload, is_last, ..
            } = ev
            {
                bytes += black_box(payload).len();
                n += usize::from(is_last);
            }
        }
    }
    (n, bytes)
}

fn tungstenite_server(wire: &[u8]) -> WebSocket<MemStream> {
    let stream = MemStream {
        data: wire.to_vec(),
        pos: 0,
        chunk: CHUNK,
    };
    let config = WebSocketConfig::default().read_buffer_size(CHUNK);
    WebSocket::from_raw_socket(stream, TRole::Server, Some(config))
}

fn throughput(w: &Workload) -> Throughput {
    Throughput::ElementsAndBytes {
        elements: w.count as u64,
        bytes: w.payload_bytes(),
    }
}

fn decode_point(group: &mut BenchmarkGroup<'_, WallTime>, w: &Workload) {
    let label = sizes_label(w.size);
    group.throughput(throughput(w));

    // Check every path delivers the right messages before timing it.
    let mut conn = server();
    let (n, last) = rfc_messages(&mut conn, &w.wire, true);
    assert_eq!((n, last.as_slice()), (w.count, w.payload.as_slice()));
    assert_eq!(rfc_events(&mut conn, &w.wire), (w.count, w.count * w.size));
    let mut out = Vec::new();
    assert_eq!(ideal_decode(&w.wire, &mut out), w.count);
    assert_eq!(out, w.payload);
    let mut ws = tungstenite_server(&w.wire);
    for _ in 0..w.count {
        assert_eq!(ws.read().unwrap().into_data(), w.payload);
    }

    group.bench_function(BenchmarkId::new("rfc6455_poll_message", &label), |b| {
        b.iter(|| rfc_messages(&mut conn, &w.wire, false).0);
    });
    group.bench_function(BenchmarkId::new("rfc6455_poll_event", &label), |b| {
        b.iter(|| rfc_events(&mut conn, &w.wire).0);
    });
    group.bench_function(BenchmarkId::new("ideal_unmask_copy", &label), |b| {
        b.iter(|| ideal_decode(&w.wire, &mut out));
    });
    group.bench_function(BenchmarkId::new("tungstenite", &label), |b| {
        b.iter(|| {
            ws.get_mut().pos = 0;
            for _ in 0..w.count {
                black_box(ws.read().unwrap());
            }
        });
    });
    if w.kind.is_text() {
        // The same unmasked bytes, laid out as the decoder sees them: `count`
        // distinct copies, so the cache footprint matches.
        let plain = w.payload.repeat(w.count);
        group.bench_function(BenchmarkId::new("std_from_utf8", &label), |b| {
            b.iter(|| {
                for m in plain.chunks(w.size) {
                    black_box(std::str::from_utf8(black_box(m)).is_ok());
                }
            });
        });
        group.bench_function(BenchmarkId::new("simdutf8", &label), |b| {
            b.iter(|| {
                for m in plain.chunks(w.size) {
                    black_box(simdutf8::basic::from_utf8(black_box(m)).is_ok());
                }
            });
        });
    }
}

fn decode(c: &mut Criterion) {
    for kind in [Kind::Binary, Kind::TextMixed, Kind::TextAscii] {
        let mut group = c.benchmark_group(format!("decode/{}", kind.name()));
        for size in SIZES {
            decode_point(
                &mut group,
                &Workload::new(kind, size, 1, BATCH, MIN_MESSAGES),
            );
        }
        group.finish();
    }
    for kind in [Kind::Binary, Kind::TextMixed] {
        let mut group = c.benchmark_group(format!("decode/{}_frag16", kind.name()));
        for size in FRAG_SIZES {
            decode_point(
                &mut group,
                &Workload::new(kind, size, 16, BATCH, MIN_MESSAGES),
            );
        }
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    for kind in [Kind::Binary, Kind::TextMixed] {
        let mut group = c.benchmark_group(format!("encode/{}", kind.name()));
        for size in SIZES {
            let w = Workload::new(kind, size, 1, BATCH, MIN_MESSAGES);
            let label = sizes_label(size);
            group.throughput(throughput(&w));
            let text = std::str::from_utf8(&w.payload).ok();

            let mut client = Connection::new(Role::Client, Config::default());
            let send = |client: &mut Connection| {
                match (kind, text) {
                    (Kind::Binary, _) | (_, None) => client.send_binary(&w.payload),
                    (_, Some(t)) => client.send_text(t),
                }
                .unwrap();
                let out = black_box(client.poll_output());
                let n = out.len();
                client.advance_output(n).unwrap();
                n
            };
            // Check: the output is one masked frame that decodes to the payload.
            let mut check = server();
            match (kind, text) {
                (Kind::Binary, _) | (_, None) => client.send_binary(&w.payload),
                (_, Some(t)) => client.send_text(t),
            }
            .unwrap();
            let wire = client.poll_output().to_vec();
            client.advance_output(wire.len()).unwrap();
            check.receive(&wire);
            let m = check.poll_message().unwrap().unwrap();
            assert_eq!((m.as_bytes(), m.is_data()), (&w.payload[..], true));
            assert_eq!(send(&mut client), wire.len());

            group.bench_function(BenchmarkId::new("rfc6455", &label), |b| {
                b.iter(|| {
                    for _ in 0..w.count {
                        send(&mut client);
                    }
                });
            });

            let opcode = if kind.is_text() { 1 } else { 2 };
            let mut rng = Rng::new(7);
            let mut out = Vec::new();
            group.bench_function(BenchmarkId::new("ideal_header_copy_mask", &label), |b| {
                b.iter(|| {
                    for _ in 0..w.count {
                        ideal_encode(&mut out, opcode, rng.key(), &w.payload);
                        black_box(&out[..]);
                        out.clear();
                    }
                });
            });

            let mut ws = WebSocket::from_raw_socket(NullSink::default(), TRole::Client, None);
            let bytes = tungstenite::Bytes::from(w.payload.clone());
            let utf8 = text.map(|t| tungstenite::Utf8Bytes::from(t.to_owned()));
            let message = || match &utf8 {
                Some(t) if kind.is_text() => tungstenite::Message::Text(t.clone()),
                _ => tungstenite::Message::Binary(bytes.clone()),
            };
            ws.send(message()).unwrap();
            assert!(ws.get_ref().written > w.size);
            group.bench_function(BenchmarkId::new("tungstenite", &label), |b| {
                b.iter(|| {
                    for _ in 0..w.count {
                        ws.send(message()).unwrap();
                    }
                });
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = decode, encode
}
criterion_main!(benches);
