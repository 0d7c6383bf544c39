//! Decode and encode throughput of `rfc6455::Connection`, side by side with
//! ideal single-pass references, UTF-8 validators, tungstenite and
//! fastwebsockets, in one run.
//!
//! - `decode/<kind>[_frag16]`: a server decodes a batch of masked client frames
//!   (about 1 MiB of payload, at least 4 messages) read in 64 KiB reads through
//!   `read_buf`/`commit_read`, via `poll_message` and via `poll_event`.
//!   References: `ideal_unmask_copy` (one pass: XOR-copy each payload from the
//!   input to an output buffer), for text also `ideal_unmask_copy_simdutf8`
//!   (the same, then each message validated with simdutf8) and
//!   `std_from_utf8` / `simdutf8` over the same unmasked payload bytes;
//!   `tungstenite` (server role, `read()` over an in-memory stream giving
//!   64 KiB per read) and `fastwebsockets` (server role, `FragmentCollector`
//!   over the same kind of in-memory stream, on a current-thread tokio runtime).
//! - `encode/<kind>`: a client queues each message, takes the bytes from
//!   `poll_output` and marks them written. References: `ideal_header_copy_mask`
//!   (header + one-pass XOR-copy into a reused buffer), `tungstenite` (`send()`
//!   into a sink that accepts every write) and `fastwebsockets` (`write_frame`
//!   of a frame borrowing the payload, into a sink that accepts every write).
//! - With the `baseline` feature (only through `benches/tools/ab.sh`), every
//!   rfc6455 cell gets a `base_*` twin: the same code run against the library
//!   at a baseline git revision.
//!
//! Throughput is reported as messages/s and payload bytes/s. Every cell's
//! output is checked once (payload bytes equal the input) before it is timed.
//!
//! `cargo bench -p rfc6455-benches --bench codec -- --warm-up-time 1 --measurement-time 2 decode/binary`

use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use fastwebsockets::{FragmentCollector, Frame, OpCode, Payload};
use tokio::runtime::Runtime;
use tungstenite::protocol::{Role as TRole, WebSocket, WebSocketConfig};

mod common;
use common::{
    AsyncMem, AsyncSink, Kind, MemStream, NullSink, Rng, Workload, ideal_decode, ideal_decode_utf8,
    ideal_encode, sizes_label,
};

/// Bytes handed to the decoder per read, like one socket read.
const CHUNK: usize = 64 << 10;
/// Payload bytes per benchmark iteration (at least `MIN_MESSAGES` messages).
const BATCH: usize = 1 << 20;
const MIN_MESSAGES: usize = 4;
const SIZES: [usize; 5] = [16, 125, 1 << 10, 64 << 10, 1 << 20];
const FRAG_SIZES: [usize; 2] = [64 << 10, 1 << 20];

/// The calls the rfc6455 cells make, written once for each copy of the
/// library: `rfc` is the working tree and, with the `baseline` feature
/// (`benches/tools/ab.sh`), `base` is the library at the baseline revision.
/// If the API changes, the baseline copy may need the old calls here.
macro_rules! driver {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::hint::black_box;

            use super::CHUNK;
            use $krate::{Config, Connection, Event, Role};

            pub(crate) fn server() -> Connection {
                Connection::new(Role::Server, Config::default().read_buffer_size(CHUNK))
            }

            pub(crate) fn client() -> Connection {
                Connection::new(Role::Client, Config::default())
            }

            /// Feeds `wire` in `CHUNK` reads and drains whole messages after
            /// each; returns the number of messages and (for checking) a copy
            /// of the last one.
            pub(crate) fn messages(
                conn: &mut Connection,
                wire: &[u8],
                keep_last: bool,
            ) -> (usize, Vec<u8>) {
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

            /// As [`messages`] but streaming with `poll_event`; counts
            /// finished messages and payload bytes.
            pub(crate) fn events(conn: &mut Connection, wire: &[u8]) -> (usize, usize) {
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

            /// Queues one message (Text if `text` is given), takes its bytes
            /// from `poll_output` and marks them written; returns their number.
            pub(crate) fn send(
                client: &mut Connection,
                text: Option<&str>,
                payload: &[u8],
            ) -> usize {
                match text {
                    Some(t) => client.send_text(t),
                    None => client.send_binary(payload),
                }
                .unwrap();
                let out = black_box(client.poll_output());
                let n = out.len();
                client.advance_output(n).unwrap();
                n
            }

            /// As [`send`], returning a copy of the bytes (for checks).
            pub(crate) fn send_copy(
                client: &mut Connection,
                text: Option<&str>,
                payload: &[u8],
            ) -> Vec<u8> {
                match text {
                    Some(t) => client.send_text(t),
                    None => client.send_binary(payload),
                }
                .unwrap();
                let wire = client.poll_output().to_vec();
                client.advance_output(wire.len()).unwrap();
                wire
            }

            /// The first message a server decodes from `wire` (client frames):
            /// its payload, and whether it is a data message.
            pub(crate) fn decode_one(wire: &[u8]) -> (Vec<u8>, bool) {
                let mut conn = server();
                conn.receive(wire);
                let m = conn.poll_message().unwrap().unwrap();
                (m.as_bytes().to_vec(), m.is_data())
            }
        }
    };
}

