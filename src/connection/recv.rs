//! Inputs and received events: frame decoding, reassembly, control frames (§5, §6.2, §7).

use alloc::borrow::Cow;
use core::ops::Range;

use super::close::parse_close_payload;
use super::event::{Event, Message, MessageKind};
use super::{Connection, InFrame, InMessage, Role};
use crate::error::{ApiMisuse, Error, LimitError, ProtocolError};
use crate::frame::{FrameHeader, HeaderStatus, OpCode, apply_mask};

/// The most `read_buf` offers by itself (more only for an awaited frame), and
/// at most `idle_buffer_size`. Reads of 4 KiB cost a system call per 4 KiB
/// under load; this lets a busy connection read 64 KiB at a time while an idle
/// one stays at `read_buffer_size` until it is busy.
pub(super) const MAX_READ_ROOM: usize = 64 * 1024;

/// How much a buffer holding `len` bytes grows by when `additional` more do
/// not fit: at least those, and at most a quarter of what it holds, so its
/// capacity stays within 1.25× its contents plus one read (doubling would
/// allow 2×).
fn growth(len: usize, additional: usize) -> usize {
    additional.max(len / 4)
}

/// RSV bits claimed by negotiated extensions (§5.8, §9). None yet: an extension
/// such as permessage-deflate (RFC 7692) would claim RSV1 here and transform
/// whole-message payloads before the size limit is applied.
const EXTENSION_RSV: u8 = 0;

