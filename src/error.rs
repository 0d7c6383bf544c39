//! The connection's error type, and the mapping from each error to what goes on the wire.
//!
//! Errors are grouped by cause, as rustls does: the peer broke the protocol
//! ([`ProtocolError`]), a configured limit was exceeded ([`LimitError`]), the
//! caller used the API out of order ([`ApiMisuse`]), or the transport ended
//! early ([`Error::UnexpectedEof`]). [`Error::close_code`] is the one place that
//! says which close code (RFC 6455 §7.4.1) each of them puts on the wire.
//!
//! This module is the bottom layer: it imports nothing from the rest of the
//! crate, so `frame` can report [`ProtocolError`] without depending on
//! `connection`. `close_code` is therefore defined beside
//! [`CloseCode`](crate::connection::CloseCode), in the `connection` module.
//!
//! When [`Connection`](crate::connection::Connection) returns a peer-caused error it has
//! *already* queued the Close frame carrying that code in its output (§7.1.7,
//! _Fail the WebSocket Connection_); the caller only has to flush the output
//! and then shut the transport down.

use core::fmt;

/// Every error a [`Connection`](crate::connection::Connection) reports.
///
/// Handshake failures are not among them: the opening handshake is parsed
/// beside the connection, not by it (`handshake` and `connection` are
/// independent layers), and no `Connection` method can fail with one. The
/// handshake's parsers return [`HandshakeError`](crate::handshake::HandshakeError)
/// themselves, and an adapter's error type (e.g. `blocking::Error`) carries
/// both. A variant that
/// is never produced would only make every `match` on this type handle a
/// case that cannot happen, and [`close_code`](Self::close_code) classify it.
// non_exhaustive: new kinds of failure will appear (extensions, new inputs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer violated RFC 6455. Comes from the network, never from a bug in the caller.
    Protocol(ProtocolError),
    /// The peer sent more than a configured limit allows (close code 1009).
    Limit(LimitError),
    /// The caller used the API out of order or with invalid arguments.
    ///
    /// Depends only on the caller's calls, never on data from the network.
    Api(ApiMisuse),
    /// The transport ended (`receive_eof`) before the closing handshake finished.
    ///
    /// RFC 6455 §7.1.5 reports this as close code 1006 (abnormal closure),
    /// which is never sent on the wire.
    UnexpectedEof,
}

/// Ways a peer can violate the framing and closing rules of RFC 6455 §5–§8.
// non_exhaustive: negotiated extensions bring their own violations (§9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame used an opcode reserved for future use (§5.2: 0x3–0x7, 0xB–0xF).
    ReservedOpcode(u8),
    /// A frame set an RSV bit that no negotiated extension defines (§5.2).
    ReservedBits(u8),
    /// A client sent an unmasked frame; a server MUST fail the connection (§5.1).
    UnmaskedFrame,
    /// A server sent a masked frame; a client MUST fail the connection (§5.1).
    MaskedFrame,
    /// A 64-bit payload length had its most significant bit set (§5.2).
    LengthTopBitSet,
    /// A payload length was not encoded in the minimal number of bytes (§5.2).
    NonMinimalLength,
    /// A control frame had a payload longer than 125 bytes (§5.5).
    ControlFrameTooLong,
    /// A control frame had FIN clear; control frames MUST NOT be fragmented (§5.5).
    FragmentedControlFrame,
    /// A continuation frame arrived with no fragmented message in progress (§5.4).
    UnexpectedContinuation,
    /// A new Text or Binary frame arrived while a fragmented message was in progress (§5.4).
    ExpectedContinuation,
    /// A Text message, or a Close reason, was not valid UTF-8 (§5.6, §8.1). Close code 1007.
    InvalidUtf8,
    /// A Close frame had a one-byte payload (§5.5.1).
    CloseFrameTooShort,
    /// A Close frame carried a status code that may not appear on the wire (§7.4).
    InvalidCloseCode(u16),
    /// A compressed message (RFC 7692 §6, RSV1 set) is not valid DEFLATE data
    /// (§7.2.2). Close code 1007, as for any payload inconsistent with its
    /// message.
    InvalidCompressedData,
}

/// A configured limit that the peer's data exceeded. Close code 1009 (§7.4.1).
// non_exhaustive: new configurable limits will appear (§10.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    /// A frame declared a payload larger than [`Config::max_frame_size`](crate::Config::max_frame_size).
    FrameTooLarge {
        /// The length the frame header declared.
        declared: u64,
        /// The configured maximum.
        limit: usize,
    },
    /// A message grew past [`Config::max_message_size`](crate::Config::max_message_size)
    /// (for a compressed message: its decompressed bytes, counted as they
    /// are produced).
    MessageTooLarge {
        /// The configured maximum.
        limit: usize,
    },
    /// A compressed frame decompressed to more than
    /// [`Config::max_frame_size`](crate::Config::max_frame_size) bytes
    /// (RFC 7692 §6; its declared length is checked before, as for any frame).
    DecompressedFrameTooLarge {
        /// The configured maximum.
        limit: usize,
    },
}

