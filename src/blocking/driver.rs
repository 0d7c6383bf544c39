//! The one read loop behind [`WebSocket`](super::WebSocket) and
//! [`ReadHalf`](super::ReadHalf): poll the connection, write the answers it
//! queued, read more input, and keep the connection alive while idle.

use std::prelude::rust_2024::*;

use std::io;
use std::time::Instant;

use super::error::{Error, is_timeout};
use super::socket::Keepalive;
use super::transport::ReadOutcome;
use crate::connection::{CloseCode, Connection, Message, State};

/// Keepalive settings and the clock readings they are checked against.
#[derive(Debug, Clone, Copy)]
pub(super) struct Liveness {
    pub(super) keepalive: Option<Keepalive>,
    last_received: Instant,
    last_ping: Instant,
}

impl Liveness {
    pub(super) fn new(keepalive: Option<Keepalive>) -> Self {
        let now = Instant::now();
        Self {
            keepalive,
            last_received: now,
            last_ping: now,
        }
    }
}

/// What the read loop needs from its owner: the connection, the transport's
/// read side, and a way to write what the connection queued.
pub(super) trait Link {
    /// Runs `f` on the connection (for a split socket, under its lock).
    fn with_conn<T>(&mut self, f: impl FnOnce(&mut Connection) -> T) -> T;
    /// Writes queued answers (Pongs, the Close reply, keepalive Pings). A
    /// split reader leaves them to the writer if it is busy.
    fn flush_answers(&mut self) -> Result<(), Error>;
    /// Writes all queued output, waiting for it (after a failure, before closing).
    fn flush_all(&mut self) -> Result<(), Error>;
    /// One read from the transport, committed to the connection, finished by
    /// `deadline` (see [`read_by`](super::transport::read_by)). `Data(0)` is EOF,
    /// not yet passed on.
    fn read_input(&mut self, deadline: Option<Instant>) -> Result<ReadOutcome, Error>;
    /// The keepalive state.
    fn liveness(&mut self) -> &mut Liveness;
}

/// Reads the next whole message, answering Pings and echoing a Close first.
pub(super) fn read_message(link: &mut impl Link) -> Result<Message<'static>, Error> {
    loop {
        let polled = link.with_conn(|c| match c.poll_message() {
            Ok(Some(m)) => {
                let m = m.into_owned();
                Ok(Some((m, c.wants_write())))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        });
        match polled {
            Ok(Some((message, wants_write))) => {
                // A Ping or Close queued its answer: send it now. Data
                // messages queue nothing; the output is written before the
                // next blocking read, so an echo loop using `write` sends one
                // batch per read rather than one per message.
                if !message.is_data() && wants_write {
                    link.flush_answers()?;
                }
                return Ok(message);
            }
            Ok(None) => {}
            Err(e) => return Err(fail(link, e)),
        }
        fill(link, None)?;
    }
}

/// Flushes what a failure queued (the Close frame) and converts the error.
pub(super) fn fail(link: &mut impl Link, e: crate::error::Error) -> Error {
    let _ = link.flush_all();
    e.into()
}

/// Writes pending answers, then reads more input into the connection, by
/// `deadline`. A read timeout with keepalive on is a keepalive tick.
pub(super) fn fill(link: &mut impl Link, deadline: Option<Instant>) -> Result<(), Error> {
    link.flush_answers()?;
    if link.with_conn(|c| c.state() == State::Closed) {
        link.flush_all()?;
        return Err(Error::Closed);
    }
    match link.read_input(deadline) {
        Ok(ReadOutcome::Data(0)) => {
            link.with_conn(Connection::receive_eof);
            Ok(())
        }
        Ok(ReadOutcome::Data(_)) => {
            link.liveness().last_received = Instant::now();
            Ok(())
        }
        Ok(ReadOutcome::Expired) => Err(Error::Io(io::ErrorKind::TimedOut.into())),
        Err(Error::Io(e)) if is_timeout(&e) && link.liveness().keepalive.is_some() => {
            keepalive_tick(link, e)
        }
        Err(e) => Err(e),
    }
}

/// On a read timeout with keepalive on: give up after the idle timeout, or
/// ping after the interval. No Ping once this side sent its Close (§5.5.1:
/// nothing but the Close's answer is awaited then); the idle timeout still
/// bounds the wait for the peer's Close.
fn keepalive_tick(link: &mut impl Link, timeout: io::Error) -> Result<(), Error> {
    let live = *link.liveness();
    let Some(k) = live.keepalive else {
        return Err(Error::Io(timeout));
    };
    let now = Instant::now();
    let idle = now.duration_since(live.last_received);
    if idle >= k.idle_timeout {
        link.with_conn(|c| {
            if c.state() == State::Open {
                let _ = c.close(CloseCode::GOING_AWAY, "idle timeout");
            }
        });
        let _ = link.flush_all();
        return Err(Error::IdleTimeout);
    }
    let open = link.with_conn(|c| c.state() == State::Open);
    if open && idle >= k.interval && now.duration_since(live.last_ping) >= k.interval {
        link.liveness().last_ping = now;
        link.with_conn(|c| c.send_ping(b"keepalive"))?;
        link.flush_answers()?;
    }
    Ok(())
}
