//! The tokio adapter (`rfc6455::tokio`) side by side with tokio-tungstenite
//! 0.30 and fastwebsockets 0.10 (issue #15), each library talking to itself
//! over loopback TCP on ONE current-thread tokio runtime (see `tokio/peers.rs`
//! for what each side runs). Three measures, each printed as a table:
//!
//! 1. **Idle memory per connection.** A child process per library and round
//!    (this binary again, so that freed memory of one library does not make
//!    the next one look small): 1,000 clients (blocking `std` sockets
//!    on a second thread, sending a hand-made handshake with no extension
//!    offered) connect to the library's echo server on the runtime; once all
//!    are answered and their server tasks wait in a read, the child reports
//!    the server thread's live heap and the process's RSS (`VmRSS`, and
//!    `RssAnon`, which leaves out the binary's own pages), minus what it had
//!    before the first connection, per connection. Each library with its
//!    defaults (rfc6455: keepalive on; no deflate, as none is offered), and
//!    rfc6455 with its handshake future boxed, with default and 512-byte
//!    read buffers (what the accept future and the receive buffer cost).
//! 2. **1,000 concurrent connections echoing 1 KiB Binary messages**: the
//!    1,000 clients of a library each send `ECHO_MESSAGES` messages, one at a
//!    time awaiting each echo, all at once on the runtime; messages/s. Rounds
//!    interleave the libraries in a rotating order; each round is timed in
//!    CPU time of the runtime's thread (clients and servers both run on it)
//!    and in wall time; the tables give medians over rounds.
//! 3. **Round trip at 16 B**: one connection, one message outstanding;
//!    interleaved rounds (wall time of each round trip: mean and median;
//!    CPU time per round trip), then criterion's own measurement (group
//!    `tokio_rtt_16B`, in CPU time of the bench thread, which runs the
//!    runtime: both ends; the libraries one after the other, not interleaved).
//!
//! `cargo bench -p rfc6455-benches --bench tokio` (under a minute here).
//! `TOKIO_BENCH_PARTS=idle,echo,rtt,criterion` picks parts;
//! `TOKIO_BENCH_LIBS=rfc6455,fastwebsockets` picks libraries (names as printed);
//! `TOKIO_BENCH_IDLE_CONNS`, `TOKIO_BENCH_ECHO_CONNS` change the counts.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

#[path = "tokio/idle.rs"]
mod idle;
#[path = "tokio/measure.rs"]
mod measure;
#[path = "tokio/peers.rs"]
mod peers;

use criterion::measurement::WallTime;
use measure::{Counting, ThreadCpu, median, thread_cpu};
use peers::{Client, Lib, Sample, spawn_server};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The libraries of the echo and round-trip comparisons.
const LIBS: [Lib; 4] = [
    Lib::Rfc6455,
    Lib::Rfc6455ReadWith,
    Lib::Tungstenite,
    Lib::Fast,
];
/// Messages each client echoes per round of the 1,000-connection run.
const ECHO_MESSAGES: usize = 10;
const ECHO_SIZE: usize = 1024;
/// Rounds of the interleaved runs (a first, untimed round warms up).
const ROUNDS: usize = 11;
/// Round trips per round of the 16 B latency run.
const RTT_PER_ROUND: usize = 2000;

fn main() {
    if let Ok(spec) = std::env::var(idle::CHILD_ENV) {
        idle::child(&spec);
        return;
    }
    let parts =
        std::env::var("TOKIO_BENCH_PARTS").unwrap_or_else(|_| "idle,echo,rtt,criterion".to_owned());
    let wants = |part: &str| parts.split(',').any(|p| p == part);
    if wants("idle") {
        idle::table(count_from_env("TOKIO_BENCH_IDLE_CONNS", 1000));
    }
    if wants("echo") {
        echo_table(count_from_env("TOKIO_BENCH_ECHO_CONNS", 1000));
    }
    if wants("rtt") {
        rtt_table();
    }
    if wants("criterion") {
        let mut c = Criterion::default()
            .with_measurement(ThreadCpu(WallTime))
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .configure_from_args();
        rtt_criterion(&mut c);
        c.final_summary();
    }
}

/// The libraries to compare: `TOKIO_BENCH_LIBS` (names, comma-separated),
/// by default all of [`LIBS`].
fn libs() -> Vec<Lib> {
    std::env::var("TOKIO_BENCH_LIBS").map_or(LIBS.to_vec(), |v| {
        v.split(',').map(Lib::from_name).collect()
    })
}

fn count_from_env(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |v| v.parse().expect("a count"))
}

/// One current-thread runtime with I/O and timers.
pub(crate) fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Starts `lib`'s echo server on a free loopback port (on the current
/// runtime): a task accepting forever, a task per connection.
async fn start_server(lib: Lib) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            stream.set_nodelay(true).expect("nodelay");
            spawn_server(lib, stream);
        }
    });
    addr
}