/// Calls made out of order or with invalid arguments. Never caused by the peer.
// non_exhaustive: each new command can be misused in a new way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiMisuse {
    /// Data or control frames may not be sent after a Close frame was sent (§5.5.1),
    /// or after the connection failed or closed.
    AlreadyClosing,
    /// A control frame payload (Ping, Pong, or Close code plus reason) exceeds 125 bytes (§5.5).
    ControlPayloadTooLong,
    /// The close code may not be sent in a Close frame (1005, 1006, 1015, unassigned ranges; §7.4).
    UnsendableCloseCode(u16),
    /// A whole message was sent while a streamed message is in progress (§5.4:
    /// data frames of different messages must not be interleaved).
    MessageInProgress,
    /// A streamed fragment used a different kind than the message it continues.
    MessageKindMismatch,
    /// Bytes streamed as a Text message were not valid UTF-8.
    InvalidUtf8,
    /// [`Connection::advance_output`](crate::connection::Connection::advance_output) or
    /// [`Connection::commit_read`](crate::connection::Connection::commit_read) was given more bytes
    /// than are available.
    AdvancedTooFar,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protocol(e) => write!(f, "WebSocket protocol violation by the peer: {e}"),
            Self::Limit(e) => write!(f, "WebSocket limit exceeded: {e}"),
            Self::Api(e) => write!(f, "WebSocket API misuse: {e}"),
            Self::UnexpectedEof => {
                f.write_str("the transport ended before the WebSocket closing handshake (1006)")
            }
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            Self::ReservedBits(bits) => write!(f, "reserved RSV bits set ({bits:#05b})"),
            Self::UnmaskedFrame => f.write_str("client frame not masked"),
            Self::MaskedFrame => f.write_str("server frame masked"),
            Self::LengthTopBitSet => f.write_str("64-bit payload length has its top bit set"),
            Self::NonMinimalLength => f.write_str("payload length not minimally encoded"),
            Self::ControlFrameTooLong => f.write_str("control frame payload over 125 bytes"),
            Self::FragmentedControlFrame => f.write_str("fragmented control frame"),
            Self::UnexpectedContinuation => {
                f.write_str("continuation frame with no message in progress")
            }
            Self::ExpectedContinuation => {
                f.write_str("new data frame while a fragmented message is in progress")
            }
            Self::InvalidUtf8 => f.write_str("invalid UTF-8 in text"),
            Self::CloseFrameTooShort => f.write_str("close frame payload of one byte"),
            Self::InvalidCloseCode(code) => write!(f, "close code {code} not allowed on the wire"),
            Self::InvalidCompressedData => {
                f.write_str("compressed message is not valid DEFLATE data")
            }
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FrameTooLarge { declared, limit } => {
                write!(f, "frame of {declared} bytes exceeds the limit of {limit}")
            }
            Self::MessageTooLarge { limit } => {
                write!(f, "message exceeds the limit of {limit} bytes")
            }
            Self::DecompressedFrameTooLarge { limit } => {
                write!(
                    f,
                    "frame decompresses to more than the limit of {limit} bytes"
                )
            }
        }
    }
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyClosing => f.write_str("the connection is closing or closed"),
            Self::ControlPayloadTooLong => f.write_str("control frame payload over 125 bytes"),
            Self::UnsendableCloseCode(code) => write!(f, "close code {code} may not be sent"),
            Self::MessageInProgress => f.write_str("a streamed message is in progress"),
            Self::MessageKindMismatch => {
                f.write_str("fragment kind differs from the message in progress")
            }
            Self::InvalidUtf8 => f.write_str("text fragment is not valid UTF-8"),
            Self::AdvancedTooFar => f.write_str("advanced past the available bytes"),
        }
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}

impl From<LimitError> for Error {
    fn from(e: LimitError) -> Self {
        Self::Limit(e)
    }
}

impl From<ApiMisuse> for Error {
    fn from(e: ApiMisuse) -> Self {
        Self::Api(e)
    }
}

impl core::error::Error for Error {
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Protocol(e) => Some(e),
            Self::Limit(e) => Some(e),
            Self::Api(e) => Some(e),
            Self::UnexpectedEof => None,
        }
    }
}

impl core::error::Error for ProtocolError {}

impl core::error::Error for LimitError {}

impl core::error::Error for ApiMisuse {}
