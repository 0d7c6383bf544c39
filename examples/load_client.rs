//! Load test client for an echo server:
//! `cargo run --release --example load_client -- ws://127.0.0.1:9001 [CLIENTS=1000] [MESSAGES=100]`
//!
//! Opens CLIENTS concurrent connections, one thread each (64 KiB stacks),
//! connecting with bounded retries. Once every client has connected (or given
//! up), all start together: each sends MESSAGES messages one at a time, of
//! mixed sizes from 0 B to 64 KiB, Text and Binary, chosen deterministically
//! from the client's number, and checks every echo is the same kind and bytes
//! and arrives in order; then it closes with 1000. Prints connect time, total
//! time, messages/s, payload MiB/s, failures, and a last line
//! `N passed, M failed` (N = clients whose every echo was intact). Exits with
//! status 1 on any failure. `scripts/load.sh` runs it against
//! `examples/echo_server.rs`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rfc6455::blocking::{self, ClientOptions, WebSocket};
use rfc6455::{CloseCode, Message};

/// Stack size of each client thread.
const STACK: usize = 64 * 1024;
/// The largest message payload.
const MAX_SIZE: usize = 64 * 1024;
/// Connection attempts per client before it counts as failed.
const CONNECT_ATTEMPTS: u32 = 20;
/// Bound on any one read or write after the handshake.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A small deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut rng = Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A message to send: Text (valid UTF-8) or Binary.
enum Payload {
    Text(String),
    Binary(Vec<u8>),
}

/// Message `index` of client `client`: its size is skewed towards small
/// messages (half under 128 B), with exact 0 B and 64 KiB cases; half Text
/// (about 10 % multi-byte characters), half Binary.
fn message(client: usize, index: usize) -> Payload {
    let mut rng = Rng::new(((client as u64) << 32) ^ index as u64 ^ 0x10AD);
    let size = match rng.below(100) {
        0 => 0,
        1 => MAX_SIZE,
        2..=49 => rng.below(128),
        50..=79 => 128 + rng.below(4096 - 128),
        80..=94 => 4096 + rng.below(16384 - 4096),
        _ => 16384 + rng.below(MAX_SIZE - 16384 + 1),
    };
    if rng.below(2) == 0 {
        let mut bytes = Vec::with_capacity(size + 8);
        while bytes.len() < size {
            bytes.extend_from_slice(&rng.next().to_le_bytes());
        }
        bytes.truncate(size);
        Payload::Binary(bytes)
    } else {
        const MULTI: [char; 6] = ['é', 'ж', 'ß', '€', '中', '😀'];
        let mut text = String::with_capacity(size);
        while text.len() < size {
            let r = rng.next();
            let c = if r % 10 == 0 {
                MULTI[((r >> 8) % MULTI.len() as u64) as usize]
            } else {
                char::from(b' ' + ((r >> 16) % 95) as u8)
            };
            text.push(if c.len_utf8() <= size - text.len() {
                c
            } else {
                'x'
            });
        }
        Payload::Text(text)
    }
}

