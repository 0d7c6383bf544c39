//! Heap held by an idle server connection after it has received one small
//! message: `Connection::buffered_capacity()` and the live heap bytes seen by
//! a counting allocator, next to tungstenite's `WebSocket` doing the same.
//! Then the same with permessage-deflate negotiated (issue #13), for each
//! context-takeover setting and a few window / mem_level settings: the zlib
//! state is not part of `buffered_capacity()`, so the counting allocator is
//! the measure; with the peak while a 1 MiB message goes through.
//! Not a timing benchmark: it prints its tables and exits.
//!
//! `cargo bench -p rfc6455-benches --bench memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use rfc6455::extension::{DeflateConfig, DeflateParams, Negotiated};
use rfc6455::{Config, Connection, Message, Role};
use tungstenite::protocol::{Role as TRole, WebSocket};

mod common;
use common::{MemStream, json_text, push_frame};

/// Counts live heap bytes, and the most live at once since `reset_peak`.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grew(by: isize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards every call to `System` unchanged and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The peak counts the sum of live allocation sizes: a realloc's
        // change only, not the moment a moving one holds both blocks
        // (glibc moves large blocks with mremap, which copies nothing).
        grew(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Starts a new peak from what is live now; returns that.
fn reset_peak() -> isize {
    let now = live();
    PEAK.store(now, Ordering::Relaxed);
    now
}

fn peak() -> isize {
    PEAK.load(Ordering::Relaxed)
}

fn main() {
    idle_plain();
    idle_deflate();
    zlib_state();
}

fn idle_plain() {
    let mut wire = Vec::new();
    push_frame(&mut wire, true, 1, Some([1, 2, 3, 4]), b"hello, world");
    let reply = b"hello, client";

    println!(
        "| connection (server, one 12-byte Text received) | buffered_capacity() | live heap bytes |"
    );
    println!("| --- | ---: | ---: |");

    // 1. receive(): the buffer grows only to what arrived.
    let before = live();
    let mut conn = Connection::new(Role::Server, Config::default());
    conn.receive(&wire);
    assert_eq!(
        conn.poll_message().unwrap().unwrap().as_bytes(),
        b"hello, world"
    );
    assert!(conn.poll_message().unwrap().is_none());
    let held = live() - before;
    println!(
        "| rfc6455, `receive()` | {} | {held} |",
        conn.buffered_capacity()
    );
    conn.send_text("hello, client").unwrap();
    let n = conn.poll_output().len();
    conn.advance_output(n).unwrap();
    let held = live() - before;
    println!(
        "| rfc6455, `receive()`, then one 13-byte reply sent | {} | {held} |",
        conn.buffered_capacity()
    );
    drop(conn);

    // 2. read_buf()/commit_read(): the default 4 KiB read buffer.
    let before = live();
    let mut conn = Connection::new(Role::Server, Config::default());
    let buf = conn.read_buf();
    buf[..wire.len()].copy_from_slice(&wire);
    conn.commit_read(wire.len()).unwrap();
    assert_eq!(
        conn.poll_message().unwrap().unwrap().as_bytes(),
        b"hello, world"
    );
    let held = live() - before;
    println!(
        "| rfc6455, `read_buf()` (default 4 KiB) | {} | {held} |",
        conn.buffered_capacity()
    );
    drop(conn);

    // 3. tungstenite, default config (128 KiB read buffer), and with 4 KiB.
    for (name, config) in [
        ("tungstenite 0.30, default config", None),
        (
            "tungstenite 0.30, `read_buffer_size(4096)`",
            Some(tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096)),
        ),
    ] {
        let before = live();
        let stream = MemStream {
            data: wire.clone(),
            pos: 0,
            chunk: usize::MAX,
        };
        let mut ws = WebSocket::from_raw_socket(stream, TRole::Server, config);
        assert_eq!(ws.read().unwrap().into_data(), &b"hello, world"[..]);
        // The stream's own copy of the input is not the connection's.
        let held = live() - before - ws.get_ref().data.capacity() as isize;
        println!("| {name} | n/a | {held} |");
        ws.send(tungstenite::Message::text(
            std::str::from_utf8(reply).unwrap(),
        ))
        .unwrap();
        let held = live() - before - ws.get_ref().data.capacity() as isize;
        println!("| {name}, then one 13-byte reply sent | n/a | {held} |");
    }
    println!(
        "\nsize_of::<Connection>() = {} bytes (inline, not counted above); size_of::<WebSocket<_>>() = {}",
        size_of::<Connection>(),
        size_of::<WebSocket<MemStream>>()
    );
}

