//! [`WebSocket`]: a [`Connection`] driven over a blocking `Read + Write` stream.

use std::prelude::rust_2024::*;

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::error::{Error, is_timeout};
use crate::connection::State;
use crate::{CloseCode, Connection, Event, Message, MessageKind};

/// Queued output above this many bytes is written out even by [`WebSocket::write`].
const DEFAULT_WRITE_BUFFER: usize = 128 * 1024;

/// Queues `message` on `conn`; a Close without a code is sent as 1000.
pub(super) fn queue(conn: &mut Connection, message: &Message<'_>) -> Result<(), crate::Error> {
    match message {
        Message::Text(t) => conn.send_text(t),
        Message::Binary(b) => conn.send_binary(b),
        Message::Ping(b) => conn.send_ping(b),
        Message::Pong(b) => conn.send_pong(b),
        Message::Close(c) => {
            let (code, reason) = c
                .as_ref()
                .map_or((CloseCode::NORMAL, ""), |c| (c.code, &*c.reason));
            conn.close(code, reason)
        }
    }
}

/// Pings sent while idle, and how long silence is tolerated.
///
/// Two plain public fields and no `Default`: both durations depend on the
/// application (and "no keepalive" is `Option::<Keepalive>::None`), so a
/// literal `Keepalive { interval, idle_timeout }` names both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Send a Ping after this long without receiving anything.
    pub interval: Duration,
    /// Give up (close with 1001 and return a timeout) after this long without
    /// receiving anything.
    pub idle_timeout: Duration,
}

/// A WebSocket over a blocking stream: a [`Connection`] plus the loops that move
/// its bytes. Works over any `Read + Write` (a `TcpStream`, a TLS stream, a pipe).
///
/// Received Pings are answered and a peer's Close is echoed by [`read`](Self::read)
/// itself. Output is buffered in the connection: [`send`](Self::send) writes
/// each message with one `write` call in the common case (header and payload
/// are contiguous).
///
/// Timeouts: give the stream a read timeout (`TcpStream::set_read_timeout`) to
/// bound [`read`](Self::read) and [`close`](Self::close). A timeout or
/// `WouldBlock` returns [`Error::Io`] and loses nothing: calling the method again
/// continues where it stopped, also in the middle of a frame.
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    write_buffer: usize,
    keepalive: Option<Keepalive>,
    last_received: Instant,
    last_ping: Instant,
}

impl<S: Read + Write> WebSocket<S> {
    /// Wraps a stream whose opening handshake is done. `conn` must already have
    /// received any bytes the handshake read past its end.
    pub fn from_connection(stream: S, conn: Connection) -> Self {
        let now = Instant::now();
        Self {
            stream,
            conn,
            write_buffer: DEFAULT_WRITE_BUFFER,
            keepalive: None,
            last_received: now,
            last_ping: now,
        }
    }

    /// Caps how many bytes [`write`](Self::write) queues before writing them out.
    pub fn set_write_buffer(&mut self, bytes: usize) {
        self.write_buffer = bytes;
    }

