//! Idle memory per connection (tokio.rs, part 1): a child process per
//! library and round, so that each starts from a fresh heap.

use std::io::{Read, Write};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use crate::measure::{live_heap, median, rss};
use crate::peers::{Lib, REQUEST, spawn_server};

/// Set (to "LIBRARY COUNT") in the child's environment.
pub(crate) const CHILD_ENV: &str = "RFC6455_TOKIO_BENCH_IDLE_CHILD";

/// Libraries of the idle table, `raw` first (tokio's own floor).
const LIBS: [Lib; 6] = [
    Lib::Raw,
    Lib::Rfc6455,
    Lib::Rfc6455BoxedAccept,
    Lib::Rfc6455Small,
    Lib::Tungstenite,
    Lib::Fast,
];
/// Child processes per library (the median is printed).
const ROUNDS: usize = 3;

/// One child's result, per connection: (heap, VmRSS, RssAnon, future size).
type Sample = [f64; 4];

/// Runs the children and prints the table.
pub(crate) fn table(conns: usize) {
    let exe = std::env::current_exe().expect("current_exe");
    let libs: Vec<Lib> = std::env::var("TOKIO_BENCH_LIBS").map_or(LIBS.to_vec(), |v| {
        v.split(',').map(Lib::from_name).collect()
    });
    let mut results: Vec<Vec<Sample>> = vec![Vec::new(); libs.len()];
    for round in 0..ROUNDS {
        for k in 0..libs.len() {
            let i = (round + k) % libs.len();
            let out = Command::new(&exe)
                .env(CHILD_ENV, format!("{} {conns}", libs[i].name()))
                .output()
                .expect("run the idle child");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "idle child for {} failed: {text}{}",
                libs[i].name(),
                String::from_utf8_lossy(&out.stderr)
            );
            let line = text.lines().last().expect("a line from the child");
            let v: Vec<f64> = line
                .split(' ')
                .map(|x| x.parse().expect("a number"))
                .collect();
            results[i].push([v[0], v[1], v[2], v[3]]);
        }
    }
    println!(
        "\nIdle server connections: {conns} handshaken (no extension offered), each server task waiting in a read; \
         per connection, minus the process before the first; median of {ROUNDS} child processes"
    );
    println!(
        "| library | live heap (server thread) | VmRSS | RssAnon | server task's future (bytes, in its task allocation) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    let sizes = format!(
        "Socket types (inline in the task's future): rfc6455::tokio::WebSocket<TcpStream> {} B, \
         tokio_tungstenite::WebSocketStream<TcpStream> {} B, FragmentCollector<TcpStream> {} B, TcpStream {} B",
        size_of::<rfc6455::tokio::WebSocket<TcpStream>>(),
        size_of::<tokio_tungstenite::WebSocketStream<TcpStream>>(),
        size_of::<fastwebsockets::FragmentCollector<TcpStream>>(),
        size_of::<TcpStream>(),
    );
    for (i, lib) in libs.iter().enumerate() {
        let col = |c: usize| median(&mut results[i].iter().map(|s| s[c]).collect::<Vec<_>>());
        println!(
            "| {} | {:.0} B | {:.0} B | {:.0} B | {:.0} |",
            lib.name(),
            col(0),
            col(1),
            col(2),
            col(3)
        );
    }
    println!("{sizes}");
}

/// The child: `spec` is "LIBRARY COUNT". Prints one line: heap, VmRSS and
/// RssAnon per connection, and the size of one server task's future.
pub(crate) fn child(spec: &str) {
    let (name, count) = spec.split_once(' ').expect("LIBRARY COUNT");
    let lib = Lib::from_name(name);
    let n: usize = count.parse().expect("a count");
    let rt = crate::runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let (go, start) = mpsc::channel::<()>();
    let (end, stop) = mpsc::channel::<()>();
    let answered = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&answered);
    // Blocking clients on their own thread: their allocations are not
    // counted in the server thread's heap, and hold next to no memory.
    let clients = std::thread::spawn(move || {
        start.recv().expect("go");
        let mut streams = Vec::with_capacity(n);
        let mut head = Vec::with_capacity(512);
        for _ in 0..n {
            let mut s = std::net::TcpStream::connect(addr).expect("connect");
            s.set_nodelay(true).expect("nodelay");
            s.write_all(REQUEST).expect("send the handshake");
            head.clear();
            let mut chunk = [0u8; 512];
            while !head.ends_with(b"\r\n\r\n") {
                let k = s.read(&mut chunk).expect("read the 101");
                assert!(k > 0, "EOF before the 101");
                head.extend_from_slice(&chunk[..k]);
            }
            assert!(head.starts_with(b"HTTP/1.1 101"), "not a 101");
            streams.push(s);
        }
        done.store(true, Ordering::SeqCst);
        stop.recv().expect("end");
        drop(streams);
    });
    std::thread::sleep(Duration::from_millis(50));
    let heap0 = live_heap();
    let (rss0, anon0) = rss();
    go.send(()).expect("start the clients");
    let future_size = rt.block_on(async {
        let mut future_size = 0;
        for _ in 0..n {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("nodelay");
            future_size = spawn_server(lib, stream);
        }
        while !answered.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Let every server task reach its read and wait there.
        // (`TOKIO_BENCH_IDLE_WAIT_MS`: longer, e.g. past rfc6455's 20 s
        // keepalive interval, after which it shrinks its buffers.)
        let wait =
            std::env::var("TOKIO_BENCH_IDLE_WAIT_MS").map_or(200, |v| v.parse().expect("ms"));
        tokio::time::sleep(Duration::from_millis(wait)).await;
        future_size
    });
    let heap = live_heap() - heap0;
    let (rss1, anon1) = rss();
    let per = |bytes: isize| bytes as f64 / n as f64;
    println!(
        "{} {} {} {future_size}",
        per(heap),
        per(rss1 - rss0),
        per(anon1 - anon0)
    );
    end.send(()).expect("stop the clients");
    clients.join().expect("client thread");
}
