//! [`WebSocket`]: a [`Connection`] driven over a blocking `Read + Write` stream.

use std::prelude::rust_2024::*;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::driver::{self, Link, Liveness};
use super::error::Error;
use super::transport::{ReadOutcome, Timeouts, deadline_after, read_by, wake_for_keepalive};
use crate::connection::{CloseCode, Connection, Event, Message, MessageKind, Role, Sender, State};

/// [`WebSocket::set_close_timeout`] by default, as Python `websockets` does.
const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Queued output above this many bytes is written out even by [`WebSocket::write`].
const DEFAULT_WRITE_BUFFER: usize = 128 * 1024;

/// Pings sent while idle, and how long silence is tolerated
/// ([`WebSocket::set_keepalive`], [`ReadHalf::set_keepalive`](super::ReadHalf::set_keepalive)).
///
/// On by default after [`accept`](super::accept) and [`connect`](super::connect)
/// ([`Keepalive::DEFAULT`]: a Ping after 20 s of silence, give up after 40 s,
/// as Python `websockets` does), so a peer that goes silent after the
/// handshake cannot hold a `read` forever. The stream's read timeout must be
/// no longer than `interval`, so that reads wake up to send the Pings;
/// `set_keepalive` sees to that over a `TcpStream`. No Ping is sent once this
/// side has sent its Close; the idle timeout still bounds the wait for the peer's.
///
/// Two plain public fields and no `Default` impl: "no keepalive" is
/// `Option::<Keepalive>::None`, and a literal `Keepalive { interval,
/// idle_timeout }` names both durations; [`Keepalive::DEFAULT`] is the
/// adapters' default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Send a Ping after this long without receiving anything.
    pub interval: Duration,
    /// Give up after this long without receiving anything: a Close 1001 is
    /// sent (if none was) and the read returns [`Error::IdleTimeout`].
    pub idle_timeout: Duration,
}

impl Keepalive {
    /// The adapters' default: a Ping after 20 s without receiving anything,
    /// [`Error::IdleTimeout`] after 40 s (Python `websockets` pings every 20 s
    /// and waits 20 s for the Pong).
    pub const DEFAULT: Self = Self {
        interval: Duration::from_secs(20),
        idle_timeout: Duration::from_secs(40),
    };
}

/// A WebSocket over a blocking stream: a [`Connection`] plus the loops that move
/// its bytes. Works over any `Read + Write` stream that implements
/// [`Timeouts`] (a `TcpStream`; for a TLS stream or a pipe, see there).
///
/// Received Pings are answered and a peer's Close is echoed by [`read`](Self::read)
/// itself. Output is buffered in the connection: [`send`](Self::send) writes
/// each message with one `write` call in the common case (header and payload
/// are contiguous).
///
/// Timeouts: [`read`](Self::read) waits as long as the stream's read timeout
/// allows (none by default: give one, or use [`set_keepalive`](Self::set_keepalive)),
/// [`send`](Self::send) as long as its write timeout (30 s by default after
/// [`accept`](super::accept) and [`connect`](super::connect)). A read or write
/// timeout returns [`Error::Io`] ([`Error::is_timeout`]) and loses nothing:
/// calling the method again continues where it stopped, also in the middle of
/// a frame. [`close`](Self::close) waits at most its close timeout (10 s).
#[derive(Debug)]
pub struct WebSocket<S> {
    pub(super) stream: S,
    pub(super) conn: Connection,
    write_buffer: usize,
    pub(super) live: Liveness,
    close_timeout: Option<Duration>,
}

impl<S> WebSocket<S> {
    /// Caps how many bytes [`write`](Self::write) queues before writing them out.
    pub fn set_write_buffer(&mut self, bytes: usize) {
        self.write_buffer = bytes;
    }

    /// How long [`close`](Self::close) waits for the peer's Close (and, as a
    /// client, for the server to close the TCP connection, §7.1.1) before it
    /// gives up with a timeout error. Default 10 s; `None` waits as long as
    /// the stream's own read timeout allows.
    ///
    /// Enforced through [`Timeouts`]: the read timeout is set to the time left
    /// before each read and the caller's restored afterwards. Over a stream
    /// without timeouts it is checked only when a read returns, so a silent
    /// peer holds `close` as long as the stream's reads block.
    pub fn set_close_timeout(&mut self, timeout: Option<Duration>) {
        self.close_timeout = timeout;
    }

    /// The protocol state.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream, e.g. to change its timeouts. Reading or writing it directly
    /// corrupts the connection.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Gives back the stream and the protocol state.
    pub fn into_parts(self) -> (S, Connection) {
        (self.stream, self.conn)
    }

