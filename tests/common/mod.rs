//! Helpers shared by the integration tests: moving bytes between two cores and
//! collecting what comes out.
#![allow(dead_code)]

use rfc6455::{CloseCode, Connection, Error, Event, Message, MessageKind};

/// Takes everything `conn` has queued for the wire.
pub(crate) fn drain_output(conn: &mut Connection) -> Vec<u8> {
    let out = conn.poll_output().to_vec();
    conn.advance_output(out.len()).unwrap();
    out
}

/// What a receiver saw, in an owned, comparable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<(u16, String)>),
}

impl Seen {
    pub(crate) fn from_message(m: Message<'_>) -> Self {
        match m {
            Message::Text(t) => Self::Text(t.into_owned()),
            Message::Binary(b) => Self::Binary(b.into_owned()),
            Message::Ping(b) => Self::Ping(b.into_owned()),
            Message::Pong(b) => Self::Pong(b.into_owned()),
            Message::Close(c) => Self::Close(c.map(|c| (c.code.as_u16(), c.reason.into_owned()))),
        }
    }
}

/// Feeds `bytes` to `conn` in the given chunk sizes (cycled), collecting whole
/// messages with `poll_message` after every chunk.
pub(crate) fn feed_messages(
    conn: &mut Connection,
    bytes: &[u8],
    chunks: &[usize],
) -> Result<Vec<Seen>, Error> {
    let mut seen = Vec::new();
    for piece in split(bytes, chunks) {
        conn.receive(piece);
        while let Some(m) = conn.poll_message()? {
            seen.push(Seen::from_message(m));
        }
    }
    Ok(seen)
}

/// Splits `bytes` into pieces of the given sizes (cycled; empty: one piece).
pub(crate) fn split<'a>(bytes: &'a [u8], chunks: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < bytes.len() {
        let n = chunks
            .get(i % chunks.len().max(1))
            .copied()
            .unwrap_or(bytes.len())
            .max(1);
        let end = (pos + n).min(bytes.len());
        pieces.push(&bytes[pos..end]);
        pos = end;
        i += 1;
    }
    pieces
}

/// Like `feed_messages` but with the streaming `poll_event` API; chunks of a
/// data message are joined, so the result is comparable with `feed_messages`.
pub(crate) fn feed_events(
    conn: &mut Connection,
    bytes: &[u8],
    chunks: &[usize],
) -> Result<Vec<Seen>, Error> {
    feed_event_pieces(conn, &split(bytes, chunks))
}

/// Feeds each piece in turn, polling events after each.
pub(crate) fn feed_event_pieces(
    conn: &mut Connection,
    pieces: &[&[u8]],
) -> Result<Vec<Seen>, Error> {
    let mut seen = Vec::new();
    let mut partial: Option<Vec<u8>> = None;
    for piece in pieces {
        conn.receive(piece);
        while let Some(e) = conn.poll_event()? {
            match e {
                Event::Data {
                    kind,
                    payload,
                    is_first,
                    is_last,
                } => {
                    assert_eq!(is_first, partial.is_none(), "is_first out of order");
                    let data = partial.get_or_insert_with(Vec::new);
                    data.extend_from_slice(payload);
                    if is_last {
                        let data = partial.take().unwrap();
                        seen.push(match kind {
                            MessageKind::Text => {
                                Seen::Text(String::from_utf8(data).expect("validated"))
                            }
                            MessageKind::Binary => Seen::Binary(data),
                        });
                    }
                }
                Event::Ping(p) => seen.push(Seen::Ping(p.to_vec())),
                Event::Pong(p) => seen.push(Seen::Pong(p.to_vec())),
                Event::Close(c) => seen.push(Seen::Close(
                    c.map(|c| (c.code.as_u16(), c.reason.into_owned())),
                )),
            }
        }
    }
    Ok(seen)
}

/// The close code in the first Close frame found in `wire`, decoded by a peer of `peer_role`.
pub(crate) fn close_code_on_wire(wire: &[u8], peer_role: rfc6455::Role) -> Option<CloseCode> {
    let mut peer = Connection::new(peer_role, rfc6455::Config::default());
    peer.receive(wire);
    loop {
        match peer.poll_event() {
            Ok(Some(Event::Close(c))) => return c.map(|c| c.code),
            Ok(Some(_)) => continue,
            _ => return None,
        }
    }
}

/// Like `feed_messages`, but reads into `read_buf` (at most the chunk size per
/// read, and never more than the slice offered), as a socket read would.
pub(crate) fn feed_messages_read_buf(
    conn: &mut Connection,
    bytes: &[u8],
    chunks: &[usize],
) -> Result<Vec<Seen>, Error> {
    let mut seen = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < bytes.len() {
        let want = chunks
            .get(i % chunks.len().max(1))
            .copied()
            .unwrap_or(bytes.len())
            .max(1);
        let buf = conn.read_buf();
        assert!(!buf.is_empty(), "read_buf offered no room");
        let n = want.min(buf.len()).min(bytes.len() - pos);
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        conn.commit_read(n)?;
        pos += n;
        i += 1;
        while let Some(m) = conn.poll_message()? {
            seen.push(Seen::from_message(m));
        }
    }
    Ok(seen)
}
