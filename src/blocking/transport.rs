//! [`Timeouts`]: how the adapters bound their waits on a stream, and the one
//! deadline-bounded read they all use.

use std::prelude::rust_2024::*;

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::error::is_timeout;
use super::socket::Keepalive;

/// Read and write timeouts of a stream, which the adapters use to make their
/// deadlines real: the opening handshake's (`handshake_timeout`, §4.2 and
/// §10.4), the closing handshake's ([`WebSocket::set_close_timeout`], §7.1.1)
/// and the server's default write timeout ([`ServerOptions::write_timeout`]).
///
/// Implemented for [`TcpStream`] and, on Unix, `UnixStream`: over these every
/// wait of [`accept`], [`connect`] and [`WebSocket`] is bounded by default.
/// Before each read with a deadline the adapters set the read timeout to the
/// time left, and restore the caller's timeout afterwards.
///
/// Any other stream (a TLS stream, a pipe) opts in with an empty impl, whose
/// provided methods report [`io::ErrorKind::Unsupported`]:
///
/// ```
/// # use std::io::{self, Read, Write};
/// struct MyStream;
/// # impl Read for MyStream { fn read(&mut self, _: &mut [u8]) -> io::Result<usize> { Ok(0) } }
/// # impl Write for MyStream {
/// #     fn write(&mut self, b: &[u8]) -> io::Result<usize> { Ok(b.len()) }
/// #     fn flush(&mut self) -> io::Result<()> { Ok(()) }
/// # }
/// impl rfc6455::blocking::Timeouts for MyStream {}
/// ```
///
/// Such a stream gets no deadline from the adapters beyond what its own reads
/// and writes allow: the deadlines are then checked only when a read returns
/// (data, or a `WouldBlock`/`TimedOut` error). The caller must bound every
/// read and write of the stream itself (for a TLS stream, set the timeouts on
/// the socket beneath it, or better, implement these four methods by
/// forwarding to that socket), or a peer that sends nothing holds the thread.
///
/// [`accept`]: super::accept
/// [`connect`]: super::connect
/// [`WebSocket`]: super::WebSocket
/// [`WebSocket::set_close_timeout`]: super::WebSocket::set_close_timeout
/// [`ServerOptions::write_timeout`]: super::ServerOptions::write_timeout
pub trait Timeouts {
    /// The read timeout now set (`None`: reads block indefinitely).
    fn read_timeout(&self) -> io::Result<Option<Duration>> {
        Err(unsupported())
    }

    /// Sets the read timeout; `Some(Duration::ZERO)` is never passed.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Err(unsupported())
    }

    /// The write timeout now set (`None`: writes block indefinitely).
    fn write_timeout(&self) -> io::Result<Option<Duration>> {
        Err(unsupported())
    }

    /// Sets the write timeout; `Some(Duration::ZERO)` is never passed.
    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let _ = timeout;
        Err(unsupported())
    }
}

fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "this stream has no timeouts (rfc6455::blocking::Timeouts)",
    )
}

macro_rules! forward_timeouts {
    ($stream:ty) => {
        impl Timeouts for $stream {
            fn read_timeout(&self) -> io::Result<Option<Duration>> {
                <$stream>::read_timeout(self)
            }
            fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                <$stream>::set_read_timeout(self, timeout)
            }
            fn write_timeout(&self) -> io::Result<Option<Duration>> {
                <$stream>::write_timeout(self)
            }
            fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                <$stream>::set_write_timeout(self, timeout)
            }
        }
    };
}

forward_timeouts!(TcpStream);
#[cfg(unix)]
forward_timeouts!(std::os::unix::net::UnixStream);

/// Gives a stream with no write timeout this one (a server's default, so a
/// peer that never reads cannot pin the output queue forever). A timeout the
/// caller set is kept; a stream without [`Timeouts`] is left alone.
pub(super) fn default_write_timeout<S: Timeouts>(
    stream: &S,
    timeout: Option<Duration>,
) -> io::Result<()> {
    match (stream.write_timeout(), timeout) {
        (Ok(None), Some(t)) if !t.is_zero() => stream.set_write_timeout(Some(t)),
        _ => Ok(()),
    }
}

/// Makes reads wake up for keepalive: a stream whose read timeout is unset
/// or longer than the keepalive interval gets the interval, so that a silent
/// peer cannot hold a read past the next Ping. A shorter timeout the caller
/// set is kept; a stream without [`Timeouts`] support is left alone (its reads
/// then tick the keepalive only when they return).
pub(super) fn wake_for_keepalive<S: Timeouts>(stream: &S, keepalive: Option<Keepalive>) {
    let Some(interval) = keepalive.map(|k| k.interval).filter(|i| !i.is_zero()) else {
        return;
    };
    let longer = match stream.read_timeout() {
        Ok(None) => true,
        Ok(Some(t)) => t > interval,
        Err(_) => false,
    };
    if longer {
        // Fails only on a stream that is already broken; the next read says so.
        let _ = stream.set_read_timeout(Some(interval));
    }
}

/// Runs `f`, then puts back the read timeout the stream had before it.
pub(super) fn restoring_read_timeout<S: Timeouts, T>(
    stream: &mut S,
    f: impl FnOnce(&mut S) -> T,
) -> T {
    let previous = stream.read_timeout().ok();
    let value = f(stream);
    if let Some(previous) = previous {
        let _ = stream.set_read_timeout(previous);
    }
    value
}

/// The outcome of [`read_by`].
pub(super) enum ReadOutcome {
    /// This many bytes (0: EOF).
    Data(usize),
    /// The deadline passed first.
    Expired,
}

/// One read into whatever `read` reads into, finished by `deadline`: the
/// stream's read timeout is set to the time left before each attempt (the
/// caller restores it, see [`restoring_read_timeout`]). Timeouts and
/// interruptions before the deadline are retried. Without a deadline this is
/// one plain read (a timeout is returned as the error).
pub(super) fn read_by<S: Timeouts>(
    stream: &mut S,
    deadline: Option<Instant>,
    mut read: impl FnMut(&mut S) -> io::Result<usize>,
) -> io::Result<ReadOutcome> {
    // Bounded: each pass either returns or waits out part of the deadline.
    loop {
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(ReadOutcome::Expired);
            }
            match stream.set_read_timeout(Some(left)) {
                Ok(()) => {}
                // No timeouts: the deadline is checked when the read returns.
                Err(e) if e.kind() == io::ErrorKind::Unsupported => {}
                Err(e) => return Err(e),
            }
        }
        match read(stream) {
            Ok(n) => return Ok(ReadOutcome::Data(n)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) && deadline.is_some() => {}
            Err(e) => return Err(e),
        }
    }
}

/// A `Read` that is also [`Timeouts`]; used by the handshakes' buffer reads.
pub(super) fn read_buf_by<S: Read + Timeouts>(
    stream: &mut S,
    buf: &mut [u8],
    deadline: Option<Instant>,
) -> io::Result<ReadOutcome> {
    read_by(stream, deadline, |s| s.read(buf))
}

/// `now + timeout`, or `None` for no deadline.
pub(super) fn deadline_after(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}
