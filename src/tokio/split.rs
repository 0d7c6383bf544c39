//! Splitting a [`WebSocket`] ([`WebSocket::into_split`]) into an owned read half and a cloneable write
//! half, for two or more tasks.
//!
//! Both halves share the one [`Connection`] behind a (synchronous) mutex that
//! is held only inside a poll, never across an await, and the stream's write
//! side behind an async mutex, so that many tasks can queue up to send. The
//! stream is split with `tokio::io::split`, so any `AsyncRead + AsyncWrite`
//! stream works, TLS included.
//!
//! Output the reader produces (Pongs, the Close reply, keepalive Pings) is
//! written by whoever holds the writer lock: the reader takes it only when it
//! is free and never waits for it or for a full stream, and each writer
//! re-checks for queued output after it releases the lock, so an answer is
//! never stranded and a slow write never stalls the reader.

use std::prelude::rust_2024::*;

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite};
use futures_core::Stream;

use super::driver::{self, Held, Link, Liveness};
use super::io::{WriteState, poll_read_in, poll_write_out};
use super::socket::WebSocket;
use crate::blocking::{Error, Keepalive};
use crate::connection::{CloseCode, Connection, Event, Message, Sender};

#[derive(Debug)]
struct Writer<S> {
    stream: ::tokio::io::WriteHalf<S>,
    state: WriteState,
}

#[derive(Debug)]
struct Shared<S> {
    conn: Mutex<Connection>,
    writer: ::tokio::sync::Mutex<Writer<S>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The receiving half from [`WebSocket::into_split`]: reads, answers Pings, and
/// keeps the connection alive (the keepalive set on the socket goes on here).
#[derive(Debug)]
pub struct ReadHalf<S> {
    stream: ::tokio::io::ReadHalf<S>,
    shared: Arc<Shared<S>>,
    live: Liveness,
    held: Option<Held>,
    /// The socket's write buffer and close timeout, for [`ReadHalf::reunite`].
    kept: (usize, Option<Duration>),
}

/// The sending half from [`WebSocket::into_split`]. Cheap to clone: every clone
/// sends on the same connection, and concurrent sends are written one whole
/// message after another, in the order they took the writer lock (a fair,
/// first-come lock).
#[derive(Debug)]
pub struct WriteHalf<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for WriteHalf<S> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S: AsyncRead + AsyncWrite> WebSocket<S> {
    /// Splits into an owned reading half and a cloneable writing half, usable
    /// from different tasks at once (the stream is split with
    /// `tokio::io::split`, so TLS streams work too). The keepalive goes on in
    /// the [`ReadHalf`], the write timeout in the [`WriteHalf`]; output still
    /// queued goes out with the next write.
    ///
    /// Named like `tokio::net::TcpStream::into_split`, and not `split`, so
    /// that `futures_util::StreamExt::split` (the `Stream` + `Sink` halves
    /// tokio-tungstenite users write `ws.split()` for) is not shadowed.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), rfc6455::tokio::Error> {
    /// let (ws, _) = rfc6455::tokio::connect("ws://127.0.0.1:9001").await?;
    /// let (mut reader, writer) = ws.into_split();
    /// for i in 0..3 {
    ///     let writer = writer.clone();
    ///     tokio::spawn(async move { writer.send_text(&format!("from task {i}")).await });
    /// }
    /// println!("{:?}", reader.read().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_split(self) -> (ReadHalf<S>, WriteHalf<S>) {
        let (read, write) = ::tokio::io::split(self.stream);
        let shared = Arc::new(Shared {
            conn: Mutex::new(self.conn),
            writer: ::tokio::sync::Mutex::new(Writer {
                stream: write,
                state: self.write,
            }),
        });
        (
            ReadHalf {
                stream: read,
                shared: Arc::clone(&shared),
                live: self.live,
                held: self.held,
                kept: (self.write_buffer, self.close_timeout),
            },
            WriteHalf { shared },
        )
    }
}

/// Writes all queued output; the caller holds the writer lock. The
/// connection lock is held only inside each poll.
fn poll_flush_locked<S: AsyncWrite>(
    writer: &mut Writer<S>,
    conn: &Mutex<Connection>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    poll_write_out(&mut writer.stream, &mut lock(conn), &mut writer.state, cx)
}

impl<S: AsyncRead + AsyncWrite> Link for ReadHalf<S> {
    fn with_conn<T>(&mut self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut lock(&self.shared.conn))
    }

    fn poll_answers(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // A busy writer picks the answers up before it releases the stream;
        // a full stream wakes this task when it drains, and the next poll
        // tries again. Either way the reader goes on reading.
        let Ok(mut writer) = self.shared.writer.try_lock() else {
            return Poll::Ready(Ok(()));
        };
        match poll_flush_locked(&mut writer, &self.shared.conn, cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) | Poll::Pending => Poll::Ready(Ok(())),
        }
    }

    fn poll_input(&mut self, cx: &mut Context<'_>) -> Poll<Result<usize, Error>> {
        poll_read_in(&mut self.stream, &mut lock(&self.shared.conn), cx)
    }

    fn liveness(&mut self) -> &mut Liveness {
        &mut self.live
    }

    fn held(&mut self) -> &mut Option<Held> {
        &mut self.held
    }
}

