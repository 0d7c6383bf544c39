//! Commands (send data, ping, pong, close) and the outputs (§5.1–§5.5, §6.1).
//!
//! The commands live on [`Sender`], the send half of a connection, so that it
//! can be borrowed beside a received message
//! ([`Connection::poll_message_and_sender`]): an echo can then queue the
//! message it was lent, with no copy in between. [`Connection`]'s own
//! commands are the same calls on [`Connection::sender`].

use super::compress::Compress;
use super::event::{Message, MessageKind};
use super::output::{MAX_CONTROL_PAYLOAD, Output};
use super::state::{Ending, Lifecycle};
use super::transform::RSV1;
use super::utf8::Utf8Validator;
use super::{CloseCode, Connection, Role};
use crate::error::{ApiMisuse, Error};
use crate::frame::OpCode;

/// The send half of a [`Connection`]: its commands, borrowed apart from the
/// receive side (from [`Connection::sender`] or
/// [`Connection::poll_message_and_sender`]).
///
/// Each method is the [`Connection`] method of the same name; see there.
#[derive(Debug)]
pub struct Sender<'a> {
    tx: &'a mut Output,
    /// The kind of the streamed message being sent, if any.
    outgoing: &'a mut Option<MessageKind>,
    utf8: &'a mut Utf8Validator,
    life: &'a mut Lifecycle,
    compress: &'a mut Compress,
    fragment_size: Option<usize>,
}

impl Sender<'_> {
    /// [`Connection::send_text`].
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_message(MessageKind::Text, text.as_bytes())
    }

    /// [`Connection::send_binary`].
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_message(MessageKind::Binary, data)
    }

    /// Queues any [`Message`]: the call its variant names. A Close without a
    /// code is sent with 1000.
    pub fn send(&mut self, message: &Message<'_>) -> Result<(), Error> {
        match message {
            Message::Text(t) => self.send_text(t),
            Message::Binary(b) => self.send_binary(b),
            Message::Ping(b) => self.send_ping(b),
            Message::Pong(b) => self.send_pong(b),
            Message::Close(c) => {
                let (code, reason) = c
                    .as_ref()
                    .map_or((CloseCode::NORMAL, ""), |c| (c.code, &*c.reason));
                self.close(code, reason)
            }
        }
    }

    fn send_message(&mut self, kind: MessageKind, data: &[u8]) -> Result<(), Error> {
        self.life.may_send()?;
        if self.outgoing.is_some() {
            return Err(ApiMisuse::MessageInProgress.into());
        }
        let first = data_opcode(kind);
        let (payload, compressed) = self.compress.message(data);
        // RSV1 marks a compressed message on its first frame only (RFC 7692 §6.1).
        let rsv = if compressed { RSV1 } else { 0 };
        match self.fragment_size {
            Some(size) if payload.len() > size => {
                let mut chunks = payload.chunks(size).peekable();
                let (mut opcode, mut rsv) = (first, rsv);
                while let Some(chunk) = chunks.next() {
                    self.tx
                        .write_frame_rsv(opcode, chunks.peek().is_none(), rsv, chunk);
                    (opcode, rsv) = (OpCode::Continuation, 0);
                }
            }
            _ => self.tx.write_frame_rsv(first, true, rsv, payload),
        }
        Ok(())
    }

    /// [`Connection::send_fragment`].
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        is_last: bool,
    ) -> Result<(), Error> {
        self.life.may_send()?;
        let opcode = match *self.outgoing {
            None => data_opcode(kind),
            Some(k) if k == kind => OpCode::Continuation,
            Some(_) => return Err(ApiMisuse::MessageKindMismatch.into()),
        };
        if kind == MessageKind::Text {
            let mut check = self.utf8.clone();
            let valid = check.feed_chunk(data, is_last, |_| {});
            if valid.is_err() {
                return Err(ApiMisuse::InvalidUtf8.into());
            }
            *self.utf8 = check;
        }
        let is_first = self.outgoing.is_none();
        let (payload, compressed) = self.compress.fragment(data, is_last);
        let rsv = if compressed && is_first { RSV1 } else { 0 };
        self.tx.write_frame_rsv(opcode, is_last, rsv, payload);
        *self.outgoing = (!is_last).then_some(kind);
        Ok(())
    }

    /// [`Connection::send_ping`].
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.life.may_send()?;
        self.send_control(OpCode::Ping, payload)
    }

    /// [`Connection::send_pong`].
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.life.may_pong()?;
        self.send_control(OpCode::Pong, payload)
    }

    /// Fails the connection on `err` (the output half; see `Lifecycle::fail`).
    pub(super) fn fail(&mut self, err: &Error) {
        self.life.fail(self.tx, err);
    }

    /// Queues a control frame; the caller has checked the state.
    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), Error> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(ApiMisuse::ControlPayloadTooLong.into());
        }
        self.tx.write_frame(opcode, true, payload);
        Ok(())
    }

    /// [`Connection::close`].
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        if !code.is_valid_on_wire() {
            return Err(ApiMisuse::UnsendableCloseCode(code.as_u16()).into());
        }
        if reason.len() > MAX_CONTROL_PAYLOAD - 2 {
            return Err(ApiMisuse::ControlPayloadTooLong.into());
        }
        self.life.close(self.tx, code, reason)
    }
}

fn data_opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    }
}