/// Holds every client until all have connected or given up.
struct Gate {
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Gate {
    /// Reports this client ready and waits for the start.
    fn arrive_and_wait(&self) {
        let mut state = self.state.lock().unwrap();
        state.0 += 1;
        self.changed.notify_all();
        while !state.1 {
            state = self.changed.wait(state).unwrap();
        }
    }

    /// Waits until `n` clients arrived, then starts them all.
    fn open_when(&self, n: usize) {
        let mut state = self.state.lock().unwrap();
        while state.0 < n {
            state = self.changed.wait(state).unwrap();
        }
        state.1 = true;
        self.changed.notify_all();
    }
}

/// Counters shared by all clients.
#[derive(Default)]
struct Totals {
    passed: AtomicUsize,
    retries: AtomicUsize,
    messages: AtomicUsize,
    payload_bytes: AtomicU64,
}

fn connect(url: &str, totals: &Totals) -> Result<WebSocket<blocking::ClientStream>, String> {
    let options = ClientOptions {
        read_timeout: Some(IO_TIMEOUT),
        write_timeout: Some(IO_TIMEOUT),
        ..Default::default()
    };
    let mut last = String::new();
    for attempt in 0..CONNECT_ATTEMPTS {
        if attempt > 0 {
            totals.retries.fetch_add(1, Ordering::Relaxed);
            thread::sleep(Duration::from_millis(u64::from(attempt.min(10)) * 50));
        }
        match blocking::connect_with(url, &options) {
            Ok((ws, _)) => return Ok(ws),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("connect failed {CONNECT_ATTEMPTS} times: {last}"))
}

/// Sends every message, checks each echo, then closes.
fn exchange(
    ws: &mut WebSocket<blocking::ClientStream>,
    client: usize,
    messages: usize,
    totals: &Totals,
) -> Result<(), String> {
    for index in 0..messages {
        let sent = message(client, index);
        let (result, len) = match &sent {
            Payload::Text(t) => (ws.send_text(t), t.len()),
            Payload::Binary(b) => (ws.send_binary(b), b.len()),
        };
        result.map_err(|e| format!("message {index}: send failed: {e}"))?;
        let echo = ws
            .read()
            .map_err(|e| format!("message {index}: read failed: {e}"))?;
        let intact = match (&sent, &echo) {
            (Payload::Text(a), Message::Text(b)) => a.as_str() == b.as_ref(),
            (Payload::Binary(a), Message::Binary(b)) => a.as_slice() == b.as_ref(),
            _ => false,
        };
        if !intact {
            return Err(format!(
                "message {index} ({len} bytes): echo differs ({} bytes)",
                echo.as_bytes().len()
            ));
        }
        totals.messages.fetch_add(1, Ordering::Relaxed);
        totals
            .payload_bytes
            .fetch_add(len as u64, Ordering::Relaxed);
    }
    ws.close(CloseCode::NORMAL, "done")
        .map_err(|e| format!("close failed: {e}"))
}

fn run_client(url: &str, client: usize, messages: usize, gate: &Gate, totals: &Totals) {
    let connected = connect(url, totals);
    gate.arrive_and_wait();
    let outcome = connected.and_then(|mut ws| exchange(&mut ws, client, messages, totals));
    match outcome {
        Ok(()) => {
            totals.passed.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => eprintln!("load_client: client {client}: {e}"),
    }
}

fn arg(n: usize, default: usize) -> Result<usize, String> {
    match std::env::args().nth(n) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| format!("not a number: {s}")),
    }
}

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let (clients, messages) = match (arg(2, 1000), arg(3, 100)) {
        (Ok(c), Ok(m)) => (c, m),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("usage: load_client [URL] [CLIENTS] [MESSAGES]: {e}");
            return ExitCode::from(2);
        }
    };
    println!("load_client: {clients} clients x {messages} messages to {url}");
    let gate = Arc::new(Gate {
        state: Mutex::new((0, false)),
        changed: Condvar::new(),
    });
    let totals = Arc::new(Totals::default());
    let started = Instant::now();
    let mut threads = Vec::with_capacity(clients);
    let mut spawn_failures = 0;
    for client in 0..clients {
        let (url, gate, totals) = (url.clone(), Arc::clone(&gate), Arc::clone(&totals));
        let spawned = thread::Builder::new()
            .name(format!("client-{client}"))
            .stack_size(STACK)
            .spawn(move || run_client(&url, client, messages, &gate, &totals));
        match spawned {
            Ok(handle) => threads.push(handle),
            Err(e) => {
                eprintln!("load_client: client {client}: thread spawn failed: {e}");
                spawn_failures += 1;
            }
        }
    }
    gate.open_when(threads.len());
    let connect_time = started.elapsed();
    let start = Instant::now();
    let mut panics = 0;
    for handle in threads {
        if handle.join().is_err() {
            panics += 1;
        }
    }
    let elapsed = start.elapsed();
    let passed = totals.passed.load(Ordering::Relaxed);
    let failed = clients - passed;
    let echoed = totals.messages.load(Ordering::Relaxed);
    let bytes = totals.payload_bytes.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64();
    println!(
        "connect phase: {:.2} s ({} connection retries)",
        connect_time.as_secs_f64(),
        totals.retries.load(Ordering::Relaxed)
    );
    println!(
        "messages: {echoed} of {} echoed intact in {secs:.2} s: {:.0} messages/s, {:.1} MiB/s payload each way",
        clients * messages,
        echoed as f64 / secs,
        bytes as f64 / secs / f64::from(1 << 20)
    );
    println!(
        "failures: {failed} clients ({spawn_failures} thread spawn failures, {panics} panics)"
    );
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
