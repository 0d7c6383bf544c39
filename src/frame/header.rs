//! Frame header decoding and encoding (RFC 6455 §5.2).

use super::OpCode;
use crate::error::ProtocolError;

/// The longest header: 2 fixed bytes, 8 bytes of 64-bit length, 4 bytes of masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// A decoded frame header (§5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the final fragment of a message (§5.2, §5.4).
    pub fin: bool,
    /// RSV1, RSV2, RSV3 as the low three bits (RSV1 = `0b100`), for extensions (§5.8).
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, present on every client-to-server frame (§5.3).
    pub mask: Option<[u8; 4]>,
    /// The payload length in bytes.
    pub payload_len: u64,
}

/// The outcome of trying to decode a header from the bytes received so far.
///
/// "Need more bytes" is a normal outcome, not an error (as in httparse's `Status`).
// exhaustive: a header is either complete or needs more bytes; malformed is an Err.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStatus {
    /// The header is complete and used this many bytes.
    Complete(FrameHeader, usize),
    /// More bytes are needed; at least this many in total.
    Partial(usize),
}

impl FrameHeader {
    /// Decodes a header from the start of `buf`.
    ///
    /// Checks what the header alone can show: reserved opcodes, control frames
    /// that are fragmented or longer than 125 bytes (§5.5), a 64-bit length with
    /// its top bit set, and lengths not in their minimal form (§5.2). RSV bits,
    /// masking direction and size limits depend on the connection and are
    /// checked by it.
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<HeaderStatus, ProtocolError> {
        let [b0, b1, rest @ ..] = buf else {
            return Ok(HeaderStatus::Partial(2));
        };
        let fin = b0 & 0x80 != 0;
        let rsv = (b0 >> 4) & 0x7;
        let opcode = OpCode::from_u8(b0 & 0x0F)?;
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            if !fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
            if len7 > 125 {
                return Err(ProtocolError::ControlFrameTooLong);
            }
        }
        let ext_len = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let needed = 2 + ext_len + if masked { 4 } else { 0 };
        if buf.len() < needed {
            return Ok(HeaderStatus::Partial(needed));
        }
        let payload_len = match len7 {
            126 => {
                let len = u16::from_be_bytes([rest[0], rest[1]]);
                if len < 126 {
                    return Err(ProtocolError::NonMinimalLength);
                }
                u64::from(len)
            }
            127 => {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(&rest[..8]);
                let len = u64::from_be_bytes(bytes);
                if len >> 63 != 0 {
                    return Err(ProtocolError::LengthTopBitSet);
                }
                if len <= u64::from(u16::MAX) {
                    return Err(ProtocolError::NonMinimalLength);
                }
                len
            }
            short => u64::from(short),
        };
        let mask = masked.then(|| {
            let k = &rest[ext_len..ext_len + 4];
            [k[0], k[1], k[2], k[3]]
        });
        Ok(HeaderStatus::Complete(
            Self {
                fin,
                rsv,
                opcode,
                mask,
                payload_len,
            },
            needed,
        ))
    }

    /// Encodes the header in its minimal form (§5.2) into `out`, returning the length used.
    #[inline]
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = (u8::from(self.fin) << 7) | ((self.rsv & 0x7) << 4) | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut n = 2;
        if self.payload_len < 126 {
            out[1] = mask_bit | self.payload_len as u8;
        } else if let Ok(len) = u16::try_from(self.payload_len) {
            out[1] = mask_bit | 126;
            out[2..4].copy_from_slice(&len.to_be_bytes());
            n = 4;
        } else {
            out[1] = mask_bit | 127;
            out[2..10].copy_from_slice(&self.payload_len.to_be_bytes());
            n = 10;
        }
        if let Some(key) = self.mask {
            out[n..n + 4].copy_from_slice(&key);
            n += 4;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_complete(buf: &[u8]) -> (FrameHeader, usize) {
        match FrameHeader::decode(buf).unwrap() {
            HeaderStatus::Complete(h, n) => (h, n),
            HeaderStatus::Partial(n) => panic!("partial, need {n}"),
        }
    }

    #[test]
    fn rfc_5_7_length_examples() {
        // "256 bytes binary message in a single unmasked frame": 0x82 0x7E 0x0100.
        let (h, n) = decode_complete(&[0x82, 0x7E, 0x01, 0x00]);
        assert_eq!(
            (h.opcode, h.payload_len, n, h.fin),
            (OpCode::Binary, 256, 4, true)
        );
        // "64KiB binary message in a single unmasked frame": 0x82 0x7F 0x0000000000010000.
        let (h, n) = decode_complete(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!((h.payload_len, n), (65536, 10));
    }

    #[test]
    fn partial_headers_report_what_they_need() {
        assert_eq!(FrameHeader::decode(&[]), Ok(HeaderStatus::Partial(2)));
        assert_eq!(FrameHeader::decode(&[0x82]), Ok(HeaderStatus::Partial(2)));
        assert_eq!(
            FrameHeader::decode(&[0x82, 0xFF, 0]),
            Ok(HeaderStatus::Partial(14))
        );
        assert_eq!(
            FrameHeader::decode(&[0x82, 0xFE, 0, 0]),
            Ok(HeaderStatus::Partial(8))
        );
    }

    #[test]
    fn rejects_what_the_header_alone_shows() {
        assert_eq!(
            FrameHeader::decode(&[0x83, 0]),
            Err(ProtocolError::ReservedOpcode(3))
        );
        assert_eq!(
            FrameHeader::decode(&[0x8B, 0]),
            Err(ProtocolError::ReservedOpcode(0xB))
        );
        assert_eq!(
            FrameHeader::decode(&[0x09, 0]),
            Err(ProtocolError::FragmentedControlFrame)
        );
        assert_eq!(
            FrameHeader::decode(&[0x89, 126]),
            Err(ProtocolError::ControlFrameTooLong)
        );
        let top = [0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            FrameHeader::decode(&top),
            Err(ProtocolError::LengthTopBitSet)
        );
        assert_eq!(
            FrameHeader::decode(&[0x82, 126, 0, 125]),
            Err(ProtocolError::NonMinimalLength)
        );
        let long = [0x82, 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF];
        assert_eq!(
            FrameHeader::decode(&long),
            Err(ProtocolError::NonMinimalLength)
        );
    }

    #[test]
    fn encode_is_minimal_and_round_trips() {
        for len in [0u64, 1, 125, 126, 65535, 65536, (1 << 63) - 1] {
            for mask in [None, Some([1, 2, 3, 4])] {
                let h = FrameHeader {
                    fin: len % 2 == 0,
                    rsv: 0,
                    opcode: OpCode::Binary,
                    mask,
                    payload_len: len,
                };
                let mut buf = [0; MAX_HEADER_LEN];
                let n = h.encode(&mut buf);
                let expected =
                    2 + if len < 126 {
                        0
                    } else if len < 65536 {
                        2
                    } else {
                        8
                    } + if mask.is_some() { 4 } else { 0 };
                assert_eq!(n, expected);
                assert_eq!(decode_complete(&buf[..n]), (h, n));
            }
        }
    }
}
