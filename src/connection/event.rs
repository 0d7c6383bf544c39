//! What a [`Connection`](crate::Connection) reports: streamed events and whole messages.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::close::CloseFrame;

/// The kind of a data message (§5.6).
// exhaustive: Text and Binary are the only data opcodes (§5.6); others fail the connection.
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
// exhaustive: one variant per frame kind of §5.2 (data, Ping, Pong, Close); more need a new RFC.
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
// exhaustive: one variant per message kind of §5.2; matching all of them is the normal use.
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

    /// True for a Text message.
    pub fn is_text(&self) -> bool {
        matches!(self, Self::Text(_))
    }

    /// True for a Binary message.
    pub fn is_binary(&self) -> bool {
        matches!(self, Self::Binary(_))
    }

    /// The number of payload bytes, i.e. `self.as_bytes().len()` (for Close,
    /// the reason's length, without the two-byte code).
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True when [`len`](Self::len) is zero.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

impl<'a> Message<'a> {
    /// The text of a Text message, or the message itself, unchanged, as the
    /// error for any other kind.
    ///
    /// Only a Text message has text: a Binary payload is never decoded as
    /// UTF-8 here, since its meaning is left to the application (§5.6). Use
    /// [`into_data`](Self::into_data) and `str::from_utf8` if you know better.
    /// The text stays borrowed if it was; `.into_owned()` gives a `String`.
    ///
    /// ```
    /// use rfc6455::Message;
    ///
    /// assert_eq!(Message::from("hi").into_text().unwrap(), "hi");
    /// let binary = Message::from(&b"hi"[..]);
    /// assert_eq!(binary.clone().into_text(), Err(binary));
    /// ```
    pub fn into_text(self) -> Result<Cow<'a, str>, Self> {
        match self {
            Self::Text(t) => Ok(t),
            other => Err(other),
        }
    }

    /// The payload bytes, as [`as_bytes`](Self::as_bytes) gives them but by
    /// value: the text's UTF-8, the data, the Ping or Pong payload, or a
    /// Close frame's reason (empty for a Close without a code). No copy is
    /// made: borrowed stays borrowed, owned stays owned.
    ///
    /// ```
    /// use rfc6455::Message;
    ///
    /// assert_eq!(Message::text("héllo").into_data(), "héllo".as_bytes());
    /// assert_eq!(Message::from(vec![1, 2, 3]).into_data(), &[1, 2, 3][..]);
    /// ```
    pub fn into_data(self) -> Cow<'a, [u8]> {
        match self {
            Self::Text(t) => str_into_bytes(t),
            Self::Binary(b) | Self::Ping(b) | Self::Pong(b) => b,
            Self::Close(None) => Cow::Borrowed(&[]),
            Self::Close(Some(c)) => str_into_bytes(c.reason),
        }
    }
}

fn str_into_bytes(text: Cow<'_, str>) -> Cow<'_, [u8]> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

/// A Text message borrowing the string: `conn.send(Message::from("hi"))`
/// copies nothing until the frame is written.
///
/// ```
/// use rfc6455::Message;
///
/// let msg: Message = "hello".into();
/// assert!(msg.is_text());
/// assert_eq!(msg.len(), 5);
/// ```
impl<'a> From<&'a str> for Message<'a> {
    fn from(text: &'a str) -> Self {
        Message::Text(Cow::Borrowed(text))
    }
}

/// A Text message owning the string.
impl From<String> for Message<'static> {
    fn from(text: String) -> Self {
        Message::Text(Cow::Owned(text))
    }
}

/// A Binary message borrowing the bytes.
///
/// ```
/// use rfc6455::Message;
///
/// let msg = Message::from(&[0xde, 0xad][..]);
/// assert!(msg.is_binary());
/// assert_eq!(msg.as_bytes(), [0xde, 0xad]);
/// ```
impl<'a> From<&'a [u8]> for Message<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Message::Binary(Cow::Borrowed(bytes))
    }
}

