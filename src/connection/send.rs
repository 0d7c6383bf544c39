//! Commands (send data, ping, pong, close) and the output queue (§5.1–§5.5, §6.1).

use alloc::string::ToString;
use alloc::vec::Vec;

use super::close::CloseCode;
use super::event::MessageKind;
use super::state::{Ending, Lifecycle};
use super::{Connection, KeySource, Role};
use crate::error::{ApiMisuse, Error};
use crate::frame::{FrameHeader, MAX_HEADER_LEN, OpCode, extend_masked};

/// The largest control-frame payload (§5.5).
const MAX_CONTROL_PAYLOAD: usize = 125;

/// The queue of encoded frames waiting to be written, plus what feeds it.
#[derive(Debug)]
pub(super) struct Output {
    /// `buf[pos..]` is queued and not yet written.
    buf: Vec<u8>,
    pos: usize,
    /// The payload of the Pong answering the latest Ping, not yet in `buf`.
    /// Later Pings replace it, so a Ping flood queues one Pong (§5.5.3).
    pending_pong: Option<PongPayload>,
    keys: KeySource,
    /// Clients mask every frame (§5.3).
    masks: bool,
}

#[derive(Debug, Clone, Copy)]
struct PongPayload {
    bytes: [u8; MAX_CONTROL_PAYLOAD],
    len: u8,
}

impl Output {
    pub(super) fn new(keys: KeySource, masks: bool) -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            pending_pong: None,
            keys,
            masks,
        }
    }

    pub(super) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Releases the buffer if everything in it was written.
    pub(super) fn shrink(&mut self) {
        if self.pos == self.buf.len() {
            self.pos = 0;
            self.buf = Vec::new();
        }
    }

    /// Encodes one frame: minimal header (§5.2), then the payload, masked with a
    /// fresh key when this side is a client (§5.3).
    pub(super) fn write_frame(&mut self, opcode: OpCode, fin: bool, payload: &[u8]) {
        let mask = self.masks.then(|| self.keys.next_key());
        let header = FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut head);
        self.buf.reserve(n + payload.len());
        self.buf.extend_from_slice(&head[..n]);
        match mask {
            Some(key) => extend_masked(&mut self.buf, payload, key),
            None => self.buf.extend_from_slice(payload),
        }
    }

    /// Queues a Close frame (§5.5.1); `code` `None` sends an empty body.
    pub(super) fn write_close(&mut self, code: Option<CloseCode>, reason: &str) {
        let mut body = [0u8; MAX_CONTROL_PAYLOAD];
        let len = match code {
            None => 0,
            Some(code) => {
                let reason = truncate_reason(reason);
                body[..2].copy_from_slice(&code.as_u16().to_be_bytes());
                body[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
                2 + reason.len()
            }
        };
        self.flush_pong();
        self.write_frame(OpCode::Close, true, &body[..len]);
    }

    pub(super) fn set_pending_pong(&mut self, payload: &[u8]) {
        let mut bytes = [0u8; MAX_CONTROL_PAYLOAD];
        let len = payload.len().min(MAX_CONTROL_PAYLOAD);
        bytes[..len].copy_from_slice(&payload[..len]);
        self.pending_pong = Some(PongPayload {
            bytes,
            len: len as u8,
        });
    }

    pub(super) fn drop_pending_pong(&mut self) {
        self.pending_pong = None;
    }

    fn flush_pong(&mut self) {
        if let Some(pong) = self.pending_pong.take() {
            self.write_frame(OpCode::Pong, true, &pong.bytes[..usize::from(pong.len)]);
        }
    }

    pub(super) fn unsent(&mut self) -> &[u8] {
        if self.pos == self.buf.len() {
            self.flush_pong();
        }
        &self.buf[self.pos..]
    }

    fn is_empty(&self) -> bool {
        self.pos == self.buf.len() && self.pending_pong.is_none()
    }

    pub(super) fn advance(&mut self, n: usize) -> Result<(), Error> {
        if n > self.buf.len() - self.pos {
            return Err(ApiMisuse::AdvancedTooFar.into());
        }
        self.pos += n;
        if self.pos == self.buf.len() {
            self.pos = 0;
            self.buf.clear();
        }
        Ok(())
    }
}

