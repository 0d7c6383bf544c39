//! What a receiver saw, and the receiving loop with the checks every target shares.

use std::string::String;
use std::vec::Vec;

use rfc6455::connection::State;
use rfc6455::extension::Negotiated;
use rfc6455::frame::MAX_HEADER_LEN;
use rfc6455::{CloseCode, Config, Connection, Error, Event, Message, MessageKind, Role};

/// The largest frame this crate's connections write on their own: a Pong or Close.
pub(super) const CONTROL_FRAME: usize = MAX_HEADER_LEN + 125;

/// One received message or control frame, owned and comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<(u16, String)>),
}

impl Item {
    pub(super) fn data(kind: MessageKind, bytes: Vec<u8>) -> Self {
        match kind {
            MessageKind::Text => Self::Text(String::from_utf8(bytes).expect("text is UTF-8")),
            MessageKind::Binary => Self::Binary(bytes),
        }
    }
}

/// How a receiver polls: streaming, whole messages, or (misuse, must not
/// panic) switching between the two on every drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Events,
    Messages,
    Mixed,
}

/// A connection plus the checks every receive goes through.
pub(super) struct Receiver {
    pub(super) conn: Connection,
    pub(super) mode: Mode,
    pub(super) read_buf: bool,
    /// The streamed data message in progress (`Mode::Events`).
    pub(super) partial: Option<(MessageKind, Vec<u8>)>,
    pub(super) items: Vec<Item>,
    /// Events or messages returned, and bytes received: the work stays linear.
    pub(super) polls: usize,
    pub(super) fed: usize,
    pub(super) errors: usize,
    pub(super) flip: bool,
    /// Events allowed per byte received: 1, or more when a byte may
    /// decompress into several events' worth (at most 1032 bytes, and a
    /// decompressed event carries at least 1 KiB unless its chunk ran out).
    pub(super) events_per_byte: usize,
}

impl Receiver {
    pub(super) fn new(role: Role, config: Config, mode: Mode, read_buf: bool) -> Self {
        Self {
            conn: Connection::with_mask_seed(role, config, [0x5A; 32]),
            mode,
            read_buf,
            partial: None,
            items: Vec::new(),
            polls: 0,
            fed: 0,
            errors: 0,
            flip: false,
            events_per_byte: 1,
        }
    }

    /// The receiver with `negotiated` extensions applied (permessage-deflate).
    pub(super) fn with_extensions(self, negotiated: &Negotiated) -> Self {
        let conn = self.conn.with_extensions(negotiated);
        assert_eq!(conn.extensions(), negotiated);
        super::touch::negotiated(conn.extensions());
        Self {
            conn,
            events_per_byte: if negotiated.is_empty() { 1 } else { 4 },
            ..self
        }
    }

    /// Hands `bytes` over through `receive` or through `read_buf` + `commit_read`.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        self.fed += bytes.len();
        if !self.read_buf {
            self.conn.receive(bytes);
            return;
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            let least = self.conn.config().get_read_buffer_size();
            let awaiting_frame = self.conn.is_awaiting_frame_rest();
            let buf = self.conn.read_buf();
            // Less than `read_buffer_size` only as the exact rest of a frame.
            assert!(!buf.is_empty(), "read_buf offered nothing");
            assert!(
                buf.len() >= least || awaiting_frame,
                "read_buf smaller than read_buffer_size"
            );
            let n = buf.len().min(rest.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.conn
                .commit_read(n)
                .expect("commit_read within read_buf");
            rest = &rest[n..];
        }
    }

