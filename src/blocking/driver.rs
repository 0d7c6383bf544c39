//! The one read loop behind [`WebSocket`](super::WebSocket) and
//! [`ReadHalf`](super::ReadHalf): poll the connection, write the answers it
//! queued, read more input, and keep the connection alive while idle.

use std::prelude::rust_2024::*;

use std::io;
use std::time::Instant;

use super::error::{Error, is_timeout};
use super::socket::Keepalive;
use super::transport::ReadOutcome;
use crate::connection::{CloseCode, Connection, Event, Message, Sender, State};

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

/// The one read loop: polls the connection with `poll` until it gives a
/// value, reading more input in between (with keepalive). `poll` returns the
/// value and whether answers it queued must be written before returning (a
/// Pong, the Close reply); anything else queued goes out before the next read.
pub(super) fn read_next<T>(
    link: &mut impl Link,
    mut poll: impl FnMut(&mut Connection) -> Result<Option<(T, bool)>, crate::error::Error>,
) -> Result<T, Error> {
    loop {
        match link.with_conn(&mut poll) {
            Ok(Some((value, answer_now))) => {
                if answer_now {
                    link.flush_answers()?;
                }
                return Ok(value);
            }
            Ok(None) => {}
            Err(e) => return Err(fail(link, e)),
        }
        fill(link, None)?;
    }
}

/// Reads the next whole message and gives it, lent, to `f` with the
/// connection's send half. A Ping's Pong and a Close's reply are written
/// before this returns; data `f` queues goes out with the next read or flush,
/// so an echo loop writes one batch per read.
pub(super) fn read_with<T>(
    link: &mut impl Link,
    f: impl FnOnce(Message<'_>, Sender<'_>) -> T,
) -> Result<T, Error> {
    let mut f = Some(f);
    read_next(link, |conn| {
        let Some((message, sender)) = conn.poll_message_and_sender()? else {
            return Ok(None);
        };
        let is_data = message.is_data();
        // `poll` is called again only after it returned `None`.
        let value = f.take().map(|f| f(message, sender));
        Ok(value.map(|v| (v, !is_data && conn.wants_write())))
    })
}

/// Reads the next event and gives it, lent, to `f`; answers it queued are
/// written before this returns.
pub(super) fn read_event<T>(
    link: &mut impl Link,
    f: impl FnOnce(Event<'_>) -> T,
) -> Result<T, Error> {
    let mut f = Some(f);
    read_next(link, |conn| {
        let Some(event) = conn.poll_event()? else {
            return Ok(None);
        };
        let value = f.take().map(|f| f(event));
        Ok(value.map(|v| (v, conn.wants_write())))
    })
}

/// Reads the next whole message, owned.
pub(super) fn read_message(link: &mut impl Link) -> Result<Message<'static>, Error> {
    read_with(link, |message, _| message.into_owned())
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
        // Silent for a whole interval: give back what only traffic needs
        // (buffers, and permessage-deflate's zlib state).
        link.with_conn(Connection::shrink_buffers);
        link.with_conn(|c| c.send_ping(b"keepalive"))?;
        link.flush_answers()?;
    }
    Ok(())
}
