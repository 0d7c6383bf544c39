//! An independent reading of the wire (§5.2), to check what the encoder writes.

use std::vec::Vec;

use super::inflate::Inflater;
use super::input::kind_of;
use super::receiver::Item;
use rfc6455::{CloseCode, MessageKind};

/// A frame as the reference parser saw it, unmasked.
pub(super) struct WireFrame {
    pub(super) fin: bool,
    /// RSV1: permessage-deflate's mark, on a compressed message's first frame.
    pub(super) rsv1: bool,
    pub(super) opcode: u8,
    pub(super) payload: Vec<u8>,
}

/// A frame header read byte by byte, as §5.2 draws it.
struct Head {
    b0: u8,
    b1: u8,
    /// The declared payload length, and how many bytes encoded it beyond the 7 bits.
    len: u64,
    extended: usize,
    /// Where the payload starts.
    pos: usize,
    key: [u8; 4],
}

/// The header at the start of `wire` (its mask key read if `masked`);
/// `None` if incomplete.
fn head(wire: &[u8], masked: bool) -> Option<Head> {
    let (&b0, &b1) = (wire.first()?, wire.get(1)?);
    let extended = match b1 & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mut len = u64::from(b1 & 0x7F);
    if extended > 0 {
        let bytes = wire.get(2..2 + extended)?;
        len = bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b));
    }
    let mut pos = 2 + extended;
    let mut key = [0u8; 4];
    if masked {
        key.copy_from_slice(wire.get(pos..pos + 4)?);
        pos += 4;
    }
    Some(Head {
        b0,
        b1,
        len,
        extended,
        pos,
        key,
    })
}

/// The frame `h` heads, its payload unmasked, and its total length; `None`
/// if incomplete or if the length does not fit.
fn body(wire: &[u8], h: &Head) -> Option<(WireFrame, usize)> {
    let len = usize::try_from(h.len).ok()?;
    let end = h.pos.checked_add(len)?;
    let body = wire.get(h.pos..end)?;
    let payload = body.iter().enumerate().map(|(i, b)| b ^ h.key[i % 4]);
    let frame = WireFrame {
        fin: h.b0 & 0x80 != 0,
        rsv1: h.b0 & 0x40 != 0,
        opcode: h.b0 & 0x0F,
        payload: payload.collect(),
    };
    Some((frame, end))
}

/// Parses one frame at the start of `wire` byte by byte, as §5.2 draws it,
/// without `frame::FrameHeader`. Panics on what this crate must never write
/// (RSV1 only on a message's first frame; [`wire_items`] says whether it may
/// be there at all); `None` if the frame is incomplete.
pub(super) fn parse_frame(wire: &[u8], masked: bool) -> Option<(WireFrame, usize)> {
    let h = head(wire, masked)?;
    let opcode = h.b0 & 0x0F;
    assert_eq!(h.b0 & 0x30, 0, "RSV2 or RSV3 set");
    assert!(
        h.b0 & 0x40 == 0 || matches!(opcode, 1 | 2),
        "RSV1 on opcode {opcode}"
    );
    assert_eq!(h.b1 & 0x80 != 0, masked, "mask bit wrong for the role");
    assert!(matches!(opcode, 0 | 1 | 2 | 8 | 9 | 10), "opcode {opcode}");
    if h.extended > 0 {
        let least = if h.extended == 2 { 126 } else { 65536 };
        assert!(h.len >= least && h.len < 1 << 63, "length not minimal");
    }
    let (frame, used) = body(wire, &h)?;
    if opcode >= 8 {
        assert!(frame.fin && h.len <= 125, "bad control frame");
    }
    Some((frame, used))
}

/// One frame's unmasked payload, as §5.2 draws it, for any input (no panic
/// on what this crate must never write): `None` if incomplete or if the
/// length does not fit.
pub(super) fn parse_frame_lenient(wire: &[u8], masked: bool) -> Option<WireFrame> {
    body(wire, &head(wire, masked)?).map(|(frame, _)| frame)
}

/// All complete frames in `wire`; `exact`: there must be no trailing partial frame.
pub(super) fn parse_frames(mut wire: &[u8], masked: bool, exact: bool) -> Vec<WireFrame> {
    let mut frames = Vec::new();
    while let Some((frame, n)) = parse_frame(wire, masked) {
        frames.push(frame);
        wire = &wire[n..];
    }
    assert!(!exact || wire.is_empty(), "trailing partial frame");
    frames
}

/// Reassembles frames into items as a peer would (§5.4); asserts the order
/// rules, valid text and close bodies, and that only Pongs follow a Close.
/// With `inflater` (permessage-deflate, as the sender agreed it), messages
/// marked with RSV1 are decompressed by it and must be valid DEFLATE, end
/// on a block boundary (RFC 7692 §7.2.1) and keep within the agreed
/// window; without, RSV1 may not appear.
pub(super) fn wire_items(frames: &[WireFrame], mut inflater: Option<&mut Inflater>) -> Vec<Item> {
    let mut items = Vec::new();
    let mut message: Option<(MessageKind, Vec<u8>)> = None;
    let mut compressed = false;
    let mut closed = false;
    for f in frames {
        // §5.5.2: a Pong may follow our Close (a Ping is answered until the
        // peer's Close arrives); nothing else may.
        assert!(!closed || f.opcode == 10, "frame after Close");
        closed |= f.opcode == 8;
        let item = match f.opcode {
            0..=2 => {
                let (_, data) = match (f.opcode, &mut message) {
                    (0, Some(m)) => m,
                    (1 | 2, None) => {
                        compressed = f.rsv1;
                        assert!(!compressed || inflater.is_some(), "RSV1 without deflate");
                        message.insert((kind_of(f.opcode == 2), Vec::new()))
                    }
                    _ => panic!("data frames out of order"),
                };
                data.extend_from_slice(&f.payload);
                if !f.fin {
                    continue;
                }
                let (kind, mut data) = message.take().expect("message in progress");
                if compressed {
                    let inflater = inflater.as_deref_mut().expect("deflate");
                    let d = inflater.message(&data, true, usize::MAX).expect("model");
                    assert!(!d.corrupt, "invalid DEFLATE data: {data:02x?}");
                    assert!(d.clean, "message ends inside a block: {data:02x?}");
                    assert!(!d.far, "distance beyond the agreed window");
                    data = d.data;
                }
                Item::data(kind, data)
            }
            9 => Item::Ping(f.payload.clone()),
            10 => Item::Pong(f.payload.clone()),
            _ => Item::Close(match f.payload.as_slice() {
                [] => None,
                [hi, lo, reason @ ..] => {
                    let code = u16::from_be_bytes([*hi, *lo]);
                    assert!(CloseCode::new(code).is_valid_on_wire(), "close code {code}");
                    let reason = core::str::from_utf8(reason).expect("close reason UTF-8");
                    Some((code, reason.into()))
                }
                [_] => panic!("one-byte Close body"),
            }),
        };
        items.push(item);
    }
    items
}