impl<S: AsyncRead + AsyncWrite> ReadHalf<S> {
    /// Reads the next whole message, as [`WebSocket::read`] does (and as
    /// cancellation safe), with the same keepalive.
    pub async fn read(&mut self) -> Result<Message<'static>, Error> {
        self.read_with(driver::owned).await
    }

    /// Lends the next whole message to `f`, as [`WebSocket::read_with`]
    /// does. `f` runs under the lock the halves share: keep it short.
    pub async fn read_with<T>(
        &mut self,
        f: impl FnOnce(Message<'_>, Sender<'_>) -> T,
    ) -> Result<T, Error> {
        let mut f = Some(f);
        poll_fn(|cx| driver::poll_read_with(self, cx, &mut f)).await
    }

    /// Lends the next event to `f`, as [`WebSocket::read_event`] does.
    pub async fn read_event<T>(&mut self, f: impl FnOnce(Event<'_>) -> T) -> Result<T, Error> {
        let mut f = Some(f);
        poll_fn(|cx| driver::poll_read_event(self, cx, &mut f)).await
    }

    /// Sends Pings while idle and gives up after a silence, as
    /// [`WebSocket::set_keepalive`]; `None` turns it off.
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>) {
        self.live.set(keepalive);
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> ReadHalf<S> {
    /// Puts the halves back together into the socket they came from, with
    /// everything still queued or held. Fails, giving both back, if `write`
    /// is from another socket or a clone of it is still alive.
    // Called once per socket, and the halves must come back whole on failure
    // (as tokio's `OwnedReadHalf::reunite` gives them back): not boxed.
    #[allow(clippy::result_large_err)]
    pub fn reunite(self, write: WriteHalf<S>) -> Result<WebSocket<S>, (Self, WriteHalf<S>)> {
        if !Arc::ptr_eq(&self.shared, &write.shared) || Arc::strong_count(&self.shared) != 2 {
            return Err((self, write));
        }
        drop(write);
        let Self {
            stream,
            shared,
            live,
            held,
            kept: (write_buffer, close_timeout),
        } = self;
        let Ok(shared) = Arc::try_unwrap(shared) else {
            unreachable!("the two halves held the only references");
        };
        let conn = shared.conn.into_inner().unwrap_or_else(|p| p.into_inner());
        let writer = shared.writer.into_inner();
        let mut ws = WebSocket::from_connection(stream.unsplit(writer.stream), conn);
        ws.write = writer.state;
        ws.live = live;
        ws.held = held;
        ws.write_buffer = write_buffer;
        ws.close_timeout = close_timeout;
        Ok(ws)
    }
}

/// Received messages, as [`WebSocket`]'s `Stream` impl gives them.
impl<S: AsyncRead + AsyncWrite> Stream for ReadHalf<S> {
    type Item = Result<Message<'static>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let mut owned = Some(driver::owned);
        match ready!(driver::poll_read_with(this, cx, &mut owned)) {
            Ok(message) => Poll::Ready(Some(Ok(message))),
            Err(Error::Closed) => Poll::Ready(None),
            Err(e) => Poll::Ready(Some(Err(e))),
        }
    }
}

impl<S: AsyncWrite> WriteHalf<S> {
    /// Sends a message, as [`WebSocket::send`] does: waits for the writer
    /// lock, queues the message, writes it out. Cancelled while waiting for
    /// the lock, nothing was queued; cancelled after, the message is queued
    /// whole and the next write sends it.
    pub async fn send(&self, message: Message<'_>) -> Result<(), Error> {
        let mut writer = self.shared.writer.lock().await;
        lock(&self.shared.conn).sender().send(&message)?;
        poll_fn(|cx| poll_flush_locked(&mut writer, &self.shared.conn, cx)).await?;
        drop(writer);
        self.flush_rest().await
    }

    /// Sends a Text message.
    pub async fn send_text(&self, text: &str) -> Result<(), Error> {
        self.send(Message::Text(text.into())).await
    }

    /// Sends a Binary message.
    pub async fn send_binary(&self, data: &[u8]) -> Result<(), Error> {
        self.send(Message::Binary(data.into())).await
    }

    /// Sends a Ping with at most 125 bytes of payload.
    pub async fn ping(&self, payload: &[u8]) -> Result<(), Error> {
        self.send(Message::Ping(payload.into())).await
    }

    /// Writes out what is queued (e.g. after a send returned a write timeout).
    pub async fn flush(&self) -> Result<(), Error> {
        let mut writer = self.shared.writer.lock().await;
        poll_fn(|cx| poll_flush_locked(&mut writer, &self.shared.conn, cx)).await?;
        drop(writer);
        self.flush_rest().await
    }

    /// Starts the closing handshake (sends a Close); the [`ReadHalf`] then
    /// receives the peer's Close, after which it returns [`Error::Closed`].
    pub async fn close(&self, code: CloseCode, reason: &str) -> Result<(), Error> {
        let mut writer = self.shared.writer.lock().await;
        lock(&self.shared.conn).close(code, reason)?;
        poll_fn(|cx| poll_flush_locked(&mut writer, &self.shared.conn, cx)).await?;
        drop(writer);
        self.flush_rest().await
    }

    /// After releasing the writer lock: output queued meanwhile (a Pong the
    /// reader could not write while this half held the lock) is written now,
    /// unless another writer holds the lock, which then writes it.
    async fn flush_rest(&self) -> Result<(), Error> {
        loop {
            if !lock(&self.shared.conn).wants_write() {
                return Ok(());
            }
            let Ok(mut writer) = self.shared.writer.try_lock() else {
                return Ok(());
            };
            poll_fn(|cx| poll_flush_locked(&mut writer, &self.shared.conn, cx)).await?;
        }
    }
}
