//! Heap held by an idle server connection after it has received one small
//! message: `Connection::buffered_capacity()` and the live heap bytes seen by
//! a counting allocator, next to tungstenite's `WebSocket` doing the same.
//! Not a timing benchmark: it prints one table and exits.
//!
//! `cargo bench -p rfc6455-benches --bench memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use rfc6455::{Config, Connection, Role};
use tungstenite::protocol::{Role as TRole, WebSocket};

mod common;
use common::{MemStream, push_frame};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to `System` unchanged and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn main() {
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