/// A decoded event, as positions in `rbuf` so the caller can borrow after the
/// decoder's mutable work is done.
#[derive(Debug)]
enum Raw {
    Data {
        kind: MessageKind,
        range: Range<usize>,
        is_first: bool,
        is_last: bool,
    },
    Ping(Range<usize>),
    Pong(Range<usize>),
    Close(Range<usize>),
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
        self.compact();
        self.trim_idle();
        self.rbuf.truncate(self.rend);
        if self.rbuf.capacity() - self.rbuf.len() < data.len() {
            let buffered = self.rend - self.rpos;
            self.rbuf.reserve_exact(growth(buffered, data.len()));
        }
        self.rbuf.extend_from_slice(data);
        self.rend = self.rbuf.len();
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
        self.compact();
        self.trim_idle();
        let room = self.read_room;
        match self.missing_whole_frame() {
            // `poll_message` awaits the rest of a frame: offer exactly that, so
            // the read ends at the frame's end and the buffer empties when the
            // message is taken (no bytes of the next frame to move). A frame
            // larger than the idle size gets one read's room more: under load
            // the read brings the next frame's start, the buffer does not
            // empty and is reused; a quiet peer sends only the rest, the
            // buffer empties and is released. Growth is a quarter of what
            // has arrived.
            Some(missing) => {
                let budget = self.config.get_idle_buffer_size();
                let offer = |rbuf: &[u8], rpos: usize, rend: usize| {
                    let buffered = rend - rpos;
                    let extra = if buffered + missing > budget { room } else { 0 };
                    let most = room.max(rbuf.len() - rend).max(growth(buffered, 0));
                    (missing + extra).min(most)
                };
                let mut want = offer(&self.rbuf, self.rpos, self.rend);
                if self.rbuf.len() - self.rend < want && self.rpos > 0 {
                    // Growing: move the frame to the front first, so consumed
                    // bytes before it are not carried along.
                    self.rbuf.copy_within(self.rpos..self.rend, 0);
                    self.rend -= self.rpos;
                    self.rpos = 0;
                    want = offer(&self.rbuf, self.rpos, self.rend);
                }
                let offer = want;
                if self.rbuf.len() - self.rend < offer {
                    let end = self.rend + offer;
                    self.rbuf.reserve_exact(end - self.rbuf.len());
                    self.rbuf.resize(end, 0);
                }
                // A read filling an exact rest says nothing about the load.
                self.last_offer = 0;
                &mut self.rbuf[self.rend..self.rend + offer]
            }
            None => {
                let spare = self.rbuf.len() - self.rend;
                if spare < room {
                    // Offer all the capacity held, for fewer, larger reads.
                    self.rbuf.reserve_exact(room - spare);
                    self.rbuf.resize(self.rbuf.capacity(), 0);
                }
                self.last_offer = self.rbuf.len() - self.rend;
                &mut self.rbuf[self.rend..]
            }
        }
    }

    /// Whether [`poll_message`](Self::poll_message) is waiting for the rest of a
    /// frame it will lend whole; [`read_buf`](Self::read_buf) then offers that
    /// rest (see there).
    pub fn is_awaiting_frame_rest(&self) -> bool {
        self.missing_whole_frame().is_some()
    }

    /// Payload bytes still missing from a frame `poll_message` waits for whole.
    fn missing_whole_frame(&self) -> Option<usize> {
        let frame = self.frame.as_ref().filter(|_| self.awaiting_whole)?;
        let remaining = frame.header.payload_len - frame.done;
        let missing = remaining.checked_sub((self.rend - self.rpos) as u64)?;
        // At most `max_frame_size`, which is a usize.
        usize::try_from(missing).ok().filter(|&m| m > 0)
    }

    /// Records that `n` bytes were read into [`read_buf`](Self::read_buf).
    pub fn commit_read(&mut self, n: usize) -> Result<(), Error> {
        if n > self.rbuf.len() - self.rend {
            return Err(ApiMisuse::AdvancedTooFar.into());
        }
        self.rend += n;
        // A read that filled the whole offer suggests more is waiting: offer
        // twice as much next time, up to `MAX_READ_ROOM`.
        let max_room = self.max_read_room();
        if n > 0 && n == self.last_offer && self.read_room < max_room {
            self.read_room = (self.read_room * 2).min(max_room);
        }
        if self.discards_input() {
            self.rpos = self.rend;
        }
        Ok(())
    }

    /// Reports that the transport's read side ended (EOF).
    ///
    /// Once the buffered input is drained, `poll_*` return
    /// [`Error::UnexpectedEof`] (the 1006 "abnormal closure" of §7.1.5) unless
    /// the closing handshake had completed or the connection had already failed.
    pub fn receive_eof(&mut self) {
        self.life.eof = true;
    }

    fn discards_input(&self) -> bool {
        self.life.failed || self.life.close_received || self.life.eof
    }

    /// Moves undecoded bytes to the front when that costs less than the bytes
    /// it frees, keeping the total work linear in the input.
    fn compact(&mut self) {
        if self.rpos == self.rend {
            self.rpos = 0;
            self.rend = 0;
        } else if self.rpos > 0 && self.rend - self.rpos <= self.rpos {
            self.rbuf.copy_within(self.rpos..self.rend, 0);
            self.rend -= self.rpos;
            self.rpos = 0;
        }
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
        let Some(raw) = self.next_raw(true, false)? else {
            return Ok(None);
        };
        let rbuf = &self.rbuf;
        Ok(Some(match raw {
            Raw::Data {
                kind,
                range,
                is_first,
                is_last,
            } => Event::Data {
                kind,
                payload: &rbuf[range],
                is_first,
                is_last,
            },
            Raw::Ping(r) => Event::Ping(&rbuf[r]),
            Raw::Pong(r) => Event::Pong(&rbuf[r]),
            Raw::Close(r) => Event::Close(parse_close_payload(&rbuf[r]).ok().flatten()),
        }))
    }

    /// The next whole message, assembled from its fragments, up to
    /// [`Config::max_message_size`](crate::Config::max_message_size); control
    /// frames are returned as they arrive, also in the middle of a fragmented message.
    ///
    /// A message that arrived in one frame within one read is borrowed from the
    /// receive buffer without a copy. Errors and `Ok(None)` as for
    /// [`poll_event`](Self::poll_event).
    pub fn poll_message(&mut self) -> Result<Option<Message<'_>>, Error> {
        if self.assembled_delivered {
            self.assembled_delivered = false;
            // Kept for the next message; released at the next `read_buf` if
            // nothing follows (`trim_idle`).
            self.assembled_text.clear();
            self.assembled_binary.clear();
        }
        // The loop decides, holding no borrow of `rbuf` across iterations; the
        // message is borrowed only once, after it.
        let (kind, range) = loop {
            let Some(raw) = self.next_raw(false, true)? else {
                return Ok(None);
            };
            let (kind, range, is_first, is_last) = match raw {
                Raw::Data {
                    kind,
                    range,
                    is_first,
                    is_last,
                } => (kind, range, is_first, is_last),
                Raw::Ping(r) => return Ok(Some(Message::Ping(Cow::Borrowed(&self.rbuf[r])))),
                Raw::Pong(r) => return Ok(Some(Message::Pong(Cow::Borrowed(&self.rbuf[r])))),
                Raw::Close(r) => {
                    let close = parse_close_payload(&self.rbuf[r]).ok().flatten();
                    return Ok(Some(Message::Close(close)));
                }
            };
            if is_first && is_last {
                break (kind, Some(range));
            }
            if is_first {
                // A message started here; drop anything a mixed-in
                // `poll_event` call left half-assembled.
                self.assembled_text.clear();
                self.assembled_binary.clear();
            }
            let chunk = &self.rbuf[range];
            match kind {
                MessageKind::Binary => {
                    let bin = &mut self.assembled_binary;
                    if bin.capacity() - bin.len() < chunk.len() {
                        bin.reserve_exact(growth(bin.len(), chunk.len()));
                    }
                    bin.extend_from_slice(chunk);
                }
                MessageKind::Text => {
                    let text = &mut self.assembled_text;
                    // Up to 3 bytes of a character split across chunks come along.
                    let add = chunk.len() + 3;
                    if text.capacity() - text.len() < add {
                        text.reserve_exact(growth(text.len(), add));
                    }
                    let fed = self
                        .recv_utf8
                        .feed_chunk(chunk, is_last, |s| text.push_str(s));
                    if fed.is_err() {
                        return Err(self.fail(ProtocolError::InvalidUtf8.into()));
                    }
                }
            }
            if is_last {
                self.assembled_delivered = true;
                break (kind, None);
            }
        };
        let message = match (kind, range) {
            (MessageKind::Binary, Some(range)) => Message::Binary(Cow::Borrowed(&self.rbuf[range])),
            (MessageKind::Text, Some(range)) => match super::utf8::validate(&self.rbuf[range]) {
                Ok(text) => Message::Text(Cow::Borrowed(text)),
                Err(_) => {
                    // Only fields other than `rbuf` may be touched here, as
                    // `text` on the other arm borrows it for the return value.
                    self.rpos = self.rend;
                    self.frame = None;
                    self.incoming = None;
                    let err = Error::Protocol(ProtocolError::InvalidUtf8);
                    Self::fail_output(&mut self.tx, &mut self.life, &err);
                    return Err(err);
                }
            },
            (MessageKind::Binary, None) => Message::Binary(Cow::Borrowed(&self.assembled_binary)),
            (MessageKind::Text, None) => Message::Text(Cow::Borrowed(&self.assembled_text)),
        };
        Ok(Some(message))
    }

    /// Fails the connection (§7.1.7): queues the Close frame for `err` unless one
    /// was sent, and discards all further input.
    fn fail(&mut self, err: Error) -> Error {
        self.awaiting_whole = false;
        self.rpos = self.rend;
        self.frame = None;
        self.incoming = None;
        self.recv_utf8.reset();
        Self::fail_output(&mut self.tx, &mut self.life, &err);
        err
    }

    /// More input is needed; at EOF that is an abnormal closure, reported once.
    fn need_more(&mut self) -> Result<Option<Raw>, Error> {
        if self.life.eof && !self.life.eof_reported {
            self.life.eof_reported = true;
            self.rpos = self.rend;
            return Err(Error::UnexpectedEof);
        }
        Ok(None)
    }

    /// The decoder: the next event from `rbuf[rpos..rend]`, unmasking in place.
    /// With `validate_text` off, Text chunks are left for the caller to validate.
    /// With `whole_frames` on, a message sent as one frame is delivered only once
    /// all of it is buffered, so `poll_message` can lend it without a copy; the
    /// buffer grows with the bytes received, up to `max_frame_size`.
    fn next_raw(&mut self, validate_text: bool, whole_frames: bool) -> Result<Option<Raw>, Error> {
        loop {
            if self.life.failed || self.life.close_received {
                self.rpos = self.rend;
                return Ok(None);
            }
            if let Some(frame) = &mut self.frame {
                let remaining = frame.header.payload_len - frame.done;
                let available = self.rend - self.rpos;
                if remaining > 0 && available == 0 {
                    return self.need_more();
                }
                // `available` bytes of payload from offset `done` are buffered;
                // `unmasked` of them (counted from `done`) were unmasked while
                // waiting for the rest of a whole frame.
                let unmasked = (frame.unmasked - frame.done) as usize;
                let single_frame_message =
                    frame.header.fin && self.incoming.is_some_and(|m| !m.started);
                if whole_frames && single_frame_message && (available as u64) < remaining {
                    // Wait for the whole frame, but unmask and validate Text as it
                    // arrives, so invalid UTF-8 still fails fast (§8.1).
                    let is_text = self.incoming.is_some_and(|m| m.kind == MessageKind::Text);
                    if is_text && available > unmasked {
                        let fresh = self.rpos + unmasked..self.rpos + available;
                        if let Some(key) = frame.header.mask {
                            apply_mask(&mut self.rbuf[fresh.clone()], key, frame.unmasked);
                        }
                        frame.unmasked = frame.done + available as u64;
                        if self.recv_utf8.feed(&self.rbuf[fresh], |_| {}).is_err() {
                            return Err(self.fail(ProtocolError::InvalidUtf8.into()));
                        }
                    }
                    self.awaiting_whole = true;
                    return self.need_more();
                }
                self.awaiting_whole = false;
                // `n` fits in usize: it is at most `available`.
                let n = remaining.min(available as u64) as usize;
                let range = self.rpos..self.rpos + n;
                if let Some(key) = frame.header.mask {
                    if n > unmasked {
                        let offset = frame.done + unmasked as u64;
                        apply_mask(
                            &mut self.rbuf[self.rpos + unmasked..self.rpos + n],
                            key,
                            offset,
                        );
                    }
                }
                if unmasked > 0 {
                    // The whole frame is here; `poll_message` validates it at once.
                    self.recv_utf8.reset();
                }
                frame.done += n as u64;
                frame.unmasked = frame.unmasked.max(frame.done);
                self.rpos += n;
                let frame_done = frame.done == frame.header.payload_len;
                let is_last = frame_done && frame.header.fin;
                if frame_done {
                    self.frame = None;
                }
                let Some(message) = &mut self.incoming else {
                    unreachable_state();
                    return Ok(None);
                };
                let kind = message.kind;
                let is_first = !message.started;
                message.started = true;
                if is_last {
                    self.incoming = None;
                }
                if n == 0 && !is_first && !is_last {
                    continue;
                }
                if validate_text && kind == MessageKind::Text {
                    let fed = self
                        .recv_utf8
                        .feed_chunk(&self.rbuf[range.clone()], is_last, |_| {});
                    if fed.is_err() {
                        return Err(self.fail(ProtocolError::InvalidUtf8.into()));
                    }
                }
                return Ok(Some(Raw::Data {
                    kind,
                    range,
                    is_first,
                    is_last,
                }));
            }
            let (header, header_len) = match FrameHeader::decode(&self.rbuf[self.rpos..self.rend]) {
                Ok(HeaderStatus::Complete(h, n)) => (h, n),
                Ok(HeaderStatus::Partial(_)) => return self.need_more(),
                Err(e) => return Err(self.fail(e.into())),
            };
            if let Err(e) = self.check_header(&header) {
                return Err(self.fail(e));
            }
            if header.opcode.is_control() {
                // At most 125 bytes (checked by decode), so wait for all of it.
                let total = header_len + header.payload_len as usize;
                if self.rend - self.rpos < total {
                    return self.need_more();
                }
                let range = self.rpos + header_len..self.rpos + total;
                if let Some(key) = header.mask {
                    apply_mask(&mut self.rbuf[range.clone()], key, 0);
                }
                self.rpos += total;
                return self.control_frame(header.opcode, range).map(Some);
            }
            self.rpos += header_len;
            self.frame = Some(InFrame {
                header,
                done: 0,
                unmasked: 0,
            });
        }
    }

    /// Checks a header against the connection: RSV bits (§5.2), masking
    /// direction (§5.1), fragmentation order (§5.4) and size limits (§10.4).
    /// Updates the message in progress for data frames.
    fn check_header(&mut self, header: &FrameHeader) -> Result<(), Error> {
        if header.rsv & !EXTENSION_RSV != 0 {
            return Err(ProtocolError::ReservedBits(header.rsv).into());
        }
        match (self.role, header.mask.is_some()) {
            (Role::Server, false) if !self.config.get_dangerous_accept_unmasked_frames() => {
                return Err(ProtocolError::UnmaskedFrame.into());
            }
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame.into()),
            _ => {}
        }
        if header.opcode.is_control() {
            return Ok(());
        }
        let limit = self.config.get_max_frame_size();
        if header.payload_len > limit as u64 {
            return Err(LimitError::FrameTooLarge {
                declared: header.payload_len,
                limit,
            }
            .into());
        }
        let (kind, so_far) = match (header.opcode, &self.incoming) {
            (OpCode::Continuation, None) => {
                return Err(ProtocolError::UnexpectedContinuation.into());
            }
            (OpCode::Continuation, Some(m)) => (m.kind, m.size),
            (_, Some(_)) => return Err(ProtocolError::ExpectedContinuation.into()),
            (OpCode::Text, None) => (MessageKind::Text, 0),
            (_, None) => (MessageKind::Binary, 0),
        };
        let limit = self.config.get_max_message_size();
        let size = so_far
            .checked_add(header.payload_len)
            .filter(|&s| s <= limit as u64);
        let Some(size) = size else {
            return Err(LimitError::MessageTooLarge { limit }.into());
        };
        let started = self.incoming.is_some_and(|m| m.started);
        self.incoming = Some(InMessage {
            kind,
            size,
            started,
        });
        Ok(())
    }

    /// Acts on a complete control frame (§5.5): answers Pings, completes or
    /// answers the closing handshake.
    fn control_frame(&mut self, opcode: OpCode, range: Range<usize>) -> Result<Raw, Error> {
        match opcode {
            // §5.5.2: answered "unless it already received a Close frame"; a
            // Close we sent does not end the duty (it reaches `next_raw` only
            // before the peer's Close, as everything after that is discarded).
            OpCode::Ping => {
                if self.config.get_auto_pong() {
                    self.tx.set_pending_pong(&self.rbuf[range.clone()]);
                }
                Ok(Raw::Ping(range))
            }
            OpCode::Pong => Ok(Raw::Pong(range)),
            _ => {
                let code = match parse_close_payload(&self.rbuf[range.clone()]) {
                    Ok(frame) => frame.map(|f| f.code),
                    Err(e) => return Err(self.fail(e.into())),
                };
                self.life.close_received = true;
                self.frame = None;
                self.incoming = None;
                self.recv_utf8.reset();
                if self.life.close_sent {
                    // The handshake is complete: the peer reads nothing more, and
                    // §5.5.2 no longer asks for a Pong to a Ping it sent before.
                    self.tx.drop_pending_pong();
                } else {
                    // §5.5.1: reply with a Close, echoing the status code (a
                    // pending Pong goes out first).
                    self.tx.write_close(code, "");
                    self.life.close_sent = true;
                }
                Ok(Raw::Close(range))
            }
        }
    }
}

/// Marks a state the decoder cannot reach; a debug build stops here, a release
/// build carries on without panicking on anything the network sent.
fn unreachable_state() {
    debug_assert!(false, "data chunk without a message in progress");
}
