//! Inputs and the event layer: frames in, events out (§5, §6.2, §7).
//!
//! The receive path is three layers, data flowing one way:
//!
//! 1. the frame decoder ([`crate::frame`]): a header, or a payload chunk
//!    unmasked in place, from the front of the receive buffer (`input`);
//! 2. this file: checks each header against the connection and moves the
//!    state machine (`state`), answers control frames, passes chunks of
//!    marked messages through the per-message transform (`transform`), and
//!    hands out [`Event`]s ([`poll_event`](Connection::poll_event));
//! 3. message assembly on top of the events
//!    ([`poll_message`](Connection::poll_message), in `assemble`).
//!
//! UTF-8 is validated once per byte, by whichever layer hands the text out:
//! `poll_event` chunk by chunk, `poll_message` as it assembles or, for a
//! message in one frame and one buffer, once over the whole.

use core::ops::Range;

use super::close::parse_close_payload;
use super::event::{Event, MessageKind};
use super::input::Input;
use super::state::{self, Taken};
use super::transform::{Limits, Transform};
use super::{Connection, Role};
use crate::error::{Error, ProtocolError};
use crate::frame::{FrameHeader, HeaderStatus, OpCode, Payload};

/// A decoded event, as positions in a buffer so the caller can borrow after
/// the decoder's mutable work is done.
#[derive(Debug)]
pub(super) enum Raw {
    Data(DataChunk),
    Control(Control),
}

/// A chunk of a data message, and where it stands in the message.
#[derive(Debug)]
pub(super) struct DataChunk {
    pub(super) kind: MessageKind,
    pub(super) source: Source,
    pub(super) range: Range<usize>,
    pub(super) is_first: bool,
    pub(super) is_last: bool,
    /// Payload bytes of its frame still to come (0 for a transformed chunk).
    pub(super) frame_rest: u64,
}

/// A control frame's payload, always in the receive buffer.
#[derive(Debug)]
pub(super) enum Control {
    Ping(Range<usize>),
    Pong(Range<usize>),
    Close(Range<usize>),
}

/// Which buffer a data chunk is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// The receive buffer, unmasked in place.
    Input,
    /// The per-message transform's output.
    Transform,
}

/// The bytes of a chunk. A free function over the two buffers, so a caller
/// may hold them while changing other fields of the connection.
#[inline]
pub(super) fn chunk<'a>(
    input: &'a Input,
    transform: &'a Transform,
    source: Source,
    range: Range<usize>,
) -> &'a [u8] {
    match source {
        Source::Input => &input.bytes()[range],
        Source::Transform => &transform.output()[range],
    }
}

/// How the event layer hands out a data frame's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    /// As it arrives.
    Chunks,
    /// As it arrives, except an untransformed Binary message sent as one
    /// frame: only once all of it is buffered, so `poll_message` can lend it.
    LendSingleFrameBinary,
}

/// # Inputs
impl Connection {
    /// Hands bytes received from the transport to the connection.
    ///
    /// Nothing is decoded until [`poll_event`](Self::poll_event) or
    /// [`poll_message`](Self::poll_message). Bytes after a failure, after the
    /// peer's Close, or after [`receive_eof`](Self::receive_eof) are discarded.
    pub fn receive(&mut self, data: &[u8]) {
        if self.discards_input() {
            return;
        }
        self.trim_idle();
        self.input.extend(data);
    }

    /// Room to read into directly, saving the copy of [`receive`](Self::receive):
    /// read from the transport into the returned slice, then call
    /// [`commit_read`](Self::commit_read) with the count.
    ///
    /// The slice is never empty. It holds at least
    /// [`Config::read_buffer_size`](crate::Config::read_buffer_size) bytes,
    /// except while [`poll_message`](Self::poll_message) waits for the rest of
    /// a frame ([`is_awaiting_frame_rest`](Self::is_awaiting_frame_rest)): then
    /// it is that rest or the first part of it, so the frame arrives in place
    /// and nothing has to be moved after it. For a frame larger than
    /// [`Config::idle_buffer_size`](crate::Config::idle_buffer_size), the rest
    /// comes with one read's room for the next frame, so that back-to-back
    /// large messages reuse the buffer. The offer is capped so that memory grows
    /// with what has arrived, not with the declared length: at most the larger
    /// of the read offer and a quarter of the frame bytes buffered so far (a
    /// 16 MiB frame is read in parts, and the buffer never holds more than
    /// about 1.25× what was received, plus one read).
    ///
    /// If all input has been consumed, buffers over
    /// [`Config::idle_buffer_size`](crate::Config::idle_buffer_size) are
    /// released first, so a connection waiting here for its next message holds
    /// little.
    ///
    /// ```
    /// # use rfc6455::{Connection, Config, Role};
    /// # let mut conn = Connection::new(Role::Client, Config::default());
    /// # let mut socket: &[u8] = b"\x81\x02hi";
    /// use std::io::Read;
    /// let n = socket.read(conn.read_buf()).unwrap();
    /// conn.commit_read(n).unwrap();
    /// assert!(conn.poll_event().unwrap().is_some());
    /// ```
    pub fn read_buf(&mut self) -> &mut [u8] {
        self.trim_idle();
        self.input.room(self.config.get_idle_buffer_size())
    }