/// # Commands
impl Connection {
    /// The send half, borrowed alone: the commands below, as a value.
    #[inline]
    pub fn sender(&mut self) -> Sender<'_> {
        self.split().1
    }

    /// The receive side's borrowable parts and the send half, apart.
    #[inline]
    pub(super) fn split(&mut self) -> (super::ReceiveParts<'_>, Sender<'_>) {
        let sender = Sender {
            tx: &mut self.tx,
            outgoing: &mut self.outgoing,
            utf8: &mut self.send_utf8,
            life: &mut self.life,
            compress: &mut self.compress,
            fragment_size: self.config.get_fragment_size(),
        };
        let parts = super::ReceiveParts {
            input: &self.input,
            transform: &self.transform,
            assembly: &self.assembly,
        };
        (parts, sender)
    }

    /// Queues a whole Text message (§5.6), split into frames of
    /// [`Config::fragment_size`](crate::Config::fragment_size) if set.
    ///
    /// Fails with [`ApiMisuse`] after a Close was sent, or while a streamed
    /// message ([`send_fragment`](Self::send_fragment)) is unfinished.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.sender().send_text(text)
    }

    /// Queues a whole Binary message (§5.6); see [`send_text`](Self::send_text).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.sender().send_binary(data)
    }

    /// Queues one frame of a streamed message (§5.4): the first call starts a
    /// message of `kind`, later calls continue it, and `is_last` finishes it.
    ///
    /// Control frames and [`close`](Self::close) may be sent between fragments.
    /// For Text, a fragment may end inside a code point; the bytes must be valid
    /// UTF-8 when the message is finished, and an impossible sequence is refused
    /// at once with [`ApiMisuse::InvalidUtf8`] (nothing is queued).
    ///
    /// ```
    /// use rfc6455::{Connection, Config, MessageKind, Role};
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// server.send_fragment(MessageKind::Text, "hé".as_bytes().split_at(2).0, false).unwrap();
    /// server.send_fragment(MessageKind::Text, "hé".as_bytes().split_at(2).1, true).unwrap();
    /// assert_eq!(server.poll_output(), b"\x01\x02h\xc3\x80\x01\xa9");
    /// ```
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        is_last: bool,
    ) -> Result<(), Error> {
        self.sender().send_fragment(kind, data, is_last)
    }

    /// Queues a Ping (§5.5.2) with at most 125 bytes of payload.
    ///
    /// Refused with [`ApiMisuse::AlreadyClosing`] once a Close was sent.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.sender().send_ping(payload)
    }

    /// Queues an unsolicited Pong (§5.5.3), e.g. as a heartbeat, or to answer a
    /// Ping when [`Config::auto_pong`](crate::Config::auto_pong) is off.
    ///
    /// Allowed after this side's Close while the peer's has not arrived (§5.5.2:
    /// a Ping must be answered unless a Close was received); refused with
    /// [`ApiMisuse::AlreadyClosing`] once the connection is closed.
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.sender().send_pong(payload)
    }

    /// Starts the closing handshake (§7.1.2): queues a Close frame with `code`
    /// and a UTF-8 `reason` of at most 123 bytes.
    ///
    /// Afterwards no data may be sent; the peer's data is still delivered until
    /// its Close arrives, at which point [`state`](Self::state) is
    /// [`State::Closed`](crate::connection::State::Closed). Codes that may not be sent
    /// (1005, 1006, 1015, unassigned ones; §7.4) are refused.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.sender().close(code, reason)
    }
}

/// # Outputs
impl Connection {
    /// The bytes queued for the transport; empty when there is nothing to write.
    ///
    /// Worth calling after every command and after draining events (an event
    /// may have queued a Pong or a Close reply). Write some prefix of the bytes,
    /// then report how many with [`advance_output`](Self::advance_output).
    /// A Pong answering a Ping is added only once earlier output is written,
    /// and only for the latest Ping (§5.5.3).
    pub fn poll_output(&mut self) -> &[u8] {
        self.tx.unsent()
    }

    /// Marks `n` bytes from the front of [`poll_output`](Self::poll_output) as written.
    ///
    /// Once everything is written, a queue grown by a large message is released
    /// if the buffers are over [`Config::idle_buffer_size`](crate::Config::idle_buffer_size).
    pub fn advance_output(&mut self, n: usize) -> Result<(), Error> {
        self.tx.advance(n)?;
        self.trim_idle();
        Ok(())
    }

    /// Whether output is queued (a Pong may be pending even if `poll_output` was empty before).
    pub fn wants_write(&self) -> bool {
        !self.tx.is_empty()
    }

    /// Whether the caller should now shut the transport down (§7.1.1, §5.5.1).
    ///
    /// True once all output is written and: the connection failed (§7.1.7); or the
    /// transport already ended; or both Close frames have passed and this is the
    /// server, which closes the TCP connection first. A client whose closing
    /// handshake completed waits for the server to close (this stays false until
    /// [`receive_eof`](Self::receive_eof)); the client owns the timeout after
    /// which it closes anyway (§5.5.1 "MAY close the connection at any time").
    pub fn wants_transport_close(&self) -> bool {
        let done = match self.life {
            Lifecycle::Closed(Ending::Failed) => true,
            Lifecycle::Closed(Ending::Handshake) => self.role == Role::Server,
            Lifecycle::Open | Lifecycle::Closing | Lifecycle::Closed(Ending::Eof) => false,
        };
        (done || self.input.ended) && self.tx.is_empty()
    }
}