/// A client and a server connection with `deflate` negotiated (or none).
fn pair(deflate: Option<&DeflateConfig>) -> (Connection, Connection) {
    let negotiated = deflate.map_or_else(Negotiated::default, |c| {
        Negotiated::with_deflate(DeflateParams::new(c))
    });
    (
        Connection::new(Role::Client, Config::default()).with_extensions(&negotiated),
        Connection::new(Role::Server, Config::default()).with_extensions(&negotiated),
    )
}

/// Client sends `text`, server echoes it from the lent message, client
/// reads the echo. The bytes cross with `receive`.
fn echo(client: &mut Connection, server: &mut Connection, text: &str) {
    client.send_text(text).unwrap();
    let n = {
        let out = client.poll_output();
        server.receive(out);
        out.len()
    };
    client.advance_output(n).unwrap();
    let (m, mut sender) = server.poll_message_and_sender().unwrap().unwrap();
    sender.send(&m).unwrap();
    assert!(server.poll_message().unwrap().is_none());
    let n = {
        let out = server.poll_output();
        client.receive(out);
        out.len()
    };
    server.advance_output(n).unwrap();
    assert!(matches!(client.poll_message().unwrap(), Some(Message::Text(t)) if t == text));
    assert!(client.poll_message().unwrap().is_none());
}

/// Live heap of one side, measured by what dropping it gives back, and
/// what `shrink_buffers` gives back before that.
struct Held {
    idle: isize,
    capacity: usize,
    shrunk: isize,
    shrunk_capacity: usize,
}

fn held_by(conn: Connection) -> Held {
    let mut conn = conn;
    let at_idle = live();
    let capacity = conn.buffered_capacity();
    conn.shrink_buffers();
    let after_shrink = live();
    let shrunk_capacity = conn.buffered_capacity();
    drop(conn);
    let gone = live();
    Held {
        idle: at_idle - gone,
        capacity,
        shrunk: after_shrink - gone,
        shrunk_capacity,
    }
}

/// Peaks over idle, in bytes, while a 1 MiB message goes through.
struct Peaks {
    client_send: isize,
    server_receive_and_echo: isize,
    client_receive: isize,
}

fn peaks(client: &mut Connection, server: &mut Connection, text: &str) -> Peaks {
    let base = reset_peak();
    client.send_text(text).unwrap();
    let client_send = peak() - base;
    let wire = client.poll_output().to_vec();
    client.advance_output(wire.len()).unwrap();

    let base = reset_peak();
    server.receive(&wire);
    let (m, mut sender) = server.poll_message_and_sender().unwrap().unwrap();
    assert_eq!(m.len(), text.len());
    sender.send(&m).unwrap();
    let _ = server.poll_output();
    let server_receive_and_echo = peak() - base;
    let back = server.poll_output().to_vec();
    server.advance_output(back.len()).unwrap();

    let base = reset_peak();
    client.receive(&back);
    assert_eq!(client.poll_message().unwrap().unwrap().len(), text.len());
    let client_receive = peak() - base;
    Peaks {
        client_send,
        server_receive_and_echo,
        client_receive,
    }
}