    /// Whether the connection is closed (§7): nothing more can be read or sent.
    pub fn is_closed(&self) -> bool {
        self.conn.state() == State::Closed
    }
}

impl<S: Read + Write + Timeouts> Link for WebSocket<S> {
    fn with_conn<T>(&mut self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut self.conn)
    }

    fn flush_answers(&mut self) -> Result<(), Error> {
        self.flush()
    }

    fn flush_all(&mut self) -> Result<(), Error> {
        self.flush()
    }

    fn read_input(&mut self, deadline: Option<Instant>) -> Result<ReadOutcome, Error> {
        let conn = &mut self.conn;
        let read = read_by(&mut self.stream, deadline, |s| s.read(conn.read_buf()))?;
        if let ReadOutcome::Data(n @ 1..) = read {
            conn.commit_read(n)?;
        }
        Ok(read)
    }

    fn liveness(&mut self) -> &mut Liveness {
        &mut self.live
    }
}

impl<S: Read + Write + Timeouts> WebSocket<S> {
    /// Wraps a stream whose opening handshake is done. `conn` must already have
    /// received any bytes the handshake read past its end.
    pub fn from_connection(stream: S, conn: Connection) -> Self {
        Self {
            stream,
            conn,
            write_buffer: DEFAULT_WRITE_BUFFER,
            live: Liveness::new(None),
            close_timeout: Some(DEFAULT_CLOSE_TIMEOUT),
        }
    }

