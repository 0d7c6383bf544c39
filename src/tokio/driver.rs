//! The one read loop behind [`WebSocket`](super::WebSocket) and
//! [`ReadHalf`](super::ReadHalf), as poll functions: poll the connection,
//! write the answers it queued, read more input, keep the connection alive
//! while idle.
//!
//! Cancellation safety lives here. Every poll function keeps its state in
//! its owner (the connection, the [`Liveness`], the [`Held`] slot), never in
//! the future that polls it: input is committed to the connection in the
//! same poll that read it ([`poll_read_in`](super::io::poll_read_in)), output
//! stays queued until the stream took it, and a control message whose answer
//! could not be written yet waits in [`Held`] instead of in the future.

use std::prelude::rust_2024::*;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ::tokio::time::{Instant, Sleep, sleep_until};

use crate::blocking::{Error, Keepalive};
use crate::connection::{CloseCode, Connection, Event, Message, Sender, State};

/// Keepalive settings, the clock readings they are checked against, and the
/// timer that wakes a waiting read when a Ping is due.
#[derive(Debug)]
pub(super) struct Liveness {
    pub(super) keepalive: Option<Keepalive>,
    last_received: Instant,
    last_ping: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Liveness {
    pub(super) fn new(keepalive: Option<Keepalive>) -> Self {
        let now = Instant::now();
        Self {
            keepalive,
            last_received: now,
            last_ping: now,
            timer: None,
        }
    }

    /// Sets the keepalive; the silence so far counts from now.
    pub(super) fn set(&mut self, keepalive: Option<Keepalive>) {
        self.keepalive = keepalive;
        self.last_received = Instant::now();
        if keepalive.is_none() {
            self.timer = None;
        }
    }
}

/// A read's result that waits for the answer it queued (a Pong, the Close
/// reply) to be written before it is returned. Kept in the socket, not in the
/// read's future, so a read cancelled while the answer is being written
/// loses nothing: the next read writes it and returns this.
#[derive(Debug)]
pub(super) enum Held {
    /// A control message (small: at most 125 bytes of payload).
    Message(Message<'static>),
    /// The connection failed; its Close frame is being written.
    Error(crate::error::Error),
}

/// What the read loop needs from its owner.
pub(super) trait Link {
    /// Runs `f` on the connection (for a split socket, under its lock).
    fn with_conn<T>(&mut self, f: impl FnOnce(&mut Connection) -> T) -> T;
    /// Writes queued output (answers, keepalive Pings, data queued earlier).
    /// A [`ReadHalf`](super::ReadHalf) leaves them to the writer when it is
    /// busy or the stream is full, and is then always `Ready`.
    fn poll_answers(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>>;
    /// One read from the transport, committed to the connection in the same
    /// poll. `Ready(Ok(0))` is EOF, not yet passed on.
    fn poll_input(&mut self, cx: &mut Context<'_>) -> Poll<Result<usize, Error>>;
    /// The keepalive state.
    fn liveness(&mut self) -> &mut Liveness;
    /// The slot for a result held until its answer is written.
    fn held(&mut self) -> &mut Option<Held>;
}

/// The closure of an owned read: the message, detached from the connection.
pub(super) fn owned(message: Message<'_>, _: Sender<'_>) -> Message<'static> {
    message.into_owned()
}

/// Reads the next whole message and lends it to `f` (taken from `f`'s slot,
/// so it is called at most once), with the connection's send half.
pub(super) fn poll_read_with<L: Link, T>(
    link: &mut L,
    cx: &mut Context<'_>,
    f: &mut Option<impl FnOnce(Message<'_>, Sender<'_>) -> T>,
) -> Poll<Result<T, Error>> {
    loop {
        if let Some(held) = ready!(poll_held(link, cx))? {
            let f = f.take().expect("polled after completion");
            return Poll::Ready(Ok(link.with_conn(|c| f(held, c.sender()))));
        }
        // A data message goes to `f` at once, in this poll; a control
        // message that queued an answer comes back owned, to be held.
        let step = link.with_conn(|conn| {
            let Some((message, sender)) = conn.poll_message_and_sender()? else {
                return Ok(None);
            };
            if message.is_data() {
                let f = f.take().expect("polled after completion");
                return Ok(Some(Ok(f(message, sender))));
            }
            let message = message.into_owned();
            if !conn.wants_write() {
                let f = f.take().expect("polled after completion");
                return Ok(Some(Ok(f(message, conn.sender()))));
            }
            Ok(Some(Err(message)))
        });
        match step {
            Ok(Some(Ok(value))) => return Poll::Ready(Ok(value)),
            Ok(Some(Err(message))) => *link.held() = Some(Held::Message(message)),
            Ok(None) => ready!(poll_fill(link, cx))?,
            Err(e) => *link.held() = Some(Held::Error(e)),
        }
    }
}

/// Reads the next event and lends it to `f`, as [`poll_read_with`] does.
pub(super) fn poll_read_event<L: Link, T>(
    link: &mut L,
    cx: &mut Context<'_>,
    f: &mut Option<impl FnOnce(Event<'_>) -> T>,
) -> Poll<Result<T, Error>> {
    loop {
        if let Some(held) = ready!(poll_held(link, cx))? {
            let f = f.take().expect("polled after completion");
            return Poll::Ready(Ok(f(as_event(&held))));
        }
        let step = link.with_conn(|conn| {
            let Some(event) = conn.poll_event()? else {
                return Ok(None);
            };
            let message = match event {
                Event::Data { .. } => {
                    let f = f.take().expect("polled after completion");
                    return Ok(Some(Ok(f(event))));
                }
                Event::Ping(p) => Message::Ping(p.to_vec().into()),
                Event::Pong(p) => Message::Pong(p.to_vec().into()),
                Event::Close(frame) => Message::Close(frame.map(|f| f.into_owned())),
            };
            if conn.wants_write() {
                return Ok(Some(Err(message)));
            }
            let f = f.take().expect("polled after completion");
            Ok(Some(Ok(f(as_event(&message)))))
        });
        match step {
            Ok(Some(Ok(value))) => return Poll::Ready(Ok(value)),
            Ok(Some(Err(message))) => *link.held() = Some(Held::Message(message)),
            Ok(None) => ready!(poll_fill(link, cx))?,
            Err(e) => *link.held() = Some(Held::Error(e)),
        }
    }
}

/// A held control message as the event it came from.
fn as_event<'a>(message: &'a Message<'static>) -> Event<'a> {
    match message {
        Message::Ping(p) => Event::Ping(p),
        Message::Pong(p) => Event::Pong(p),
        Message::Close(frame) => Event::Close(frame.clone()),
        // Only control messages are held.
        Message::Text(t) => Event::Data {
            kind: crate::connection::MessageKind::Text,
            payload: t.as_bytes(),
            is_first: true,
            is_last: true,
        },
        Message::Binary(b) => Event::Data {
            kind: crate::connection::MessageKind::Binary,
            payload: b,
            is_first: true,
            is_last: true,
        },
    }
}

/// Writes the answer a held result waits for, then gives the result:
/// `Ready(Ok(None))` when nothing is held.
fn poll_held<L: Link>(
    link: &mut L,
    cx: &mut Context<'_>,
) -> Poll<Result<Option<Message<'static>>, Error>> {
    if link.held().is_none() {
        return Poll::Ready(Ok(None));
    }
    let written = ready!(link.poll_answers(cx));
    match link.held().take() {
        Some(Held::Error(e)) => Poll::Ready(Err(e.into())),
        Some(Held::Message(message)) => {
            written?;
            Poll::Ready(Ok(Some(message)))
        }
        None => Poll::Ready(Ok(None)),
    }
}

/// Writes pending output, then reads more input into the connection. While
/// the read waits, keepalive pings as due, and gives up after the idle timeout.
pub(super) fn poll_fill<L: Link>(link: &mut L, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
    loop {
        ready!(link.poll_answers(cx))?;
        if link.with_conn(|c| c.state() == State::Closed) {
            return Poll::Ready(Err(Error::Closed));
        }
        match link.poll_input(cx) {
            Poll::Ready(Ok(0)) => {
                link.with_conn(Connection::receive_eof);
                return Poll::Ready(Ok(()));
            }
            Poll::Ready(Ok(_)) => {
                let live = link.liveness();
                if live.keepalive.is_some() {
                    live.last_received = Instant::now();
                }
                return Poll::Ready(Ok(()));
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => ready!(poll_keepalive(link, cx))?,
        }
    }
}

/// While a read waits: `Ready(Ok(()))` once a Ping was queued (write it and
/// wait again), `Ready(Err(IdleTimeout))` after the idle timeout, else
/// `Pending` with the timer set for the next of the two. No Ping once this
/// side sent its Close (§5.5.1); the idle timeout still bounds the wait.
fn poll_keepalive<L: Link>(link: &mut L, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
    let Some(k) = link.liveness().keepalive else {
        return Poll::Pending;
    };
    let open = link.with_conn(|c| c.state() == State::Open);
    loop {
        let now = Instant::now();
        let live = link.liveness();
        let idle = now.saturating_duration_since(live.last_received);
        if idle >= k.idle_timeout {
            link.with_conn(|c| {
                if c.state() == State::Open {
                    let _ = c.close(CloseCode::GOING_AWAY, "idle timeout");
                }
            });
            // One try to write the Close; the peer is silent, so do not wait.
            let _ = link.poll_answers(cx);
            return Poll::Ready(Err(Error::IdleTimeout));
        }
        if open && idle >= k.interval && now.saturating_duration_since(live.last_ping) >= k.interval
        {
            live.last_ping = now;
            // Silent for a whole interval: give back what only traffic needs.
            link.with_conn(Connection::shrink_buffers);
            link.with_conn(|c| c.send_ping(b"keepalive"))?;
            return Poll::Ready(Ok(()));
        }
        let mut next = live.last_received + k.idle_timeout;
        if open {
            let ping_due = (live.last_received + k.interval).max(live.last_ping + k.interval);
            next = next.min(ping_due);
        }
        let timer = match &mut live.timer {
            Some(timer) => {
                if timer.deadline() != next {
                    timer.as_mut().reset(next);
                }
                timer
            }
            None => live.timer.insert(Box::pin(sleep_until(next))),
        };
        ready!(timer.as_mut().poll(cx));
        if Instant::now() < next {
            // Woken a little early: wait for the deadline itself.
            timer
                .as_mut()
                .reset(next + std::time::Duration::from_millis(1));
        }
    }
}
