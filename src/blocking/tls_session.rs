//! The state every handle of one [`TlsStream`](super::TlsStream) shares: the
//! socket, the rustls connection behind a lock, and the TLS records on their
//! way out behind another.
//!
//! No lock is held while waiting on the socket for input: a reader reads raw
//! bytes into its own buffer, then locks the session to hand them to rustls
//! and take the plaintext out. Writes to the socket are serialised by the
//! output lock, which is taken before the session lock (never the other way
//! round) and held while the records are written, so records go out in the
//! order rustls made them. A reader that has records to send (handshake
//! messages, alerts, key updates) sends them only if no one is writing; the
//! writer looks for more output each time it lets go of the socket, as
//! `split.rs` does for Pongs, so nothing queued is stranded.

use std::prelude::rust_2024::*;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use rustls::Connection;

/// What all handles of a stream share.
pub(super) struct Shared {
    pub(super) tcp: TcpStream,
    pub(super) session: Mutex<Session>,
    /// TLS records taken from the session and not yet written. Held while
    /// writing to the socket; at most one `writer().write` worth plus the
    /// handshake, as a write first sends what is left here.
    pub(super) out: Mutex<Vec<u8>>,
}

/// The rustls connection and the input it has not taken yet.
pub(super) struct Session {
    pub(super) conn: Connection,
    /// Bytes read from the socket that rustls has not taken (it takes at
    /// most 4 KiB per call, and none while its plaintext buffer is full).
    input: Vec<u8>,
    /// The socket reached EOF; `eof_told`: rustls knows it.
    eof: bool,
    eof_told: bool,
}

/// Whether [`Shared::send`] waits for the socket or leaves the records to
/// whoever is writing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Send {
    Wait,
    IfIdle,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A TLS failure as an `io::Error`, as rustls's own streams report it (the
/// blocking `Error` unwraps it into `Error::Tls`).
fn tls_io_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl Session {
    pub(super) fn new(conn: Connection) -> Self {
        Self {
            conn,
            input: Vec::new(),
            eof: false,
            eof_told: false,
        }
    }

    /// Adds what one socket read gave (0: EOF).
    pub(super) fn received(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            self.eof = true;
        } else {
            self.input.extend_from_slice(bytes);
        }
    }

    /// Whether the peer's EOF has been seen and passed to rustls.
    pub(super) fn at_eof(&self) -> bool {
        self.eof_told
    }

    /// Hands the input to rustls and processes the records. A TLS error (a
    /// bad certificate, an alert from the peer, a malformed record) is
    /// returned, and rustls has queued the alert to send.
    pub(super) fn absorb(&mut self) -> io::Result<()> {
        // Bounded: each pass hands rustls at least one byte, or stops.
        while !self.input.is_empty() {
            let mut rest = &self.input[..];
            let taken = match self.conn.read_tls(&mut rest) {
                Ok(n) => n,
                // A record too large to buffer: the peer broke the protocol.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => return Err(e),
                // The plaintext buffer is full: the caller reads it first.
                Err(_) => 0,
            };
            if taken == 0 {
                break;
            }
            self.input.drain(..taken);
            self.conn.process_new_packets().map_err(tls_io_error)?;
        }
        if self.eof && !self.eof_told {
            // read_tls seeing EOF is how rustls learns the transport ended;
            // after a close_notify it reads nothing and ignores it.
            self.conn.read_tls(&mut io::empty())?;
            self.eof_told = true;
            self.conn.process_new_packets().map_err(tls_io_error)?;
        }
        Ok(())
    }

    /// Plaintext into `buf`: `Some(0)` after the peer's close_notify, `None`
    /// if more input is needed; a TCP EOF without close_notify is an
    /// `UnexpectedEof` error (a truncation, not a clean close).
    pub(super) fn take_plaintext(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        self.absorb()?;
        match self.conn.reader().read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Shared {
    /// Writes the records queued so far. With [`Send::IfIdle`], returns at
    /// once if another handle is writing (it sends them when it is done).
    pub(super) fn send(&self, mode: Send) -> io::Result<()> {
        // Bounded: a pass repeats only if records were queued while this
        // one held the socket, and each pass writes them out.
        loop {
            let mut out = match (mode, self.out.try_lock()) {
                (_, Ok(out)) => out,
                (_, Err(TryLockError::Poisoned(p))) => p.into_inner(),
                (Send::IfIdle, Err(TryLockError::WouldBlock)) => return Ok(()),
                (Send::Wait, Err(TryLockError::WouldBlock)) => lock(&self.out),
            };
            self.write_out(&mut out)?;
            drop(out);
            if !lock(&self.session).conn.wants_write() {
                return Ok(());
            }
        }
    }

    /// Writes `out` and then whatever the session has queued, holding the
    /// output lock (`out`). On an error the unwritten rest stays in `out`.
    pub(super) fn write_out(&self, out: &mut Vec<u8>) -> io::Result<()> {
        // Bounded: each pass writes bytes or returns.
        loop {
            if out.is_empty() {
                let mut session = lock(&self.session);
                while session.conn.wants_write() {
                    // Writing into a Vec cannot fail or block.
                    session.conn.write_tls(out)?;
                }
                if out.is_empty() {
                    return Ok(());
                }
            }
            match (&self.tcp).write(out) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// One `read` call's socket waits: the first waits as long as the socket's
/// read timeout, later ones only what is left of it, so a peer that
/// trickles a record byte by byte cannot stretch a read past its timeout.
pub(super) struct Waits {
    started: Instant,
    /// The caller's read timeout, once a later wait needed it.
    caller: Option<Option<Duration>>,
    count: u32,
}

impl Waits {
    pub(super) fn new() -> Self {
        Self {
            started: Instant::now(),
            caller: None,
            count: 0,
        }
    }

    /// One socket read into `buf` (0: EOF).
    pub(super) fn read(&mut self, tcp: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
        if self.count > 0 {
            let timeout = match self.caller {
                Some(timeout) => timeout,
                None => *self.caller.insert(tcp.read_timeout()?),
            };
            if let Some(timeout) = timeout {
                let left = timeout.saturating_sub(self.started.elapsed());
                if left.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                tcp.set_read_timeout(Some(left))?;
            }
        }
        self.count += 1;
        // Bounded: retried only when a signal interrupted the wait.
        loop {
            match (&*tcp).read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return result,
            }
        }
    }

    /// Puts back the caller's read timeout if a later wait changed it.
    pub(super) fn restore(self, tcp: &TcpStream) {
        if let Some(timeout) = self.caller {
            let _ = tcp.set_read_timeout(timeout);
        }
    }
}
