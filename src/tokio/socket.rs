//! [`WebSocket`]: a [`Connection`] driven over an `AsyncRead + AsyncWrite` stream.

use std::prelude::rust_2024::*;

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite};

use super::driver::{self, Held, Link, Liveness};
use super::io::{WriteState, poll_read_in, poll_write_out};
use crate::blocking::{Error, Keepalive};
use crate::connection::{CloseCode, Connection, Event, Message, MessageKind, Role, Sender, State};

/// [`WebSocket::set_close_timeout`] by default, as in the blocking adapter.
const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Queued output above this many bytes is written out even by [`WebSocket::write`].
const DEFAULT_WRITE_BUFFER: usize = 128 * 1024;

/// A WebSocket over an async stream: a [`Connection`] plus the poll loops that
/// move its bytes. Works over any `AsyncRead + AsyncWrite + Unpin` stream: a
/// `TcpStream`, a TLS stream, `tokio::io::DuplexStream`.
///
/// Received Pings are answered and a peer's Close is echoed by
/// [`read`](Self::read) itself. It is also a [`Stream`](futures_core::Stream)
/// of owned messages and a [`Sink`](futures_sink::Sink) of messages, for
/// `StreamExt::split` and `forward`.
///
/// Timeouts: [`read`](Self::read) waits as long as it takes (wrap it in
/// `tokio::time::timeout` for a deadline: it is cancellation safe), bounded
/// by keepalive when on (the default after [`accept`](super::accept) and
/// [`connect`](super::connect)); writes fail with a timeout error when the
/// stream takes no byte for the write timeout (30 s by default after `accept`
/// and `connect`); [`close`](Self::close) waits at most its close timeout (10 s).
#[derive(Debug)]
pub struct WebSocket<S> {
    pub(super) stream: S,
    pub(super) conn: Connection,
    pub(super) write: WriteState,
    pub(super) live: Liveness,
    pub(super) held: Option<Held>,
    pub(super) write_buffer: usize,
    pub(super) close_timeout: Option<Duration>,
}

impl<S> WebSocket<S> {
    /// Wraps a stream whose opening handshake is done. `conn` must already have
    /// received any bytes the handshake read past its end. No keepalive and
    /// no write timeout (set them with [`set_keepalive`](Self::set_keepalive)
    /// and [`set_write_timeout`](Self::set_write_timeout)).
    pub fn from_connection(stream: S, conn: Connection) -> Self {
        Self {
            stream,
            conn,
            write: WriteState::new(None),
            live: Liveness::new(None),
            held: None,
            write_buffer: DEFAULT_WRITE_BUFFER,
            close_timeout: Some(DEFAULT_CLOSE_TIMEOUT),
        }
    }

