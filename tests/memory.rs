//! Buffer memory, measured with `Connection::buffered_capacity()`: what an idle
//! connection keeps after large messages, and what a large frame costs while it
//! arrives. Input goes through `read_buf`/`commit_read` as a socket would give it.

mod common;

use common::drain_output;
use rfc6455::{Config, Connection, Event, Message, Role};

/// The default `Config::idle_buffer_size`.
const IDLE: usize = 64 << 10;
/// Most `read_buf` offers by itself under load, and most one read returns here.
const READ: usize = 64 << 10;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Text,
    Binary,
}

/// `len` bytes of valid UTF-8 with multi-byte characters (both kinds use it).
fn payload(len: usize) -> String {
    let mut s = "aé€😀".repeat(len / 10 + 1);
    while s.len() > len {
        s.pop();
    }
    s
}

/// What a client puts on the wire for one message, in frames of `fragment` bytes.
fn client_wire(kind: Kind, data: &str, fragment: Option<usize>) -> Vec<u8> {
    let mut c = Connection::new(Role::Client, Config::default().fragment_size(fragment));
    match kind {
        Kind::Text => c.send_text(data),
        Kind::Binary => c.send_binary(data.as_bytes()),
    }
    .unwrap();
    drain_output(&mut c)
}

/// Consumes every event with `poll_message` or `poll_event`; returns the
/// payload bytes of finished messages, concatenated.
fn consume(s: &mut Connection, messages: bool, got: &mut Vec<u8>) -> usize {
    let mut finished = 0;
    if messages {
        while let Some(m) = s.poll_message().unwrap() {
            if let Message::Text(_) | Message::Binary(_) = m {
                got.extend_from_slice(m.as_bytes());
                finished += 1;
            }
        }
    } else {
        while let Some(ev) = s.poll_event().unwrap() {
            if let Event::Data {
                payload, is_last, ..
            } = ev
            {
                got.extend_from_slice(payload);
                finished += usize::from(is_last);
            }
        }
    }
    finished
}

/// Feeds `wire` as reads of at most `chunk` bytes into what `read_buf` offers,
/// consuming after each read; calls `check(received, capacity)` after each.
fn feed(
    s: &mut Connection,
    wire: &[u8],
    chunk: usize,
    messages: bool,
    mut check: impl FnMut(usize, usize),
) -> (usize, Vec<u8>) {
    let (mut off, mut finished, mut got) = (0, 0, Vec::new());
    while off < wire.len() {
        let buf = s.read_buf();
        let n = buf.len().min(chunk).min(wire.len() - off);
        buf[..n].copy_from_slice(&wire[off..off + n]);
        s.commit_read(n).unwrap();
        off += n;
        finished += consume(s, messages, &mut got);
        check(off, s.buffered_capacity());
    }
    (finished, got)
}

const CASES: [(Kind, Option<usize>); 4] = [
    (Kind::Binary, None),
    (Kind::Text, None),
    (Kind::Binary, Some(256 << 10)),
    (Kind::Text, Some(256 << 10)),
];

/// Issue #10 item 5: one 1.5–3 MiB message left 2.5–3.7 MiB of buffers on an
/// idle connection (keep threshold 4 MiB), and the blocking adapter never calls
/// `shrink_buffers`.
#[test]
fn idle_after_large_message_returns_to_64_kib_without_shrink_buffers() {
    for (kind, fragment) in CASES {
        for messages in [true, false] {
            for (size, chunk) in [(1_500_000, READ), (3 << 20, 1460), (2 << 20, 1 << 20)] {
                let what = format!("{kind:?} {fragment:?} messages={messages} {size} in {chunk}");
                let data = payload(size);
                let wire = client_wire(kind, &data, fragment);
                let mut s = Connection::new(Role::Server, Config::default());
                let (n, got) = feed(&mut s, &wire, chunk, messages, |_, _| {});
                assert_eq!((n, got.len()), (1, data.len()), "{what}");
                assert!(got == data.as_bytes(), "{what}");
                // Echo it, as an echo server would, and write all of it.
                s.send_binary(&got).unwrap();
                drop(drain_output(&mut s));
                // The adapter now offers the read buffer and blocks in `read`.
                let _ = s.read_buf();
                println!("{what}: idle with {} bytes", s.buffered_capacity());
                assert!(
                    s.buffered_capacity() <= IDLE,
                    "{what}: idle with {} bytes",
                    s.buffered_capacity()
                );
            }
        }
    }
}

/// The idle size is a setting; a larger one keeps buffers for reuse.
#[test]
fn idle_buffer_size_is_configurable() {
    let data = payload(1 << 20);
    let wire = client_wire(Kind::Binary, &data, None);
    for (idle, kept) in [(16 << 10, false), (8 << 20, true)] {
        let mut s = Connection::new(Role::Server, Config::default().idle_buffer_size(idle));
        let (n, _) = feed(&mut s, &wire, READ, true, |_, _| {});
        assert_eq!(n, 1);
        let _ = s.read_buf();
        let cap = s.buffered_capacity();
        assert!(cap <= idle.max(4096), "idle {idle}: {cap}");
        assert_eq!(cap >= data.len(), kept, "idle {idle}: {cap}");
    }
}

/// Issue #10 item 5: a partly received large frame cost about 2× the bytes
/// received (the read room was zero-filled ahead of the data, and the buffer
/// doubled). Now at most a quarter more, plus one read.
#[test]
fn partial_large_frame_holds_at_most_a_quarter_more_than_received() {
    for (kind, fragment) in CASES {
        for messages in [true, false] {
            for chunk in [READ, 16 << 10, 4 << 20] {
                let what = format!("{kind:?} {fragment:?} messages={messages} in {chunk}");
                let data = payload(4 << 20);
                let wire = client_wire(kind, &data, fragment);
                let mut s = Connection::new(Role::Server, Config::default());
                let mut worst = 0.0f64;
                let (n, got) = feed(&mut s, &wire, chunk, messages, |received, cap| {
                    let bound = received + received / 4 + 2 * READ + 4096;
                    assert!(cap <= bound, "{what}: {cap} held for {received} received");
                    if received >= 1 << 20 {
                        worst = worst.max(cap as f64 / received as f64);
                    }
                });
                assert_eq!((n, got.len()), (1, data.len()), "{what}");
                assert!(got == data.as_bytes(), "{what}");
                if messages && chunk == READ {
                    println!("{what}: worst capacity / received past 1 MiB {worst:.3}");
                }
            }
        }
    }
}