/// The longest prefix of `reason` that fits a Close frame after the 2-byte code (§5.5).
fn truncate_reason(reason: &str) -> &str {
    let mut end = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// The reason sent when this side fails the connection: the error's description.
pub(super) fn failure_reason(err: &Error) -> alloc::string::String {
    match err {
        Error::Protocol(e) => e.to_string(),
        Error::Limit(e) => e.to_string(),
        _ => alloc::string::String::new(),
    }
}

/// # Commands
impl Connection {
    /// Queues a whole Text message (§5.6), split into frames of
    /// [`Config::fragment_size`](crate::Config::fragment_size) if set.
    ///
    /// Fails with [`ApiMisuse`] after a Close was sent, or while a streamed
    /// message ([`send_fragment`](Self::send_fragment)) is unfinished.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send_message(MessageKind::Text, text.as_bytes())
    }

    /// Queues a whole Binary message (§5.6); see [`send_text`](Self::send_text).
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send_message(MessageKind::Binary, data)
    }

    fn send_message(&mut self, kind: MessageKind, data: &[u8]) -> Result<(), Error> {
        self.check_can_send()?;
        if self.outgoing.is_some() {
            return Err(ApiMisuse::MessageInProgress.into());
        }
        let first = data_opcode(kind);
        match self.config.get_fragment_size() {
            Some(size) if data.len() > size => {
                let mut chunks = data.chunks(size).peekable();
                let mut opcode = first;
                while let Some(chunk) = chunks.next() {
                    self.tx.write_frame(opcode, chunks.peek().is_none(), chunk);
                    opcode = OpCode::Continuation;
                }
            }
            _ => self.tx.write_frame(first, true, data),
        }
        Ok(())
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
        self.check_can_send()?;
        let opcode = match self.outgoing {
            None => data_opcode(kind),
            Some(k) if k == kind => OpCode::Continuation,
            Some(_) => return Err(ApiMisuse::MessageKindMismatch.into()),
        };
        if kind == MessageKind::Text {
            let mut check = self.send_utf8.clone();
            let valid = check.feed_chunk(data, is_last, |_| {});
            if valid.is_err() {
                return Err(ApiMisuse::InvalidUtf8.into());
            }
            self.send_utf8 = check;
        }
        self.tx.write_frame(opcode, is_last, data);
        self.outgoing = (!is_last).then_some(kind);
        Ok(())
    }

    /// Queues a Ping (§5.5.2) with at most 125 bytes of payload.
    ///
    /// Refused with [`ApiMisuse::AlreadyClosing`] once a Close was sent.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.check_can_send()?;
        self.send_control(OpCode::Ping, payload)
    }

    /// Queues an unsolicited Pong (§5.5.3), e.g. as a heartbeat, or to answer a
    /// Ping when [`Config::auto_pong`](crate::Config::auto_pong) is off.
    ///
    /// Allowed after this side's Close while the peer's has not arrived (§5.5.2:
    /// a Ping must be answered unless a Close was received); refused with
    /// [`ApiMisuse::AlreadyClosing`] once the connection is closed.
    pub fn send_pong(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.life.may_pong()?;
        self.send_control(OpCode::Pong, payload)
    }

    /// Queues a control frame; the caller has checked the state.
    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), Error> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(ApiMisuse::ControlPayloadTooLong.into());
        }
        self.tx.write_frame(opcode, true, payload);
        Ok(())
    }

    /// Starts the closing handshake (§7.1.2): queues a Close frame with `code`
    /// and a UTF-8 `reason` of at most 123 bytes.
    ///
    /// Afterwards no data may be sent; the peer's data is still delivered until
    /// its Close arrives, at which point [`state`](Self::state) is
    /// [`State::Closed`](crate::connection::State::Closed). Codes that may not be sent
    /// (1005, 1006, 1015, unassigned ones; §7.4) are refused.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        if !code.is_valid_on_wire() {
            return Err(ApiMisuse::UnsendableCloseCode(code.as_u16()).into());
        }
        if reason.len() > MAX_CONTROL_PAYLOAD - 2 {
            return Err(ApiMisuse::ControlPayloadTooLong.into());
        }
        self.life.close(&mut self.tx, code, reason)
    }

    fn check_can_send(&self) -> Result<(), Error> {
        self.life.may_send()
    }
}

fn data_opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
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

#[cfg(test)]
mod tests {
    use super::truncate_reason;

    #[test]
    fn reason_truncated_on_char_boundary() {
        let long = "é".repeat(100);
        let t = truncate_reason(&long);
        assert_eq!(t.len(), 122);
        assert_eq!(truncate_reason("bye"), "bye");
    }
}