    /// Sends Pings while idle and gives up after a silence with
    /// [`Error::IdleTimeout`]; `None` turns it off. Kept by
    /// [`into_split`](Self::into_split) (in the [`ReadHalf`](super::ReadHalf)).
    /// [`accept`](super::accept) and [`connect`](super::connect) turn it on
    /// by default ([`Keepalive::DEFAULT`]). Pings are sent, and the silence
    /// noticed, while a read waits: on tokio's timer, nothing to set on the stream.
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>) {
        self.live.set(keepalive);
    }

    /// How long a write may wait without the stream taking a byte before it
    /// fails with a timeout error ([`Error::is_timeout`]; the rest stays
    /// queued, and the next flush continues). `None`: no limit. Set from
    /// [`ServerOptions::write_timeout`](super::ServerOptions::write_timeout)
    /// and [`ClientOptions::write_timeout`](super::ClientOptions::write_timeout)
    /// (30 s by default).
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) {
        self.write = WriteState::new(timeout);
    }

    /// Caps how many bytes [`write`](Self::write) (and the [`Sink`](futures_sink::Sink)
    /// impl) queue before writing them out. Default 128 KiB.
    pub fn set_write_buffer(&mut self, bytes: usize) {
        self.write_buffer = bytes;
    }

    pub(super) fn write_buffer(&self) -> usize {
        self.write_buffer
    }

    /// How long [`close`](Self::close) waits for the peer's Close (and, as a
    /// client, for the server to close the TCP connection, §7.1.1) before it
    /// gives up with a timeout error. Default 10 s; `None` waits as long as it takes.
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

    /// The stream. Reading or writing it directly corrupts the connection.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Gives back the stream and the protocol state (with any output still
    /// queued in it).
    pub fn into_parts(self) -> (S, Connection) {
        (self.stream, self.conn)
    }

    /// Whether the connection is closed (§7): nothing more can be read or sent.
    pub fn is_closed(&self) -> bool {
        self.conn.state() == State::Closed
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Link for WebSocket<S> {
    fn with_conn<T>(&mut self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut self.conn)
    }

    fn poll_answers(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        poll_write_out(&mut self.stream, &mut self.conn, &mut self.write, cx)
    }

    fn poll_input(&mut self, cx: &mut Context<'_>) -> Poll<Result<usize, Error>> {
        poll_read_in(&mut self.stream, &mut self.conn, cx)
    }

    fn liveness(&mut self) -> &mut Liveness {
        &mut self.live
    }

    fn held(&mut self) -> &mut Option<Held> {
        &mut self.held
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// Reads the next whole message (Text, Binary, Ping, Pong or Close), owned.
    ///
    /// Pings are answered and a peer's Close is echoed before this returns.
    /// After a Close was returned, or once the connection is closed, returns
    /// [`Error::Closed`]. A protocol error from the peer sends the Close frame
    /// with the error's code before it is returned. With keepalive on, a
    /// silent peer is pinged and ends in [`Error::IdleTimeout`].
    ///
    /// # Cancellation safety
    ///
    /// This method is cancellation safe: dropping its future at any await
    /// point (in a `tokio::select!` branch that lost, under
    /// `tokio::time::timeout`) loses no bytes and no message, and leaves the
    /// connection usable; the next `read` continues where it stopped, also in
    /// the middle of a frame. The future holds nothing of its own: input is
    /// handed to the [`Connection`] in the same poll that read it from the
    /// stream, and a control message whose answer is still being written waits
    /// in the socket, not in the future. (A property test, `tests/tokio/cancel.rs`,
    /// cancels reads at random points over a stream that returns random read
    /// sizes and checks that the same messages arrive.)
    pub async fn read(&mut self) -> Result<Message<'static>, Error> {
        self.read_with(driver::owned).await
    }

    /// Reads the next whole message and lends it to `f` with the connection's
    /// send half, so nothing is copied: an echo is queued straight from the
    /// receive buffer. What `f` queues is written before the next read (or by
    /// [`flush`](Self::flush)). Cancellation safe, like [`read`](Self::read):
    /// `f` runs in the same poll that takes the message from the connection.
    ///
    /// ```no_run
    /// use rfc6455::Message;
    /// use rfc6455::tokio::{Error, WebSocket};
    ///
    /// async fn echo(ws: &mut WebSocket<tokio::net::TcpStream>) -> Result<(), Error> {
    ///     loop {
    ///         let closed = ws.read_with(|message, mut sender| match message {
    ///             Message::Text(_) | Message::Binary(_) => sender.send(&message).map(|()| false),
    ///             Message::Close(_) => Ok(true),
    ///             _ => Ok(false),
    ///         }).await??;
    ///         if closed {
    ///             return Ok(());
    ///         }
    ///     }
    /// }
    /// ```
    pub async fn read_with<T>(
        &mut self,
        f: impl FnOnce(Message<'_>, Sender<'_>) -> T,
    ) -> Result<T, Error> {
        let mut f = Some(f);
        poll_fn(|cx| driver::poll_read_with(self, cx, &mut f)).await
    }

    /// Reads the next piece of a message as it arrives, for messages too
    /// large to hold whole: `f` sees the next [`Event`], borrowed from the
    /// connection. Pings are answered as with [`read`](Self::read).
    /// Cancellation safe, like `read`.
    pub async fn read_event<T>(&mut self, f: impl FnOnce(Event<'_>) -> T) -> Result<T, Error> {
        let mut f = Some(f);
        poll_fn(|cx| driver::poll_read_event(self, cx, &mut f)).await
    }

    /// Sends a message and writes it out. Sending a Close starts the closing
    /// handshake, as [`close`](Self::close) does without waiting.
    ///
    /// Cancelled, the message is either not queued or queued whole (and
    /// written by the next flush, read or send).
    pub async fn send(&mut self, message: Message<'_>) -> Result<(), Error> {
        self.conn.sender().send(&message)?;
        self.flush().await
    }

    /// Queues a message without writing, unless the queue exceeds the write
    /// buffer; [`flush`](Self::flush) writes it.
    pub async fn write(&mut self, message: Message<'_>) -> Result<(), Error> {
        self.conn.sender().send(&message)?;
        if self.conn.poll_output().len() > self.write_buffer {
            self.flush().await?;
        }
        Ok(())
    }

    /// Sends a Text message.
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.conn.send_text(text)?;
        self.flush().await
    }

    /// Sends a Binary message.
    pub async fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.conn.send_binary(data)?;
        self.flush().await
    }

    /// Sends one fragment of a streamed message (see [`Connection::send_fragment`]).
    pub async fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        is_last: bool,
    ) -> Result<(), Error> {
        self.conn.send_fragment(kind, data, is_last)?;
        self.flush().await
    }

    /// Sends a Ping with at most 125 bytes of payload.
    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.conn.send_ping(payload)?;
        self.flush().await
    }

    /// Writes all queued output to the stream and flushes it.
    ///
    /// Fails with a timeout error ([`Error::is_timeout`]) when the stream
    /// takes no byte for the write timeout; the rest stays queued, call again.
    /// Cancellation safe: what was not written stays queued.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.poll_flush_out(cx)).await
    }

    pub(super) fn poll_flush_out(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        poll_write_out(&mut self.stream, &mut self.conn, &mut self.write, cx)
    }

    /// Closes the connection with the closing handshake (§7.1.2): sends a Close
    /// with `code` and `reason`, then reads (discarding data messages) until
    /// the peer's Close arrives, and as a client until the server closes the
    /// transport (§7.1.1); then shuts the stream's write side down.
    ///
    /// If the peer closed first, this only finishes the handshake. A peer
    /// that does not answer within the close timeout
    /// ([`set_close_timeout`](Self::set_close_timeout), 10 s by default)
    /// gives a timeout error ([`Error::is_timeout`]); drop the socket then.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        match self.conn.close(code, reason) {
            Ok(()) | Err(crate::error::Error::Api(crate::error::ApiMisuse::AlreadyClosing)) => {}
            Err(e) => return Err(e.into()),
        }
        let close_timeout = self.close_timeout;
        let wait = poll_fn(|cx| self.poll_await_close(cx));
        let result = match close_timeout {
            Some(t) => match ::tokio::time::timeout(t, wait).await {
                Ok(result) => result,
                Err(_) => Err(Error::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the peer did not complete the closing handshake in time",
                ))),
            },
            None => wait.await,
        };
        if result.is_ok() {
            // Best effort: a FIN (or TLS close_notify) after the handshake.
            let _ = poll_fn(|cx| Pin::new(&mut self.stream).poll_shutdown(cx)).await;
        }
        result
    }

    /// [`close`](Self::close) with `timeout` as the close timeout for this call.
    pub async fn close_timeout(
        &mut self,
        code: CloseCode,
        reason: &str,
        timeout: Duration,
    ) -> Result<(), Error> {
        let kept = self.close_timeout.replace(timeout);
        let result = self.close(code, reason).await;
        self.close_timeout = kept;
        result
    }

    /// The waiting part of [`close`](Self::close).
    fn poll_await_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        loop {
            if let Some(Held::Error(_)) = self.held {
                ready!(self.poll_flush_out(cx))?;
                if let Some(Held::Error(e)) = self.held.take() {
                    return Poll::Ready(Err(e.into()));
                }
            }
            // A held control message was answered by its holding read; drop it.
            self.held = None;
            ready!(self.poll_flush_out(cx))?;
            if self.conn.state() == State::Closed && !self.conn.wants_write() {
                // §7.1.1: the client waits for the server to close first.
                if self.conn.role() == Role::Server || self.conn.wants_transport_close() {
                    return Poll::Ready(Ok(()));
                }
                return match ready!(poll_read_in(&mut self.stream, &mut self.conn, cx)) {
                    Ok(0) | Err(_) => Poll::Ready(Ok(())),
                    // Bytes after the Close are discarded; wait for the EOF.
                    Ok(_) => continue,
                };
            }
            match self.conn.poll_message() {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(crate::error::Error::UnexpectedEof) => return Poll::Ready(Ok(())),
                Err(e) => {
                    self.held = Some(Held::Error(e));
                    continue;
                }
            }
            match ready!(poll_read_in(&mut self.stream, &mut self.conn, cx)) {
                Ok(0) => self.conn.receive_eof(),
                Ok(_) => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}