    /// Sends Pings while idle and gives up after a silence; `None` turns it off.
    ///
    /// Needs a stream read timeout no longer than `interval`, so that
    /// [`read`](Self::read) wakes up to send them.
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>) {
        self.keepalive = keepalive;
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

    /// Reads the next whole message (Text, Binary, Ping, Pong or Close).
    ///
    /// Pings are answered and a peer's Close is echoed before this returns.
    /// After a Close was returned, or once the connection is closed, returns
    /// [`Error::Closed`]. A protocol error from the peer sends the Close frame
    /// with the error's code before it is returned.
    pub fn read(&mut self) -> Result<Message<'static>, Error> {
        loop {
            match self.conn.poll_message() {
                Ok(Some(message)) => {
                    let message = message.into_owned();
                    // A Ping or Close queued its answer: send it now. Data
                    // messages queue nothing; the output is written before
                    // the next blocking read, so an echo loop using `write`
                    // sends one batch per read rather than one per message.
                    if !message.is_data() && self.conn.wants_write() {
                        self.flush()?;
                    }
                    return Ok(message);
                }
                Ok(None) => {}
                Err(e) => return Err(self.fail(e)),
            }
            self.fill()?;
        }
    }

    /// Reads the next piece of a message as it arrives, for messages too large
    /// to hold whole: `f` sees each [`Event`], borrowed from the connection.
    ///
    /// Returns what `f` returns for the first event. Pings are answered as with
    /// [`read`](Self::read).
    pub fn read_event<T>(&mut self, f: impl FnOnce(Event<'_>) -> T) -> Result<T, Error> {
        loop {
            // Answer Pings and Closes that earlier events queued.
            if self.conn.wants_write() {
                self.flush()?;
            }
            match self.conn.poll_event() {
                Ok(Some(event)) => {
                    let value = f(event);
                    // Answer a Ping, or echo a Close, before returning, as `read` does.
                    if self.conn.wants_write() {
                        self.flush()?;
                    }
                    return Ok(value);
                }
                Ok(None) => {}
                Err(e) => return Err(self.fail(e)),
            }
            self.fill()?;
        }
    }

    /// Flushes what a failure queued (the Close frame) and converts the error.
    fn fail(&mut self, e: crate::Error) -> Error {
        let _ = self.flush();
        e.into()
    }

    /// Writes pending output, then reads more input into the connection.
    fn fill(&mut self) -> Result<(), Error> {
        self.flush()?;
        if self.conn.state() == State::Closed {
            return Err(Error::Closed);
        }
        let read = self.stream.read(self.conn.read_buf());
        match read {
            Ok(0) => {
                self.conn.receive_eof();
                Ok(())
            }
            Ok(n) => {
                self.last_received = Instant::now();
                Ok(self.conn.commit_read(n)?)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) if is_timeout(&e) && self.keepalive.is_some() => self.keepalive_tick(e),
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// On a read timeout with keepalive on: ping, or give up after the idle timeout.
    fn keepalive_tick(&mut self, timeout: io::Error) -> Result<(), Error> {
        let Some(k) = self.keepalive else {
            return Err(Error::Io(timeout));
        };
        let now = Instant::now();
        let idle = now.duration_since(self.last_received);
        if idle >= k.idle_timeout {
            let _ = self.conn.close(CloseCode::GOING_AWAY, "idle timeout");
            let _ = self.flush();
            return Err(Error::Io(timeout));
        }
        if idle >= k.interval && now.duration_since(self.last_ping) >= k.interval {
            self.last_ping = now;
            self.conn.send_ping(b"keepalive")?;
            self.flush()?;
        }
        Ok(())
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
        queue(&mut self.conn, &message)?;
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
    /// transport (§7.1.1). Bounded by the stream's read timeout.
    ///
    /// If the peer closed first, this only finishes the handshake. Returns
    /// `Ok(())` once closed; a timeout returns the I/O error, after which the
    /// caller drops the stream (which closes it). Without a read timeout on
    /// the stream this waits as long as the peer does; over TCP,
    /// [`close_timeout`](Self::close_timeout) sets one for the wait.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        match self.conn.close(code, reason) {
            Ok(()) | Err(crate::Error::Api(crate::error::ApiMisuse::AlreadyClosing)) => {}
            Err(e) => return Err(e.into()),
        }
        self.flush()?;
        loop {
            if self.conn.state() == State::Closed && !self.conn.wants_write() {
                // §7.1.1: the client waits for the server to close first.
                if self.conn.role() == crate::Role::Server || self.conn.wants_transport_close() {
                    return Ok(());
                }
                let mut scratch = [0u8; 256];
                return match self.stream.read(&mut scratch) {
                    Ok(_) => Ok(()),
                    Err(e) if is_timeout(&e) => Err(Error::Io(e)),
                    Err(_) => Ok(()),
                };
            }
            match self.conn.poll_message() {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(crate::Error::UnexpectedEof) => return Ok(()),
                Err(e) => return Err(self.fail(e)),
            }
            match self.fill() {
                Ok(()) | Err(Error::Closed) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl WebSocket<std::net::TcpStream> {
    /// [`close`](Self::close), waiting at most `timeout` for each read of the
    /// peer's Close (and, as a client, of the server's TCP close); the socket's
    /// read timeout is restored afterwards. A peer that never answers then
    /// gives a timeout error instead of a hang; drop the socket after it.
    pub fn close_timeout(
        &mut self,
        code: CloseCode,
        reason: &str,
        timeout: Duration,
    ) -> Result<(), Error> {
        let previous = self.stream.read_timeout()?;
        self.stream.set_read_timeout(Some(timeout))?;
        let result = self.close(code, reason);
        let _ = self.stream.set_read_timeout(previous);
        result
    }
}
