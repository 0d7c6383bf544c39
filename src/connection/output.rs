//! The output queue: encoded frames waiting to be written, and the Pong
//! waiting to join them (§5.1–§5.5).

use alloc::string::ToString;
use alloc::vec::Vec;

use super::KeySource;
use super::close::CloseCode;
use crate::error::{ApiMisuse, Error};
use crate::frame::{FrameHeader, MAX_HEADER_LEN, OpCode, extend_masked};

/// The largest control-frame payload (§5.5).
pub(super) const MAX_CONTROL_PAYLOAD: usize = 125;

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
    #[inline]
    pub(super) fn write_frame(&mut self, opcode: OpCode, fin: bool, payload: &[u8]) {
        self.write_frame_rsv(opcode, fin, 0, payload);
    }

    /// [`write_frame`](Self::write_frame) with RSV bits set, for an
    /// extension's data frames (§5.2; RSV1 for permessage-deflate).
    pub(super) fn write_frame_rsv(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) {
        let mask = self.masks.then(|| self.keys.next_key());
        let header = FrameHeader {
            fin,
            rsv,
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

    pub(super) fn is_empty(&self) -> bool {
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
