//! The accept loop of the example servers: one thread per connection, and a
//! server that survives running out of file descriptors or threads.
//!
//! When `accept` fails (EMFILE "too many open files", ENFILE, ENOBUFS…) or no
//! thread can be started for a connection (a task limit, no memory for a
//! stack), retrying at once only spins: the resource comes back when some
//! connection ends. So the loop pauses, 10 ms after the first failure and
//! twice as long after each further one up to 1 s, back to 10 ms after a
//! success, and logs at most one line a second, with the count of failures it
//! did not show. A connection that gets no thread is closed, not served late.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Accepts connections forever and hands each to `start`, which is expected
/// to [`spawn`] a thread serving it. Failures of `accept` or `start` back off
/// as the module doc says; `name` prefixes the log lines.
pub(crate) fn serve_forever(
    listener: &TcpListener,
    name: &str,
    mut start: impl FnMut(TcpStream) -> io::Result<()>,
) -> ! {
    let mut backoff = Backoff::new();
    loop {
        let failure = match listener.accept() {
            Ok((stream, _)) => match start(stream) {
                Ok(()) => {
                    backoff.succeeded();
                    continue;
                }
                Err(e) => format!("no thread for a connection, closed it: {e}"),
            },
            Err(e) => format!("accept failed: {e}"),
        };
        let step = backoff.failed(Instant::now());
        if let Some(unshown) = step.report {
            let more = match unshown {
                0 => String::new(),
                n => format!(" ({n} more failures since the last report)"),
            };
            eprintln!("{name}: {failure}; pausing {:?}{more}", step.pause);
        }
        thread::sleep(step.pause);
    }
}

/// Runs `job` on a thread made by `builder`. If the OS gives no thread, `job`
/// is dropped unrun, which closes the connection it owns, and the error is
/// returned: unlike [`thread::spawn`], this never panics.
pub(crate) fn spawn(
    builder: thread::Builder,
    job: impl FnOnce() + Send + 'static,
) -> io::Result<()> {
    builder.spawn(job).map(drop)
}

/// How long to pause after a failure, and whether to log it.
#[derive(Debug)]
pub(crate) struct Backoff {
    next_pause: Duration,
    reported_at: Option<Instant>,
    unreported: u64,
}

/// What to do after one failure.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Step {
    /// How long to sleep before the next `accept`.
    pub(crate) pause: Duration,
    /// `Some(n)`: log this failure, and that `n` earlier ones were not logged.
    pub(crate) report: Option<u64>,
}

impl Backoff {
    /// The pause after the first failure in a row.
    pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(10);
    /// The longest pause.
    pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(1);
    /// At most one log line per this interval.
    pub(crate) const REPORT_INTERVAL: Duration = Duration::from_secs(1);

    pub(crate) fn new() -> Self {
        Self {
            next_pause: Self::FIRST_PAUSE,
            reported_at: None,
            unreported: 0,
        }
    }

    /// A failure at `now`: the pause doubles with each failure in a row.
    pub(crate) fn failed(&mut self, now: Instant) -> Step {
        let pause = self.next_pause;
        self.next_pause = (pause * 2).min(Self::MAX_PAUSE);
        let due = self
            .reported_at
            .is_none_or(|at| now.saturating_duration_since(at) >= Self::REPORT_INTERVAL);
        let report = if due {
            self.reported_at = Some(now);
            Some(std::mem::take(&mut self.unreported))
        } else {
            self.unreported += 1;
            None
        };
        Step { pause, report }
    }

    /// A connection was accepted and started: the next failure pauses briefly again.
    pub(crate) fn succeeded(&mut self) {
        self.next_pause = Self::FIRST_PAUSE;
    }
}
