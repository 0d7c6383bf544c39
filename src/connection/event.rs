//! What a [`Connection`](crate::Connection) reports: streamed events and whole messages.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::close::CloseFrame;

/// The kind of a data message (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Arbitrary bytes (opcode 0x2).
    Binary,
}

/// One step of received data, from [`Connection::poll_event`](crate::Connection::poll_event).
///
/// Payloads borrow from the connection's receive buffer and stay valid until the
/// next call on the connection. Data messages arrive as one or more
/// [`Event::Data`] chunks: whatever part of the payload has been received, so
/// nothing is buffered beyond the current read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// A chunk of a Text or Binary message.
    Data {
        /// Text or Binary, from the message's first frame.
        kind: MessageKind,
        /// The unmasked bytes. For Text, all bytes so far are valid UTF-8 or a
        /// valid prefix of it, but a chunk may end inside a code point.
        payload: &'a [u8],
        /// This is the message's first chunk (the message starts).
        is_first: bool,
        /// This is the message's last chunk (the message ends; for Text, it was
        /// valid UTF-8 as a whole).
        is_last: bool,
    },
    /// A Ping (§5.5.2). Unless auto-pong is off, a Pong is already queued.
    Ping(&'a [u8]),
    /// A Pong (§5.5.3), solicited or not.
    Pong(&'a [u8]),
    /// The peer's Close frame (§5.5.1); `None` if it carried no status code.
    ///
    /// The connection has already queued its Close reply if one was due.
    Close(Option<CloseFrame<'a>>),
}

/// A whole message, from [`Connection::poll_message`](crate::Connection::poll_message).
///
/// Borrowed from the connection where possible (a message that arrived in one
/// frame and one read is never copied); [`Message::into_owned`] detaches it.
/// Also what the blocking adapters send and receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    /// A Text message, validated as UTF-8.
    Text(Cow<'a, str>),
    /// A Binary message.
    Binary(Cow<'a, [u8]>),
    /// A Ping control frame.
    Ping(Cow<'a, [u8]>),
    /// A Pong control frame.
    Pong(Cow<'a, [u8]>),
    /// A Close control frame; `None` if it carried no status code.
    Close(Option<CloseFrame<'a>>),
}

impl Message<'_> {
    /// Copies any borrowed data so the message outlives the connection's buffers.
    pub fn into_owned(self) -> Message<'static> {
        match self {
            Self::Text(t) => Message::Text(Cow::Owned(t.into_owned())),
            Self::Binary(b) => Message::Binary(Cow::Owned(b.into_owned())),
            Self::Ping(b) => Message::Ping(Cow::Owned(b.into_owned())),
            Self::Pong(b) => Message::Pong(Cow::Owned(b.into_owned())),
            Self::Close(c) => Message::Close(c.map(CloseFrame::into_owned)),
        }
    }

    /// A Text message owning its string.
    pub fn text(text: impl Into<String>) -> Message<'static> {
        Message::Text(Cow::Owned(text.into()))
    }

    /// A Binary message owning its bytes.
    pub fn binary(bytes: impl Into<Vec<u8>>) -> Message<'static> {
        Message::Binary(Cow::Owned(bytes.into()))
    }

    /// The payload bytes: the text's UTF-8, the data, or for Close the reason.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Text(t) => t.as_bytes(),
            Self::Binary(b) | Self::Ping(b) | Self::Pong(b) => b,
            Self::Close(c) => c.as_ref().map_or(&[], |c| c.reason.as_bytes()),
        }
    }

    /// True for Text and Binary messages.
    pub fn is_data(&self) -> bool {
        matches!(self, Self::Text(_) | Self::Binary(_))
    }
}