/// A Binary message owning the bytes.
impl From<Vec<u8>> for Message<'static> {
    fn from(bytes: Vec<u8>) -> Self {
        Message::Binary(Cow::Owned(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::CloseCode;
    use alloc::vec;

    fn close(reason: &str) -> Message<'_> {
        Message::Close(Some(CloseFrame {
            code: CloseCode::NORMAL,
            reason: Cow::Borrowed(reason),
        }))
    }

    #[test]
    fn from_str_is_borrowed_text() {
        let s = String::from("hi");
        match Message::from(s.as_str()) {
            Message::Text(Cow::Borrowed(t)) => assert!(core::ptr::eq(t, s.as_str())),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn from_string_is_owned_text() {
        match Message::from(String::from("hi")) {
            Message::Text(Cow::Owned(t)) => assert_eq!(t, "hi"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn from_byte_slice_is_borrowed_binary() {
        let bytes = [1u8, 2, 3];
        match Message::from(&bytes[..]) {
            Message::Binary(Cow::Borrowed(b)) => assert!(core::ptr::eq(b, &bytes[..])),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn from_vec_is_owned_binary() {
        match Message::from(vec![1u8, 2, 3]) {
            Message::Binary(Cow::Owned(b)) => assert_eq!(b, [1, 2, 3]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kind_predicates_match_only_their_kind() {
        let all = [
            Message::from("t"),
            Message::from(&b"b"[..]),
            Message::Ping(Cow::Borrowed(b"p")),
            Message::Pong(Cow::Borrowed(b"p")),
            Message::Close(None),
        ];
        let text: Vec<bool> = all.iter().map(Message::is_text).collect();
        let binary: Vec<bool> = all.iter().map(Message::is_binary).collect();
        assert_eq!(text, [true, false, false, false, false]);
        assert_eq!(binary, [false, true, false, false, false]);
    }

    #[test]
    fn into_text_gives_text_or_the_message_back() {
        assert_eq!(
            Message::from("héllo").into_text(),
            Ok(Cow::Borrowed("héllo"))
        );
        // Valid UTF-8 in a Binary message is still not text.
        let binary = Message::from(&b"hello"[..]);
        assert_eq!(binary.clone().into_text(), Err(binary));
        assert_eq!(close("bye").into_text(), Err(close("bye")));
    }

    #[test]
    fn into_data_gives_every_payload_without_copying() {
        let text = String::from("héllo");
        match Message::from(text.as_str()).into_data() {
            Cow::Borrowed(b) => assert!(core::ptr::eq(b, text.as_bytes())),
            Cow::Owned(_) => panic!("borrowed text was copied"),
        }
        assert_eq!(Message::text("héllo").into_data(), "héllo".as_bytes());
        assert_eq!(Message::from(vec![9u8]).into_data(), &[9][..]);
        assert_eq!(Message::Ping(Cow::Borrowed(b"p")).into_data(), &b"p"[..]);
        assert_eq!(Message::Pong(Cow::Borrowed(b"q")).into_data(), &b"q"[..]);
        assert_eq!(close("bye").into_data(), &b"bye"[..]);
        assert!(Message::Close(None).into_data().is_empty());
    }

    #[test]
    fn len_counts_payload_bytes() {
        assert_eq!(Message::from("héllo").len(), 6); // é is two bytes in UTF-8
        assert_eq!(Message::from(vec![0u8; 300]).len(), 300);
        assert_eq!(close("bye").len(), 3); // the reason, not the code
        assert_eq!(Message::Close(None).len(), 0);
    }

    #[test]
    fn is_empty_follows_len() {
        assert!(Message::from("").is_empty());
        assert!(Message::from(Vec::new()).is_empty());
        assert!(Message::Close(None).is_empty());
        assert!(!Message::from("x").is_empty());
        assert!(!Message::Ping(Cow::Borrowed(b"\0")).is_empty());
    }
}