    /// Capacity of the receive buffer, in bytes: 0 while none is allocated
    /// (a new connection that has received nothing, or after
    /// [`shrink_buffers`](Self::shrink_buffers) with all input consumed).
    ///
    /// [`read_buf`](Self::read_buf) allocates its offer (at least
    /// [`Config::read_buffer_size`](crate::Config::read_buffer_size)) and an
    /// OS read fills it, so an adapter whose connections wait long for input
    /// (many idle sockets) can, while this is 0, read into a small buffer of
    /// its own and pass the bytes to [`receive`](Self::receive): the waiting
    /// connection then holds no receive buffer at all. The tokio adapter
    /// does this.
    ///
    /// ```
    /// # use rfc6455::{Connection, Config, Role};
    /// let mut conn = Connection::new(Role::Server, Config::default());
    /// assert_eq!(conn.receive_buffer_capacity(), 0);
    /// let _ = conn.read_buf();
    /// assert!(conn.receive_buffer_capacity() >= Config::default().get_read_buffer_size());
    /// ```
    pub fn receive_buffer_capacity(&self) -> usize {
        self.input.capacity()
    }

    /// Whether [`poll_message`](Self::poll_message) is waiting for the rest of a
    /// frame it will lend whole; [`read_buf`](Self::read_buf) then offers that
    /// rest (see there).
    pub fn is_awaiting_frame_rest(&self) -> bool {
        self.input.missing().is_some()
    }

    /// Records that `n` bytes were read into [`read_buf`](Self::read_buf).
    pub fn commit_read(&mut self, n: usize) -> Result<(), Error> {
        self.input.commit(n, self.max_read_room())?;
        if self.discards_input() {
            self.input.discard();
        }
        Ok(())
    }

    /// Reports that the transport's read side ended (EOF).
    ///
    /// Once the buffered input is drained, `poll_*` return
    /// [`Error::UnexpectedEof`] (the 1006 "abnormal closure" of §7.1.5) unless
    /// the closing handshake had completed or the connection had already failed.
    pub fn receive_eof(&mut self) {
        self.input.ended = true;
    }

    pub(super) fn discards_input(&self) -> bool {
        self.life.is_closed() || self.input.ended
    }
}

/// # Events
impl Connection {
    /// The next received event, streaming: data messages arrive as chunks of
    /// whatever payload has been received ([`Event::Data`]).
    ///
    /// Returns `Ok(None)` when more input is needed. Call in a loop after each
    /// input until it returns `None` or an error. On an error the Close frame
    /// carrying [`Error::close_code`] is already queued (write
    /// [`poll_output`](Self::poll_output), then close the transport), and
    /// nothing more is delivered.
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, Error> {
        let Some(raw) = self.next_raw(Delivery::Chunks)? else {
            return Ok(None);
        };
        let bytes = |r: Range<usize>| &self.input.bytes()[r];
        Ok(Some(match raw {
            Raw::Data(c) => {
                let payload = chunk(&self.input, &self.transform, c.source, c.range);
                if c.kind == MessageKind::Text
                    && self
                        .recv_utf8
                        .feed_chunk(payload, c.is_last, |_| {})
                        .is_err()
                {
                    // `payload` borrows the input for the Ok arm, so only the
                    // state machine and the output are touched (not
                    // `self.fail`); the input is discarded by the next call,
                    // as the connection is then closed.
                    let err = ProtocolError::InvalidUtf8.into();
                    self.life.fail(&mut self.tx, &err);
                    return Err(err);
                }
                Event::Data {
                    kind: c.kind,
                    payload,
                    is_first: c.is_first,
                    is_last: c.is_last,
                }
            }
            Raw::Control(Control::Ping(r)) => Event::Ping(bytes(r)),
            Raw::Control(Control::Pong(r)) => Event::Pong(bytes(r)),
            Raw::Control(Control::Close(r)) => {
                Event::Close(parse_close_payload(bytes(r)).ok().flatten())
            }
        }))
    }

    /// Fails the connection (§7.1.7): the state machine queues the Close frame
    /// for `err` unless one was sent, and all further input is discarded.
    pub(super) fn fail(&mut self, err: Error) -> Error {
        self.life.fail(&mut self.tx, &err);
        self.incoming = None;
        self.transform.abort();
        self.recv_utf8.reset();
        self.input.discard();
        err
    }