driver!(rfc, rfc6455);
// `rfc6455_base` exists only in the manifest benches/tools/ab.sh generates.
#[cfg(feature = "baseline")]
driver!(base, rfc6455_base);

fn tungstenite_server(wire: &[u8]) -> WebSocket<MemStream> {
    let stream = MemStream {
        data: wire.to_vec(),
        pos: 0,
        chunk: CHUNK,
    };
    let config = WebSocketConfig::default().read_buffer_size(CHUNK);
    WebSocket::from_raw_socket(stream, TRole::Server, Some(config))
}

/// A fastwebsockets server reading `wire` from `pos` in reads of at most
/// `CHUNK` bytes (it offers the spare capacity of its own buffer, which it
/// grows to the frame). `FragmentCollector` reassembles fragmented messages
/// and, with the default `simd` feature, the connection validates every
/// unfragmented Text message with simdutf8 (fragmented Text through the
/// `utf-8` crate, i.e. `core::str::from_utf8`). Its frame size limit (64 MiB
/// by default) is set explicitly; it does not bound the reassembled message.
fn fastwebsockets_server<'a>(
    wire: &'a [u8],
    pos: &'a Cell<usize>,
) -> FragmentCollector<AsyncMem<'a>> {
    let stream = AsyncMem {
        data: wire,
        pos,
        chunk: CHUNK,
    };
    let mut ws = fastwebsockets::WebSocket::after_handshake(stream, fastwebsockets::Role::Server);
    ws.set_max_message_size(64 << 20);
    FragmentCollector::new(ws)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn throughput(w: &Workload) -> Throughput {
    Throughput::ElementsAndBytes {
        elements: w.count as u64,
        bytes: w.payload_bytes(),
    }
}