    /// Polls until `None`, returning the error if one ends the loop. Only one
    /// error is ever returned; after it, after EOF or after a Close, nothing more.
    pub(super) fn drain(&mut self) -> Option<Error> {
        let events = match self.mode {
            Mode::Events => true,
            Mode::Messages => false,
            Mode::Mixed => {
                self.flip = !self.flip;
                self.flip
            }
        };
        let stopped = self.errors > 0 || self.closed();
        let before = self.polls;
        let result = loop {
            let more = if events {
                self.poll_event()
            } else {
                self.poll_message()
            };
            match more {
                Ok(true) => self.polls += 1,
                Ok(false) => break None,
                Err(e) => break Some(e),
            }
            assert!(
                self.polls <= self.events_per_byte * self.fed + 2,
                "more events than bytes received"
            );
        };
        if let Some(e) = &result {
            super::touch::error(e);
            self.errors += 1;
            assert_eq!(self.errors, 1, "a second error: {result:?}");
            assert_eq!(self.conn.state(), State::Closed);
        }
        if stopped {
            assert_eq!(self.polls, before, "events after an error or a Close");
            assert!(result.is_none(), "error after an error or a Close");
        }
        result
    }

    fn closed(&self) -> bool {
        matches!(self.items.last(), Some(Item::Close(_)))
    }

    fn poll_event(&mut self) -> Result<bool, Error> {
        let Some(event) = self.conn.poll_event()? else {
            return Ok(false);
        };
        super::touch::event(&event);
        let item = match event {
            Event::Data {
                kind,
                payload,
                is_first,
                is_last,
            } => {
                if self.mode == Mode::Mixed {
                    return Ok(true);
                }
                assert_eq!(is_first, self.partial.is_none(), "is_first out of order");
                let (k, bytes) = self.partial.get_or_insert_with(|| (kind, Vec::new()));
                assert_eq!(*k, kind, "kind changed within a message");
                bytes.extend_from_slice(payload);
                // The limit holds as the message streams in, not only at its end.
                assert!(bytes.len() <= self.conn.config().get_max_message_size());
                if !is_last {
                    return Ok(true);
                }
                let (kind, bytes) = self.partial.take().expect("message in progress");
                Item::data(kind, bytes)
            }
            Event::Ping(p) => Item::Ping(p.to_vec()),
            Event::Pong(p) => Item::Pong(p.to_vec()),
            Event::Close(c) => Item::Close(c.map(|c| (c.code.as_u16(), c.reason.into_owned()))),
        };
        self.push(item);
        Ok(true)
    }

    fn poll_message(&mut self) -> Result<bool, Error> {
        // `poll_message` is this call without the send half.
        let Some((message, sender)) = self.conn.poll_message_and_sender()? else {
            return Ok(false);
        };
        super::touch::message(&message);
        super::touch::debug(&sender);
        let item = match message {
            Message::Text(t) => Item::Text(t.into_owned()),
            Message::Binary(b) => Item::Binary(b.into_owned()),
            Message::Ping(p) => Item::Ping(p.into_owned()),
            Message::Pong(p) => Item::Pong(p.into_owned()),
            Message::Close(c) => Item::Close(c.map(|c| (c.code.as_u16(), c.reason.into_owned()))),
        };
        if self.mode != Mode::Mixed || !matches!(item, Item::Text(_) | Item::Binary(_)) {
            self.push(item);
        }
        Ok(true)
    }

    fn push(&mut self, item: Item) {
        match &item {
            Item::Ping(p) | Item::Pong(p) => assert!(p.len() <= 125),
            Item::Close(c) => {
                assert_eq!(self.conn.state(), State::Closed);
                if let Some((code, reason)) = c {
                    assert!(CloseCode::new(*code).is_valid_on_wire());
                    assert!(reason.len() <= 123);
                }
            }
            Item::Binary(b) => assert!(b.len() <= self.conn.config().get_max_message_size()),
            Item::Text(t) => assert!(t.len() <= self.conn.config().get_max_message_size()),
        }
        self.items.push(item);
    }

    /// Writes `poll_output` into `wire` (`all`: until empty; else about half, once).
    pub(super) fn write(&mut self, wire: &mut Vec<u8>, all: bool) {
        loop {
            let out = self.conn.poll_output();
            if out.is_empty() {
                assert!(
                    !self.conn.wants_write(),
                    "wants_write with nothing to write"
                );
                return;
            }
            let n = if all {
                out.len()
            } else {
                out.len().div_ceil(2)
            };
            wire.extend_from_slice(&out[..n]);
            self.conn
                .advance_output(n)
                .expect("advance within poll_output");
            if !all {
                return;
            }
        }
    }
}