    /// More input is needed; at EOF that is an abnormal closure, reported once.
    fn need_more(&mut self) -> Result<Option<Raw>, Error> {
        if self.input.ended {
            self.input.discard();
            self.incoming = None;
            self.life.eof()?;
        }
        Ok(None)
    }

    /// The event layer: the next event from the receive buffer. Text is not
    /// validated here; the layer that hands it out does that, once.
    pub(super) fn next_raw(&mut self, delivery: Delivery) -> Result<Option<Raw>, Error> {
        let lend_whole = delivery == Delivery::LendSingleFrameBinary;
        loop {
            if self.life.is_closed() {
                self.input.discard();
                return Ok(None);
            }
            if let Some(left) = self.transform.pending_input() {
                let limits = Limits {
                    max_message_size: self.config.get_max_message_size(),
                    max_frame_size: self.config.get_max_frame_size(),
                };
                let input = &self.input.unread()[..left];
                let stepped = match self.transform.step(input, limits) {
                    Ok(s) => s,
                    Err(e) => return Err(self.fail(e)),
                };
                self.input.consume(stepped.consumed);
                if let Some(e) = stepped.event {
                    return Ok(Some(Raw::Data(DataChunk {
                        kind: e.kind,
                        source: Source::Transform,
                        range: e.range,
                        is_first: e.is_first,
                        is_last: e.is_last,
                        frame_rest: 0,
                    })));
                }
                continue;
            }
            let start = self.input.pos();
            match state::take_chunk(&mut self.incoming, self.input.unread_mut(), lend_whole) {
                Taken::NeedMore { awaited } => {
                    match awaited {
                        Some(total) => self.input.await_len(total),
                        None => self.input.stop_awaiting(),
                    }
                    return self.need_more();
                }
                Taken::Chunk(n, place) => {
                    self.input.stop_awaiting();
                    if n == 0 && !place.is_first && !place.is_last {
                        continue;
                    }
                    if place.transformed {
                        // The bytes stay in the receive buffer; the steps
                        // above take them.
                        self.transform.begin(n, place);
                        continue;
                    }
                    self.input.consume(n);
                    return Ok(Some(Raw::Data(DataChunk {
                        kind: place.kind,
                        source: Source::Input,
                        range: start..start + n,
                        is_first: place.is_first,
                        is_last: place.is_last,
                        frame_rest: place.frame_rest,
                    })));
                }
                Taken::NoFrame => {}
            }
            let (header, header_len) = match FrameHeader::decode(self.input.unread()) {
                Ok(HeaderStatus::Complete(h, n)) => (h, n),
                Ok(HeaderStatus::Partial(_)) => return self.need_more(),
                Err(e) => return Err(self.fail(e.into())),
            };
            let accepted = state::accept_header(
                &mut self.incoming,
                &header,
                self.role == Role::Server,
                self.transform.claimed_rsv(),
                &self.config,
            );
            if let Err(e) = accepted {
                return Err(self.fail(e));
            }
            if header.opcode.is_control() {
                // At most 125 bytes (checked by decode), so wait for all of it.
                let len = header.payload_len as usize;
                if self.input.len() < header_len + len {
                    return self.need_more();
                }
                let payload = &mut self.input.unread_mut()[header_len..header_len + len];
                Payload::new(header).unmask_next(payload);
                let at = start + header_len;
                self.input.consume(header_len + len);
                let control = self.control_frame(header.opcode, at..at + len)?;
                return Ok(Some(Raw::Control(control)));
            }
            self.input.consume(header_len);
        }
    }

    /// Acts on a complete control frame (§5.5): answers Pings, completes or
    /// answers the closing handshake.
    fn control_frame(&mut self, opcode: OpCode, range: Range<usize>) -> Result<Control, Error> {
        let payload = &self.input.bytes()[range.clone()];
        match opcode {
            // §5.5.2: answered "unless it already received a Close frame"; a
            // Close we sent does not end the duty (a Ping reaches here only
            // before the peer's Close: everything after that is discarded).
            OpCode::Ping => {
                if self.config.get_auto_pong() {
                    self.tx.set_pending_pong(payload);
                }
                Ok(Control::Ping(range))
            }
            OpCode::Pong => Ok(Control::Pong(range)),
            _ => {
                let code = match parse_close_payload(payload) {
                    Ok(frame) => frame.map(|f| f.code),
                    Err(e) => return Err(self.fail(e.into())),
                };
                self.incoming = None;
                self.recv_utf8.reset();
                self.life.close_received(&mut self.tx, code);
                Ok(Control::Close(range))
            }
        }
    }
}
