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
use core::ops::Range;

use super::Connection;
use super::close::parse_close_payload;
use super::event::{Message, MessageKind};
use super::input::growth;
use super::recv::{Control, Delivery, Raw, Source, chunk};
use super::send::Sender;
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
    #[inline]
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
    #[inline]
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
    /// `rest` is how much more of the chunk's frame is known to follow.
    fn append(
        &mut self,
        kind: MessageKind,
        chunk: &[u8],
        is_last: bool,
        rest: u64,
        validator: &mut Utf8Validator,
    ) -> Result<(), InvalidUtf8> {
        match kind {
            MessageKind::Binary => {
                let bin = &mut self.binary;
                if bin.capacity() - bin.len() < chunk.len() {
                    bin.reserve_exact(room_for(bin.len(), chunk.len(), rest));
                }
                bin.extend_from_slice(chunk);
            }
            MessageKind::Text => {
                let text = &mut self.text;
                // Up to 3 bytes of a character split across chunks come along.
                let add = chunk.len() + 3;
                if text.capacity() - text.len() < add {
                    text.reserve_exact(room_for(text.len(), add, rest));
                }
                validator.feed_chunk(chunk, is_last, |s| text.push_str(s))?;
            }
        }
        self.delivered = is_last;
        Ok(())
    }
}

/// How much to reserve in a buffer holding `len` bytes for `add` more, when
/// `rest` more bytes of the frame are known to follow: room for as much of
/// the rest as a quarter of what will then be held, so the buffer stays
/// within 1.25× its contents (the bound `input::growth` keeps) while a frame
/// that arrives in two reads (a 64 KiB message in 64 KiB reads) is assembled
/// without a second reallocation.
fn room_for(len: usize, add: usize, rest: u64) -> usize {
    let quarter = len.saturating_add(add) / 4;
    let ahead = usize::try_from(rest).map_or(quarter, |r| r.min(quarter));
    growth(len, add.saturating_add(ahead))
}

/// Where the next message is, once `locate` has found it; borrowed only
/// after the decoder's mutable work is done.
enum Located {
    Control(Control),
    /// In one chunk, in the receive buffer or the transform's output; Text
    /// not validated yet.
    Whole(MessageKind, Source, Range<usize>),
    /// In the assembly buffer, validated.
    Assembled(MessageKind),
}

impl Connection {
    /// The next whole message, assembled from its fragments, up to
    /// [`Config::max_message_size`](crate::Config::max_message_size); control
    /// frames are returned as they arrive, also in the middle of a fragmented message.
    ///
    /// A message that arrived in one frame within one read is borrowed from the
    /// receive buffer without a copy. Errors and `Ok(None)` as for
    /// [`poll_event`](Self::poll_event).
    #[inline]
    pub fn poll_message(&mut self) -> Result<Option<Message<'_>>, Error> {
        Ok(self.poll_message_and_sender()?.map(|(message, _)| message))
    }

    /// [`poll_message`](Self::poll_message), with the connection's send half
    /// borrowed beside the message: a reply (an echo, say) is queued straight
    /// from the lent bytes, with no copy of the message in between.
    ///
    /// ```
    /// use rfc6455::{Config, Connection, Message, Role};
    ///
    /// let mut client = Connection::new(Role::Client, Config::default());
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// client.send_text("echo me").unwrap();
    /// server.receive(client.poll_output());
    ///
    /// if let Some((message, mut sender)) = server.poll_message_and_sender().unwrap() {
    ///     if message.is_data() {
    ///         sender.send(&message).unwrap();
    ///     }
    /// }
    /// assert_eq!(server.poll_output(), b"\x81\x07echo me");
    /// ```
    pub fn poll_message_and_sender(&mut self) -> Result<Option<(Message<'_>, Sender<'_>)>, Error> {
        let Some(located) = self.locate()? else {
            return Ok(None);
        };
        let (parts, mut sender) = self.split();
        let input = |r: Range<usize>| &parts.input.bytes()[r];
        let message = match located {
            Located::Control(Control::Ping(r)) => Message::Ping(Cow::Borrowed(input(r))),
            Located::Control(Control::Pong(r)) => Message::Pong(Cow::Borrowed(input(r))),
            Located::Control(Control::Close(r)) => {
                Message::Close(parse_close_payload(input(r)).ok().flatten())
            }
            Located::Assembled(MessageKind::Binary) => {
                Message::Binary(Cow::Borrowed(&parts.assembly.binary))
            }
            Located::Assembled(MessageKind::Text) => {
                Message::Text(Cow::Borrowed(&parts.assembly.text))
            }
            Located::Whole(kind, source, range) => {
                let payload = chunk(parts.input, parts.transform, source, range);
                match kind {
                    MessageKind::Binary => Message::Binary(Cow::Borrowed(payload)),
                    MessageKind::Text => match utf8::validate(payload) {
                        Ok(text) => Message::Text(Cow::Borrowed(text)),
                        Err(_) => {
                            // The input is discarded by the next call, as
                            // the connection is then closed.
                            let err = ProtocolError::InvalidUtf8.into();
                            sender.fail(&err);
                            return Err(err);
                        }
                    },
                }
            }
        };
        Ok(Some((message, sender)))
    }

    /// Decodes until a message is complete; assembles the ones that span
    /// more than one chunk.
    #[inline]
    fn locate(&mut self) -> Result<Option<Located>, Error> {
        self.assembly.forget_delivered();
        loop {
            let Some(raw) = self.next_raw(Delivery::LendSingleFrameBinary)? else {
                return Ok(None);
            };
            let c = match raw {
                Raw::Data(c) => c,
                Raw::Control(control) => return Ok(Some(Located::Control(control))),
            };
            if c.is_first && c.is_last {
                return Ok(Some(Located::Whole(c.kind, c.source, c.range)));
            }
            if c.is_first {
                // A message starts here; drop anything a mixed-in
                // `poll_event` call left half-assembled.
                self.assembly.start();
            }
            let payload = chunk(&self.input, &self.transform, c.source, c.range);
            let appended = self.assembly.append(
                c.kind,
                payload,
                c.is_last,
                c.frame_rest,
                &mut self.recv_utf8,
            );
            if appended.is_err() {
                return Err(self.fail(ProtocolError::InvalidUtf8.into()));
            }
            if c.is_last {
                return Ok(Some(Located::Assembled(c.kind)));
            }
        }
    }
}