/// `n` clients of `lib` connected to a fresh server of `lib`.
async fn clients(lib: Lib, n: usize) -> Vec<Client> {
    let addr = start_server(lib).await;
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        clients.push(Client::connect(lib, stream).await.expect("handshake"));
    }
    clients
}

fn echo_table(conns: usize) {
    let rt = runtime();
    let libs = libs();
    let sample = Sample::new(ECHO_SIZE);
    let mut sets: Vec<Vec<Client>> = libs
        .iter()
        .map(|&lib| rt.block_on(clients(lib, conns)))
        .collect();
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); libs.len()];
    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); libs.len()];
    for round in 0..=ROUNDS {
        for k in 0..libs.len() {
            let i = (round + k) % libs.len();
            let set = std::mem::take(&mut sets[i]);
            let (c0, w0) = (thread_cpu(), Instant::now());
            sets[i] = rt.block_on(async {
                let tasks: Vec<_> = set
                    .into_iter()
                    .map(|mut client| {
                        tokio::spawn(async move {
                            for _ in 0..ECHO_MESSAGES {
                                let n = client.echo(sample).await.expect("echo");
                                assert_eq!(n, ECHO_SIZE);
                            }
                            client
                        })
                    })
                    .collect();
                let mut set = Vec::with_capacity(tasks.len());
                for task in tasks {
                    set.push(task.await.expect("client task"));
                }
                set
            });
            let (c, w) = (thread_cpu() - c0, w0.elapsed());
            if round > 0 {
                let messages = (conns * ECHO_MESSAGES) as f64;
                cpu[i].push(messages / c.as_secs_f64());
                wall[i].push(messages / w.as_secs_f64());
            }
        }
    }
    println!(
        "\n{conns} connections x {ECHO_MESSAGES} round trips of {ECHO_SIZE} B Binary each, per round; \
         {ROUNDS} interleaved rounds, one current-thread runtime (clients and servers); medians"
    );
    println!(
        "| library | messages/s (CPU time) | messages/s (wall) | {} / this (throughput, CPU time, per round) |",
        libs[0].name()
    );
    println!("| --- | ---: | ---: | ---: |");
    for (i, lib) in libs.iter().enumerate() {
        let mut ratio: Vec<f64> = cpu[0].iter().zip(&cpu[i]).map(|(a, b)| a / b).collect();
        println!(
            "| {} | {:.1} k | {:.1} k | {:.2}x |",
            lib.name(),
            median(&mut cpu[i].clone()) / 1e3,
            median(&mut wall[i]) / 1e3,
            median(&mut ratio)
        );
    }
}

fn rtt_table() {
    let rt = runtime();
    let libs = libs();
    let sample = Sample::new(16);
    let mut conns: Vec<Client> = libs
        .iter()
        .map(|&lib| rt.block_on(clients(lib, 1)).pop().expect("a client"))
        .collect();
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); libs.len()];
    let mut each: Vec<Vec<f64>> = vec![Vec::new(); libs.len()];
    for round in 0..=ROUNDS {
        for k in 0..libs.len() {
            let i = (round + k) % libs.len();
            let client = &mut conns[i];
            let c0 = thread_cpu();
            let times = rt.block_on(async {
                let mut times = Vec::with_capacity(RTT_PER_ROUND);
                for _ in 0..RTT_PER_ROUND {
                    let t = Instant::now();
                    black_box(client.echo(sample).await.expect("echo"));
                    times.push(t.elapsed().as_secs_f64());
                }
                times
            });
            let c = thread_cpu() - c0;
            if round > 0 {
                cpu[i].push(c.as_secs_f64() / RTT_PER_ROUND as f64);
                each[i].extend(times);
            }
        }
    }
    println!(
        "\nRound trip of one 16 B Binary message, one connection; {ROUNDS} interleaved rounds of {RTT_PER_ROUND}"
    );
    println!(
        "| library | mean (wall) | median (wall) | CPU time per round trip (median of rounds) |"
    );
    println!("| --- | ---: | ---: | ---: |");
    for (i, lib) in libs.iter().enumerate() {
        let mean = each[i].iter().sum::<f64>() / each[i].len() as f64;
        println!(
            "| {} | {:.2} µs | {:.2} µs | {:.2} µs |",
            lib.name(),
            mean * 1e6,
            median(&mut each[i]) * 1e6,
            median(&mut cpu[i]) * 1e6
        );
    }
}

fn rtt_criterion(c: &mut Criterion<ThreadCpu>) {
    let rt = runtime();
    let libs = libs();
    let sample = Sample::new(16);
    let mut g = c.benchmark_group("tokio_rtt_16B");
    for lib in libs {
        let mut client = rt.block_on(clients(lib, 1)).pop().expect("a client");
        g.bench_function(BenchmarkId::from_parameter(lib.name()), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = thread_cpu();
                    for _ in 0..iters {
                        black_box(client.echo(sample).await.expect("echo"));
                    }
                    thread_cpu() - start
                })
            });
        });
    }
    g.finish();
}