    /// Sends Pings while idle and gives up after a silence with
    /// [`Error::IdleTimeout`]; `None` turns it off. Kept by [`split`](Self::split).
    /// [`accept`](super::accept) and [`connect`](super::connect) turn it on by
    /// default ([`ServerOptions::keepalive`](super::ServerOptions::keepalive)).
    ///
    /// Reads must wake up to send the Pings: over a [`Timeouts`] stream
    /// (`TcpStream`) whose read timeout is unset or longer than `interval`,
    /// this sets the read timeout to `interval`. Over a stream without
    /// timeouts, give it a read timeout no longer than `interval` yourself.
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>) {
        wake_for_keepalive(&self.stream, keepalive);
        self.live.keepalive = keepalive;
    }

    /// Reads the next whole message (Text, Binary, Ping, Pong or Close).
    ///
    /// Pings are answered and a peer's Close is echoed before this returns.
    /// After a Close was returned, or once the connection is closed, returns
    /// [`Error::Closed`]. A protocol error from the peer sends the Close frame
    /// with the error's code before it is returned.
    ///
    /// With keepalive on (the default after [`accept`](super::accept) and
    /// [`connect`](super::connect)), a read timeout of the stream is a
    /// keepalive tick, not an error: `read` pings as due and goes on waiting,
    /// and a silent peer ends in [`Error::IdleTimeout`]. To get read timeouts
    /// back as errors (e.g. to do other work between reads), turn keepalive
    /// off with [`set_keepalive(None)`](Self::set_keepalive).
    pub fn read(&mut self) -> Result<Message<'static>, Error> {
        driver::read_message(self)
    }

    /// Reads the next whole message and lends it to `f`, with the
    /// connection's send half, so nothing is copied: the message is borrowed
    /// from the connection (from the receive buffer when it arrived in one
    /// frame, else from the buffer its fragments were joined in) and a reply
    /// is queued straight from it. Returns what `f` returns.
    ///
    /// Pings are answered and a Close is echoed before this returns, as with
    /// [`read`](Self::read). What `f` sends is queued and written before the
    /// next read (or by [`flush`](Self::flush)), so an echo loop writes one
    /// batch per read:
    ///
    /// ```no_run
    /// use rfc6455::{blocking, Message};
    ///
    /// fn echo(ws: &mut blocking::WebSocket<std::net::TcpStream>) -> Result<(), blocking::Error> {
    ///     loop {
    ///         let closed = ws.read_with(|message, mut sender| match message {
    ///             Message::Text(_) | Message::Binary(_) => sender.send(&message).map(|()| false),
    ///             Message::Close(_) => Ok(true),
    ///             _ => Ok(false),
    ///         })??;
    ///         if closed {
    ///             return Ok(());
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Why a closure rather than a returned `Message<'_>`: the read loop
    /// polls, reads more, and polls again; returning a borrow from one arm of
    /// such a loop is what today's borrow checker refuses (NLL "problem case
    /// #3"), and working around it would need the core to hold a decoded
    /// message across calls that may compact its buffer. With the closure the
    /// borrow never leaves the loop, and [`ReadHalf::read_with`](super::ReadHalf::read_with)
    /// can run it under the lock the halves share.
    pub fn read_with<T>(
        &mut self,
        f: impl FnOnce(Message<'_>, Sender<'_>) -> T,
    ) -> Result<T, Error> {
        driver::read_with(self, f)
    }

    /// Reads the next piece of a message as it arrives, for messages too large
    /// to hold whole: `f` sees each [`Event`], borrowed from the connection.
    ///
    /// Returns what `f` returns for the first event. Pings are answered as with
    /// [`read`](Self::read).
    pub fn read_event<T>(&mut self, f: impl FnOnce(Event<'_>) -> T) -> Result<T, Error> {
        driver::read_event(self, f)
    }

    /// Sends a message and writes it out. Sending a Close starts the closing
    /// handshake, as [`close`](Self::close) does without waiting.
    pub fn send(&mut self, message: Message<'_>) -> Result<(), Error> {
        self.write(message)?;
        self.flush()
    }

    /// Queues a message without writing, unless the queue exceeds the write
    /// buffer; [`flush`](Self::flush) writes it.
    pub fn write(&mut self, message: Message<'_>) -> Result<(), Error> {
        self.conn.sender().send(&message)?;
        if self.conn.poll_output().len() > self.write_buffer {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends a Text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.conn.send_text(text)?;
        self.flush()
    }

    /// Sends a Binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.send_binary(data)?;
        self.flush()
    }

    /// Sends one fragment of a streamed message (see [`Connection::send_fragment`]),
    /// so a large message need not be held whole.
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        is_last: bool,
    ) -> Result<(), Error> {
        self.conn.send_fragment(kind, data, is_last)?;
        self.flush()
    }

    /// Sends a Ping with at most 125 bytes of payload.
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.conn.send_ping(payload)?;
        self.flush()
    }

    /// Writes all queued output to the stream and flushes it.
    ///
    /// On a timeout or `WouldBlock` the unwritten rest stays queued; call again.
    pub fn flush(&mut self) -> Result<(), Error> {
        loop {
            let out = self.conn.poll_output();
            if out.is_empty() {
                break;
            }
            match self.stream.write(out) {
                Ok(0) => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.conn.advance_output(n)?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
        self.stream.flush()?;
        Ok(())
    }

    /// Closes the connection with the closing handshake (§7.1.2): sends a Close
    /// with `code` and `reason`, then reads (discarding data messages) until
    /// the peer's Close arrives, and as a client until the server closes the
    /// transport (§7.1.1).
    ///
    /// If the peer closed first, this only finishes the handshake. Returns
    /// `Ok(())` once closed. A peer that does not answer within the close
    /// timeout ([`set_close_timeout`](Self::set_close_timeout), 10 s by
    /// default) gives a timeout error ([`Error::is_timeout`]), after which the
    /// caller drops the stream (which closes it).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        match self.conn.close(code, reason) {
            Ok(()) | Err(crate::error::Error::Api(crate::error::ApiMisuse::AlreadyClosing)) => {}
            Err(e) => return Err(e.into()),
        }
        self.flush()?;
        let deadline = deadline_after(self.close_timeout);
        let previous = self.stream.read_timeout().ok();
        let result = self.await_close(deadline);
        if let Some(previous) = previous {
            let _ = self.stream.set_read_timeout(previous);
        }
        result
    }

    /// [`close`](Self::close) with `timeout` as the close timeout for this call.
    pub fn close_timeout(
        &mut self,
        code: CloseCode,
        reason: &str,
        timeout: Duration,
    ) -> Result<(), Error> {
        let kept = self.close_timeout.replace(timeout);
        let result = self.close(code, reason);
        self.close_timeout = kept;
        result
    }

    /// The waiting part of [`close`](Self::close), by `deadline`.
    fn await_close(&mut self, deadline: Option<Instant>) -> Result<(), Error> {
        // Bounded: every pass reads (by the deadline) or returns.
        loop {
            if self.conn.state() == State::Closed && !self.conn.wants_write() {
                // §7.1.1: the client waits for the server to close first.
                if self.conn.role() == Role::Server || self.conn.wants_transport_close() {
                    return Ok(());
                }
                let mut scratch = [0u8; 256];
                return match read_by(&mut self.stream, deadline, |s| s.read(&mut scratch)) {
                    Ok(ReadOutcome::Data(_)) => Ok(()),
                    Ok(ReadOutcome::Expired) => Err(Error::Io(io::ErrorKind::TimedOut.into())),
                    Err(e) if super::error::is_timeout(&e) => Err(Error::Io(e)),
                    Err(_) => Ok(()),
                };
            }
            match self.conn.poll_message() {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(crate::error::Error::UnexpectedEof) => return Ok(()),
                Err(e) => return Err(driver::fail(self, e)),
            }
            match driver::fill(self, deadline) {
                Ok(()) | Err(Error::Closed) => {}
                Err(e) => return Err(e),
            }
        }
    }
}