/// The settings the deflate table compares.
fn memory_configs() -> Vec<(&'static str, Option<DeflateConfig>)> {
    let d = DeflateConfig::default();
    vec![
        ("no deflate", None),
        (
            "default: takeover both ways, 12/12 bits, mem_level 5",
            Some(d),
        ),
        (
            "no context takeover either way",
            Some(
                d.server_no_context_takeover(true)
                    .client_no_context_takeover(true),
            ),
        ),
        (
            "mixed: server_no_context_takeover only",
            Some(d.server_no_context_takeover(true)),
        ),
        (
            "mixed: client_no_context_takeover only",
            Some(d.client_no_context_takeover(true)),
        ),
        (
            "takeover, 9/9 bits, mem_level 1",
            Some(
                d.server_max_window_bits(9)
                    .client_max_window_bits(9)
                    .mem_level(1),
            ),
        ),
        ("takeover, 12/12 bits, mem_level 1", Some(d.mem_level(1))),
        ("takeover, 12/12 bits, mem_level 8", Some(d.mem_level(8))),
        (
            "takeover, 15/15 bits, mem_level 8 (zlib's defaults)",
            Some(
                d.server_max_window_bits(15)
                    .client_max_window_bits(15)
                    .mem_level(8),
            ),
        ),
        (
            "no takeover, 9/9 bits, mem_level 1",
            Some(
                d.server_no_context_takeover(true)
                    .client_no_context_takeover(true)
                    .server_max_window_bits(9)
                    .client_max_window_bits(9)
                    .mem_level(1),
            ),
        ),
    ]
}

/// Messages exchanged before the connection goes idle.
const WARM_MESSAGES: u64 = 16;

fn idle_deflate() {
    let big = json_text(1 << 20, 7);
    println!(
        "\npermessage-deflate (`DeflateParams::new`, both sides alike): live heap per connection after {WARM_MESSAGES} echoes of distinct 1 KiB JSON-ish Text messages, \
         measured by what dropping it gives back; `buffered_capacity()` beside it (it leaves the zlib state out); then after `shrink_buffers()`; \
         then the peaks over idle while a 1 MiB message goes through (client send, server receive + echo, client receive)"
    );
    println!(
        "| setting | server idle | server `buffered_capacity()` | server after `shrink_buffers()` | client idle | client after `shrink_buffers()` | peak: client sends 1 MiB | peak: server receives and echoes it | peak: client receives it |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, config) in memory_configs() {
        let (mut client, mut server) = pair(config.as_ref());
        for i in 0..WARM_MESSAGES {
            echo(&mut client, &mut server, &json_text(1 << 10, 1000 + i));
        }
        let server_held = held_by(server);
        let client_held = held_by(client);

        let (mut client, mut server) = pair(config.as_ref());
        for i in 0..WARM_MESSAGES {
            echo(&mut client, &mut server, &json_text(1 << 10, 1000 + i));
        }
        let p = peaks(&mut client, &mut server, &big);
        drop((client, server));
        println!(
            "| {name} | {} | {} | {} ({}) | {} | {} | {} | {} | {} |",
            server_held.idle,
            server_held.capacity,
            server_held.shrunk,
            server_held.shrunk_capacity,
            client_held.idle,
            client_held.shrunk,
            p.client_send,
            p.server_receive_and_echo,
            p.client_receive,
        );
    }
}

/// zlib-rs on its own: what one compressor and one decompressor hold once
/// they have compressed (decompressed) a 1 KiB message, the floor under the
/// connection's numbers.
fn zlib_state() {
    use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush};
    println!(
        "\nzlib-rs alone (raw deflate, level 6): heap after one 1 KiB message compressed / decompressed"
    );
    println!("| window bits | mem_level | `Deflate` | `Inflate` |");
    println!("| ---: | ---: | ---: | ---: |");
    let text = json_text(1 << 10, 1);
    for (bits, mem) in [(9, 1), (12, 1), (12, 5), (12, 8), (15, 5), (15, 8)] {
        let before = live();
        let mut d = Deflate::new_with_config(zlib_rs::DeflateConfig {
            level: 6,
            method: zlib_rs::Method::Deflated,
            window_bits: -bits,
            mem_level: mem,
            strategy: zlib_rs::Strategy::Default,
        });
        let mut wire = vec![0u8; 4096];
        d.compress(text.as_bytes(), &mut wire, DeflateFlush::SyncFlush)
            .unwrap();
        let n = d.total_out() as usize;
        let deflate = live() - before - wire.capacity() as isize;

        let before = live();
        let mut i = Inflate::new(false, bits as u8);
        let mut out = vec![0u8; 4096];
        i.decompress(&wire[..n], &mut out, InflateFlush::NoFlush)
            .unwrap();
        assert_eq!(&out[..i.total_out() as usize], text.as_bytes());
        let inflate = live() - before - out.capacity() as isize;
        println!("| {bits} | {mem} | {deflate} | {inflate} |");
    }
}
