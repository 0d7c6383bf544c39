//! Message assembly: whole messages on top of the event layer
//! ([`poll_message`](Connection::poll_message)).
//!
//! A message that arrives as one frame, whole in the receive buffer, is lent
//! from there: Binary always (the event layer holds such a frame back until
//! all of it is buffered, and `read_buf` offers exactly its rest), Text when
//! it is all there at once, validated in one pass. Any other message is
//! copied into an assembly buffer as its chunks come; Text is validated while
//! it is copied, chunk by chunk, so invalid UTF-8 fails the connection as
//! soon as it arrives (§8.1, Autobahn 6.4) and no byte is validated twice.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::Connection;
use super::close::parse_close_payload;
use super::event::{Message, MessageKind};
use super::input::growth;
use super::recv::{Delivery, Raw, chunk};
use super::utf8::{self, InvalidUtf8, Utf8Validator};
use crate::error::{Error, ProtocolError};

/// The buffers `poll_message` assembles multi-chunk messages in.
#[derive(Debug, Default)]
pub(super) struct Assembly {
    text: String,
    binary: Vec<u8>,
    /// The buffers hold a message already returned; clear them first.
    delivered: bool,
}

impl Assembly {
    pub(super) fn capacity(&self) -> usize {
        self.text.capacity() + self.binary.capacity()
    }

    /// Whether a message is half assembled (the connection is not idle).
    pub(super) fn is_assembling(&self) -> bool {
        let holds_bytes = !self.text.is_empty() || !self.binary.is_empty();
        holds_bytes && !self.delivered
    }

    /// Releases both buffers unless a message is half assembled.
    pub(super) fn release(&mut self) {
        if !self.is_assembling() {
            *self = Self::default();
        }
    }

    /// Drops a message returned earlier, keeping the capacity for the next.
    fn forget_delivered(&mut self) {
        if self.delivered {
            self.start();
        }
    }

    /// Empties both buffers for a message that starts, keeping their capacity.
    fn start(&mut self) {
        self.delivered = false;
        self.text.clear();
        self.binary.clear();
    }

    /// Appends a chunk; Text is validated on the way in.
    fn append(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        is_last: bool,
        validator: &mut Utf8Validator,
    ) -> Result<(), InvalidUtf8> {
        match kind {
            MessageKind::Binary => {
                let bin = &mut self.binary;
                if bin.capacity() - bin.len() < chunk.len() {
                    bin.reserve_exact(growth(bin.len(), chunk.len()));
                }
                bin.extend_from_slice(chunk);
            }
            MessageKind::Text => {
                let text = &mut self.text;
                // Up to 3 bytes of a character split across chunks come along.
                let add = chunk.len() + 3;
                if text.capacity() - text.len() < add {
                    text.reserve_exact(growth(text.len(), add));
                }
                validator.feed_chunk(chunk, is_last, |s| text.push_str(s))?;
            }
        }
        self.delivered = is_last;
        Ok(())
    }
}

impl Connection {
    /// The next whole message, assembled from its fragments, up to
    /// [`Config::max_message_size`](crate::Config::max_message_size); control
    /// frames are returned as they arrive, also in the middle of a fragmented message.
    ///
    /// A message that arrived in one frame within one read is borrowed from the
    /// receive buffer without a copy. Errors and `Ok(None)` as for
    /// [`poll_event`](Self::poll_event).
    pub fn poll_message(&mut self) -> Result<Option<Message<'_>>, Error> {
        self.assembly.forget_delivered();
        // The loop decides, holding no borrow of a buffer across iterations;
        // the message is borrowed once, after it.
        let (kind, whole) = loop {
            let Some(raw) = self.next_raw(Delivery::LendSingleFrameBinary)? else {
                return Ok(None);
            };
            let (kind, source, range, is_first, is_last) = match raw {
                Raw::Data {
                    kind,
                    source,
                    range,
                    is_first,
                    is_last,
                } => (kind, source, range, is_first, is_last),
                Raw::Ping(r) => {
                    return Ok(Some(Message::Ping(Cow::Borrowed(&self.input.bytes()[r]))));
                }
                Raw::Pong(r) => {
                    return Ok(Some(Message::Pong(Cow::Borrowed(&self.input.bytes()[r]))));
                }
                Raw::Close(r) => {
                    let close = parse_close_payload(&self.input.bytes()[r]).ok().flatten();
                    return Ok(Some(Message::Close(close)));
                }
            };
            if is_first && is_last {
                break (kind, Some((source, range)));
            }
            if is_first {
                // A message starts here; drop anything a mixed-in
                // `poll_event` call left half-assembled.
                self.assembly.start();
            }
            let payload = chunk(&self.input, &self.transform, source, range);
            let appended = self
                .assembly
                .append(kind, payload, is_last, &mut self.recv_utf8);
            if appended.is_err() {
                return Err(self.fail(ProtocolError::InvalidUtf8.into()));
            }
            if is_last {
                break (kind, None);
            }
        };
        let Some((source, range)) = whole else {
            return Ok(Some(match kind {
                MessageKind::Binary => Message::Binary(Cow::Borrowed(&self.assembly.binary)),
                MessageKind::Text => Message::Text(Cow::Borrowed(&self.assembly.text)),
            }));
        };
        let payload = chunk(&self.input, &self.transform, source, range);
        Ok(Some(match kind {
            MessageKind::Binary => Message::Binary(Cow::Borrowed(payload)),
            MessageKind::Text => match utf8::validate(payload) {
                Ok(text) => Message::Text(Cow::Borrowed(text)),
                Err(_) => {
                    // `payload` borrows the buffers for the Ok arm, so only
                    // the state machine and the output are touched here; the
                    // input is discarded by the next call, as the connection
                    // is then closed.
                    let err = ProtocolError::InvalidUtf8.into();
                    self.life.fail(&mut self.tx, &err);
                    return Err(err);
                }
            },
        }))
    }
}
