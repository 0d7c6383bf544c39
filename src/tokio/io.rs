//! Writing a [`Connection`]'s output to an `AsyncWrite`, with the write
//! timeout, and reading into its receive buffer: the two poll functions every
//! other part of the adapter is built from. Both keep no bytes of their own,
//! so a future that stops polling them (a cancelled `read`, `send` or
//! `flush`) loses nothing: unwritten output stays queued in the connection,
//! and input is committed to it in the same poll that read it.

use std::prelude::rust_2024::*;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::time::{Instant, Sleep, sleep_until};

use crate::blocking::Error;
use crate::connection::Connection;

/// The write side's state: the write timeout and its timer, and whether bytes
/// were written since the stream was last flushed.
#[derive(Debug)]
pub(super) struct WriteState {
    /// No byte accepted by the stream for this long, while output waits:
    /// the flush fails with a timeout ([`Error::is_timeout`]).
    pub(super) timeout: Option<Duration>,
    /// The write timeout's timer; armed while output waits on the stream.
    timer: Option<Pin<Box<Sleep>>>,
    armed: bool,
    unflushed: bool,
}

impl WriteState {
    pub(super) fn new(timeout: Option<Duration>) -> Self {
        Self {
            timeout: timeout.filter(|t| !t.is_zero()),
            timer: None,
            armed: false,
            unflushed: false,
        }
    }

    /// The stream took bytes: the write timeout starts again from the next wait.
    fn progress(&mut self) {
        self.armed = false;
        self.unflushed = true;
    }

    /// The stream is not ready: `Pending`, or the timeout error once no byte
    /// was accepted for the write timeout.
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let Some(timeout) = self.timeout else {
            return Poll::Pending;
        };
        let deadline = Instant::now() + timeout;
        let timer = match &mut self.timer {
            Some(timer) => {
                if !self.armed {
                    timer.as_mut().reset(deadline);
                }
                timer
            }
            None => self.timer.insert(Box::pin(sleep_until(deadline))),
        };
        self.armed = true;
        ready!(timer.as_mut().poll(cx));
        self.armed = false;
        Poll::Ready(Err(Error::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            "write timed out (the peer does not read)",
        ))))
    }
}

/// Writes all queued output of `conn` to `stream` and flushes the stream.
///
/// Output is advanced only by what the stream took, so on `Pending` (or a
/// cancelled caller, or the write timeout) the rest stays queued.
pub(super) fn poll_write_out<S: AsyncWrite + Unpin>(
    stream: &mut S,
    conn: &mut Connection,
    state: &mut WriteState,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    loop {
        let out = conn.poll_output();
        if out.is_empty() {
            break;
        }
        match Pin::new(&mut *stream).poll_write(cx, out) {
            Poll::Ready(Ok(0)) => {
                return Poll::Ready(Err(Error::Io(io::ErrorKind::WriteZero.into())));
            }
            Poll::Ready(Ok(n)) => {
                conn.advance_output(n)?;
                state.progress();
            }
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::Io(e))),
            Poll::Pending => return state.poll_wait(cx),
        }
    }
    if state.unflushed {
        match Pin::new(&mut *stream).poll_flush(cx) {
            Poll::Ready(Ok(())) => state.unflushed = false,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::Io(e))),
            Poll::Pending => return state.poll_wait(cx),
        }
    }
    state.armed = false;
    Poll::Ready(Ok(()))
}

/// One read from `stream` into the connection, committed in the same poll
/// (so a dropped read future loses nothing). `Ready(Ok(0))` is EOF (not yet
/// passed on).
///
/// While the connection holds no receive buffer (a new connection, or one
/// keepalive shrank while it was silent), the read goes into a buffer on
/// this poll's stack and the bytes are copied in with `receive`: a task
/// waiting here for its peer's next message then holds no 4 KiB receive
/// buffer, which is most of what an idle connection would cost. Otherwise
/// it reads straight into `read_buf`, with no copy.
pub(super) fn poll_read_in<S: AsyncRead + Unpin>(
    stream: &mut S,
    conn: &mut Connection,
    cx: &mut Context<'_>,
) -> Poll<Result<usize, Error>> {
    if conn.receive_buffer_capacity() == 0 {
        let mut idle = [0u8; IDLE_READ];
        let mut buf = ReadBuf::new(&mut idle);
        ready!(poll_read_into(stream, &mut buf, cx))?;
        let n = buf.filled().len();
        conn.receive(buf.filled());
        return Poll::Ready(Ok(n));
    }
    let mut buf = ReadBuf::new(conn.read_buf());
    ready!(poll_read_into(stream, &mut buf, cx))?;
    let n = buf.filled().len();
    if n > 0 {
        conn.commit_read(n)?;
    }
    Poll::Ready(Ok(n))
}

/// The size of the stack buffer an idle connection reads into: a small
/// message arrives whole, a larger one continues in the receive buffer.
const IDLE_READ: usize = 2048;

/// `poll_read` retried on `Interrupted`.
fn poll_read_into<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut ReadBuf<'_>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>> {
    loop {
        match Pin::new(&mut *stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::Io(e))),
            Poll::Pending => return Poll::Pending,
        }
    }
}

/// Writes `bytes` whole (a handshake's answer), within `timeout`.
pub(super) async fn write_all_within<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    timeout: Option<Duration>,
) -> Result<(), Error> {
    use ::tokio::io::AsyncWriteExt;
    let write = async {
        stream.write_all(bytes).await?;
        stream.flush().await
    };
    match timeout.filter(|t| !t.is_zero()) {
        Some(t) => match ::tokio::time::timeout(t, write).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(Error::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                "write timed out (the peer does not read)",
            ))),
        },
        None => Ok(write.await?),
    }
}
