//! The example servers' accept loop (`examples/shared/accept_loop.rs`): it
//! backs off instead of spinning when `accept` fails, and closes a connection
//! it has no thread for instead of panicking.

#[allow(dead_code)]
#[path = "../shared/accept_loop.rs"]
mod accept_loop;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use accept_loop::{Backoff, Step, serve_forever, spawn};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// Defect: on EMFILE the servers retried `accept` at once, logging each time.
#[test]
fn accept_failures_back_off_from_10_ms_to_1_s_and_reset_on_success() {
    let mut backoff = Backoff::new();
    let t = Instant::now();
    let pauses: Vec<Duration> = (0..10).map(|_| backoff.failed(t).pause).collect();
    let expected = [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000].map(ms);
    assert_eq!(pauses, expected);
    backoff.succeeded();
    assert_eq!(backoff.failed(t).pause, ms(10));
    assert_eq!(backoff.failed(t).pause, ms(20));
}

/// Defect: every failed `accept` wrote a log line, as fast as it could fail.
#[test]
fn accept_failures_are_logged_at_most_once_a_second_with_a_count() {
    let mut backoff = Backoff::new();
    let t0 = Instant::now();
    let reports = |backoff: &mut Backoff, at: Duration| backoff.failed(t0 + at).report;
    assert_eq!(
        reports(&mut backoff, ms(0)),
        Some(0),
        "the first failure is shown"
    );
    // Failing again and again within the second, even with successes between
    // (which reset the pause, not the log's rate).
    for at in [10, 300, 999] {
        assert_eq!(reports(&mut backoff, ms(at)), None, "at {at} ms");
        backoff.succeeded();
    }
    assert_eq!(
        reports(&mut backoff, ms(1000)),
        Some(3),
        "with the 3 not shown"
    );
    assert_eq!(reports(&mut backoff, ms(1500)), None);
    assert_eq!(reports(&mut backoff, ms(2600)), Some(1));
    backoff.succeeded();
    assert_eq!(
        backoff.failed(t0 + ms(9000)),
        Step {
            pause: ms(10),
            report: Some(0)
        },
        "a failure after a quiet spell is shown"
    );
}

/// The OS refuses the thread: a stack far larger than any address space.
fn refused_thread() -> thread::Builder {
    thread::Builder::new().stack_size(1 << 50)
}

/// Defect: `std::thread::spawn` panicked (and the server exited) when no
/// thread could be started. Now the connection is closed and an error returned.
#[test]
fn no_thread_for_a_connection_closes_it_and_returns_the_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (accepted, _) = listener.accept().unwrap();
    let result = spawn(refused_thread(), move || drop(accepted));
    assert!(result.is_err(), "the thread was started after all");
    // The job, and with it the connection, was dropped: the client sees EOF.
    let mut buf = [0; 1];
    match client.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("connection still open: {other:?}"),
    }
}

/// The loop goes on after a connection it could not start: the next one is served.
#[test]
fn serve_forever_keeps_serving_after_a_connection_gets_no_thread() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut first = true;
        serve_forever(&listener, "test", |stream| {
            let builder = if first {
                refused_thread()
            } else {
                thread::Builder::new()
            };
            first = false;
            spawn(builder, move || {
                let _ = (&stream).write_all(b"served");
            })
        })
    });
    let read_all = |mut stream: TcpStream| {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).map(|_| got)
    };
    let refused = TcpStream::connect(addr).unwrap();
    let got = read_all(refused);
    assert!(
        matches!(&got, Ok(bytes) if bytes.is_empty())
            || matches!(&got, Err(e) if e.kind() == ErrorKind::ConnectionReset),
        "the refused connection got {got:?}"
    );
    let served = TcpStream::connect(addr).unwrap();
    assert_eq!(read_all(served).unwrap(), b"served");
}
