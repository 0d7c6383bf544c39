//! The base framing protocol (RFC 6455 §5.2): opcodes, frame headers and masking.
//!
//! The frame decoder is two pure steps, httparse-style: [`FrameHeader::decode`]
//! turns the first bytes into a header (or says how many more it needs), and a
//! [`Payload`] cursor unmasks the payload in place chunk by chunk as it arrives.
//! Neither holds a buffer nor knows about messages, limits or roles.
//!
//! A public module for code that runs its own frame loop (benchmarks, custom
//! transports); a [`Connection`](crate::Connection) does all of this itself.
//! Its items are not re-exported at the crate root.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! ```

mod header;
mod mask;
mod payload;

pub use header::{FrameHeader, HeaderStatus, MAX_HEADER_LEN};
pub use mask::{apply_mask, extend_masked};
pub use payload::Payload;

use crate::error::ProtocolError;

/// A frame opcode (§5.2, §11.8). Reserved opcodes are rejected while decoding.
// exhaustive: RFC 6455 §5.2 fixes the opcodes; reserved ones are decode errors, never values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// 0x0: continues a fragmented message (§5.4).
    Continuation,
    /// 0x1: a Text data frame (§5.6).
    Text,
    /// 0x2: a Binary data frame (§5.6).
    Binary,
    /// 0x8: a Close control frame (§5.5.1).
    Close,
    /// 0x9: a Ping control frame (§5.5.2).
    Ping,
    /// 0xA: a Pong control frame (§5.5.3).
    Pong,
}

impl OpCode {
    /// The 4-bit value on the wire.
    pub const fn as_u8(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// Decodes a 4-bit opcode; reserved values 0x3–0x7 and 0xB–0xF are a protocol error (§5.2).
    pub const fn from_u8(value: u8) -> Result<Self, ProtocolError> {
        Ok(match value {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            other => return Err(ProtocolError::ReservedOpcode(other)),
        })
    }

    /// Control frames have the most significant opcode bit set (§5.5).
    pub const fn is_control(self) -> bool {
        self.as_u8() & 0x8 != 0
    }
}