fn decode_point(group: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, w: &Workload) {
    let label = sizes_label(w.size);
    group.throughput(throughput(w));

    // Check every path delivers the right messages before timing it.
    let mut conn = rfc::server();
    let (n, last) = rfc::messages(&mut conn, &w.wire, true);
    assert_eq!((n, last.as_slice()), (w.count, w.payload.as_slice()));
    assert_eq!(rfc::events(&mut conn, &w.wire), (w.count, w.count * w.size));
    group.bench_function(BenchmarkId::new("rfc6455_poll_message", &label), |b| {
        b.iter(|| rfc::messages(&mut conn, &w.wire, false).0);
    });
    #[cfg(feature = "baseline")]
    {
        let mut conn = base::server();
        let (n, last) = base::messages(&mut conn, &w.wire, true);
        assert_eq!((n, last.as_slice()), (w.count, w.payload.as_slice()));
        assert_eq!(
            base::events(&mut conn, &w.wire),
            (w.count, w.count * w.size)
        );
        group.bench_function(BenchmarkId::new("base_poll_message", &label), |b| {
            b.iter(|| base::messages(&mut conn, &w.wire, false).0);
        });
        group.bench_function(BenchmarkId::new("base_poll_event", &label), |b| {
            b.iter(|| base::events(&mut conn, &w.wire).0);
        });
    }
    group.bench_function(BenchmarkId::new("rfc6455_poll_event", &label), |b| {
        b.iter(|| rfc::events(&mut conn, &w.wire).0);
    });

    let mut out = Vec::new();
    assert_eq!(ideal_decode(&w.wire, &mut out), w.count);
    assert_eq!(out, w.payload);
    group.bench_function(BenchmarkId::new("ideal_unmask_copy", &label), |b| {
        b.iter(|| ideal_decode(&w.wire, &mut out));
    });
    if w.kind.is_text() {
        assert_eq!(ideal_decode_utf8(&w.wire, &mut out), w.count);
        assert_eq!(out, w.payload);
        group.bench_function(
            BenchmarkId::new("ideal_unmask_copy_simdutf8", &label),
            |b| {
                b.iter(|| ideal_decode_utf8(&w.wire, &mut out));
            },
        );
    }

    let mut ws = tungstenite_server(&w.wire);
    for _ in 0..w.count {
        assert_eq!(ws.read().unwrap().into_data(), w.payload);
    }
    group.bench_function(BenchmarkId::new("tungstenite", &label), |b| {
        b.iter(|| {
            ws.get_mut().pos = 0;
            for _ in 0..w.count {
                black_box(ws.read().unwrap());
            }
        });
    });

    let pos = Cell::new(0);
    let mut fws = fastwebsockets_server(&w.wire, &pos);
    let opcode = if w.kind.is_text() {
        OpCode::Text
    } else {
        OpCode::Binary
    };
    rt.block_on(async {
        for _ in 0..w.count {
            let frame = fws.read_frame().await.unwrap();
            assert_eq!((frame.fin, frame.opcode), (true, opcode));
            assert_eq!(&frame.payload[..], &w.payload[..]);
        }
    });
    assert_eq!(pos.get(), w.wire.len());
    group.bench_function(BenchmarkId::new("fastwebsockets", &label), |b| {
        b.iter(|| {
            pos.set(0);
            rt.block_on(async {
                for _ in 0..w.count {
                    black_box(&fws.read_frame().await.unwrap().payload[..]);
                }
            });
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
    let rt = runtime();
    for kind in [Kind::Binary, Kind::TextMixed, Kind::TextAscii] {
        let mut group = c.benchmark_group(format!("decode/{}", kind.name()));
        for size in SIZES {
            decode_point(
                &mut group,
                &rt,
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
                &rt,
                &Workload::new(kind, size, 16, BATCH, MIN_MESSAGES),
            );
        }
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    let rt = runtime();
    for kind in [Kind::Binary, Kind::TextMixed] {
        let mut group = c.benchmark_group(format!("encode/{}", kind.name()));
        for size in SIZES {
            let w = Workload::new(kind, size, 1, BATCH, MIN_MESSAGES);
            let label = sizes_label(size);
            group.throughput(throughput(&w));
            let text = kind
                .is_text()
                .then(|| std::str::from_utf8(&w.payload).unwrap());

            // Check: the output is one masked frame that decodes to the payload.
            let mut client = rfc::client();
            let wire = rfc::send_copy(&mut client, text, &w.payload);
            assert_eq!(rfc::decode_one(&wire), (w.payload.clone(), true));
            assert_eq!(rfc::send(&mut client, text, &w.payload), wire.len());
            group.bench_function(BenchmarkId::new("rfc6455", &label), |b| {
                b.iter(|| {
                    for _ in 0..w.count {
                        rfc::send(&mut client, text, &w.payload);
                    }
                });
            });
            #[cfg(feature = "baseline")]
            {
                let mut client = base::client();
                let wire = base::send_copy(&mut client, text, &w.payload);
                assert_eq!(base::decode_one(&wire), (w.payload.clone(), true));
                group.bench_function(BenchmarkId::new("base", &label), |b| {
                    b.iter(|| {
                        for _ in 0..w.count {
                            base::send(&mut client, text, &w.payload);
                        }
                    });
                });
            }

            let opcode = if kind.is_text() { 1 } else { 2 };
            let mut rng = Rng::new(7);
            let mut out = Vec::new();
            ideal_encode(&mut out, opcode, rng.key(), &w.payload);
            assert_eq!(rfc::decode_one(&out), (w.payload.clone(), true));
            out.clear();
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
                Some(t) => tungstenite::Message::Text(t.clone()),
                None => tungstenite::Message::Binary(bytes.clone()),
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

            // fastwebsockets masks a client frame in place, so a frame that
            // borrows the caller's payload is first copied into a new Vec
            // (then masked: two passes and an allocation per message); up to
            // 1 KiB the header and payload are then copied into its write
            // buffer, above it they go out in one vectored write (no copy).
            let fop = if kind.is_text() {
                OpCode::Text
            } else {
                OpCode::Binary
            };
            let frame = || Frame::new(true, fop, None, Payload::Borrowed(&w.payload));
            let sink = AsyncSink {
                written: 0,
                record: Some(Vec::new()),
            };
            let mut fws =
                fastwebsockets::WebSocket::after_handshake(sink, fastwebsockets::Role::Client);
            rt.block_on(fws.write_frame(frame())).unwrap();
            let sink = fws.into_inner();
            assert_eq!(sink.written, sink.record.as_ref().unwrap().len());
            assert_eq!(
                rfc::decode_one(&sink.record.unwrap()),
                (w.payload.clone(), true)
            );
            let mut fws = fastwebsockets::WebSocket::after_handshake(
                AsyncSink::default(),
                fastwebsockets::Role::Client,
            );
            group.bench_function(BenchmarkId::new("fastwebsockets", &label), |b| {
                b.iter(|| {
                    rt.block_on(async {
                        for _ in 0..w.count {
                            fws.write_frame(frame()).await.unwrap();
                        }
                    });
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
