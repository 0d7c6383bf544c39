//! Every state transition of a [`Connection`](super::Connection), in one place.
//!
//! A connection has two pieces of state that change as it runs, and this file
//! holds both with every function that changes them (the rule of h11's
//! `_state.py`):
//!
//! - [`Lifecycle`], the closing handshake (§7). Commands and received control
//!   frames move it; [`State`] is what the caller sees of it.
//! - [`Incoming`], the data message being received (§5.4): which kind, how
//!   much of it has been declared, and the frame whose payload is being taken.
//!
//! ```text
//! Lifecycle        event                         next              output queued
//! ---------------  ----------------------------  ----------------  ------------------
//! Open             close()                       Closing           our Close
//! Open             peer's Close                  Closed(Handshake) Close echoing its code (§5.5.1)
//! Closing          peer's Close                  Closed(Handshake) nothing; a pending Pong dropped
//! Open             peer broke the protocol/limit Closed(Failed)    Close with the error's code (§7.1.7)
//! Closing          peer broke the protocol/limit Closed(Failed)    nothing (our Close went out)
//! Open, Closing    EOF, once input is drained    Closed(Eof)       nothing (1006 is never sent, §7.1.5)
//! Closed(_)        anything                      unchanged         nothing; input is discarded
//!
//! Commands allowed: data, Ping, close() only when Open; Pong when Open or
//! Closing (§5.5.2: a Ping is answered until the peer's Close is received).
//!
//! Incoming (per data frame header, §5.4)
//! ---------------------------------------------------------------------------
//! None             Text/Binary header            Some(new message, frame in progress)
//! None             Continuation header           error: UnexpectedContinuation (1002)
//! Some(between)    Continuation header           Some(same message, frame in progress)
//! Some(between)    Text/Binary header            error: ExpectedContinuation (1002)
//! Some(in frame)   payload taken, frame not done Some(in frame)
//! Some(in frame)   frame done, FIN clear         Some(between frames)
//! Some(in frame)   frame done, FIN set           None (message complete)
//! any              peer's Close or a failure     None
//! ```
//!
//! A payload chunk without a message cannot be represented: the frame in
//! progress lives inside the message ([`InMessage::frame`]).

use super::State;
use super::close::CloseCode;
use super::event::MessageKind;
use super::output::{Output, failure_reason};
use crate::config::Config;
use crate::error::{ApiMisuse, Error, LimitError, ProtocolError};
use crate::frame::{FrameHeader, OpCode, Payload};

/// The closing handshake (§7), as a connection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lifecycle {
    /// Messages flow both ways.
    Open,
    /// This side sent its Close and awaits the peer's (§7.1.3).
    Closing,
    /// Nothing more is sent (but a queued Close) or delivered.
    Closed(Ending),
}

/// How a connection came to be [`Lifecycle::Closed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// Both Close frames passed (§7.1.3).
    Handshake,
    /// This side failed the connection (§7.1.7) on an error from the peer.
    Failed,
    /// The transport ended first (§7.1.5, 1006).
    Eof,
}

impl Lifecycle {
    /// What the caller sees.
    #[inline]
    pub(super) fn state(self) -> State {
        match self {
            Self::Open => State::Open,
            Self::Closing => State::Closing,
            Self::Closed(_) => State::Closed,
        }
    }

    #[inline]
    pub(super) fn is_closed(self) -> bool {
        matches!(self, Self::Closed(_))
    }

    /// Data, Ping and Close may be sent only while Open (§5.5.1).
    #[inline]
    pub(super) fn may_send(self) -> Result<(), Error> {
        match self {
            Self::Open => Ok(()),
            Self::Closing | Self::Closed(_) => Err(ApiMisuse::AlreadyClosing.into()),
        }
    }

    /// A Pong may be sent until the peer's Close is received (§5.5.2).
    #[inline]
    pub(super) fn may_pong(self) -> Result<(), Error> {
        match self {
            Self::Open | Self::Closing => Ok(()),
            Self::Closed(_) => Err(ApiMisuse::AlreadyClosing.into()),
        }
    }

    /// Open → Closing: queues our Close (§7.1.2). The caller checked the code and reason.
    pub(super) fn close(
        &mut self,
        tx: &mut Output,
        code: CloseCode,
        reason: &str,
    ) -> Result<(), Error> {
        self.may_send()?;
        tx.write_close(Some(code), reason);
        *self = Self::Closing;
        Ok(())
    }

    /// The peer's Close arrived: the handshake is complete. While Open, the
    /// reply echoing its code is queued (§5.5.1; a pending Pong goes first).
    /// While Closing, a pending Pong is dropped: the peer reads nothing more.
    pub(super) fn close_received(&mut self, tx: &mut Output, code: Option<CloseCode>) {
        match *self {
            Self::Open => tx.write_close(code, ""),
            Self::Closing => tx.drop_pending_pong(),
            // Input is discarded once Closed, so no Close reaches here then.
            Self::Closed(_) => return,
        }
        *self = Self::Closed(Ending::Handshake);
    }

    /// Fails the connection (§7.1.7) on `err`: while Open, queues a Close with
    /// its code (dropping a pending Pong); while Closing, our Close went out
    /// already. A connection already closed stays as it is.
    pub(super) fn fail(&mut self, tx: &mut Output, err: &Error) {
        match *self {
            Self::Open => {
                tx.drop_pending_pong();
                let code = err.close_code().unwrap_or(CloseCode::PROTOCOL_ERROR);
                tx.write_close(Some(code), &failure_reason(err));
            }
            Self::Closing => {}
            Self::Closed(_) => return,
        }
        *self = Self::Closed(Ending::Failed);
    }

    /// The transport ended and all input was drained: an abnormal closure
    /// unless the connection had closed already (§7.1.5).
    pub(super) fn eof(&mut self) -> Result<(), Error> {
        if self.is_closed() {
            return Ok(());
        }
        *self = Self::Closed(Ending::Eof);
        Err(Error::UnexpectedEof)
    }
}

/// The data message being received, if one has started (§5.4).
pub(super) type Incoming = Option<InMessage>;

/// A data message that has started arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct InMessage {
    pub(super) kind: MessageKind,
    /// Declared payload bytes of its frames so far, checked against the limit.
    pub(super) size: u64,
    /// Whether a chunk has been delivered (so the next one is not `is_first`).
    pub(super) started: bool,
    /// Whether the per-message transform applies (its RSV bit was set on the
    /// first frame; see `transform`).
    pub(super) transformed: bool,
    /// The frame whose payload is being taken; `None` between fragments.
    pub(super) frame: Option<Payload>,
}

impl InMessage {
    /// Whether this frame is the whole message and none of it was delivered:
    /// what `poll_message` may lend without a copy.
    #[inline]
    pub(super) fn is_single_frame(&self) -> bool {
        !self.started && self.frame.is_some_and(|f| f.header().fin)
    }
}

/// What a received data chunk is, once taken from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ChunkPlace {
    pub(super) kind: MessageKind,
    pub(super) is_first: bool,
    pub(super) is_last: bool,
    pub(super) transformed: bool,
    /// Payload bytes of this frame still to come: a hint for buffer sizing.
    pub(super) frame_rest: u64,
}

/// Checks a frame header against the connection: RSV bits (§5.2, §9), masking
/// direction (§5.1), and for data frames the fragmentation order (§5.4) and
/// size limits (§10.4). A data header then starts or continues `incoming`.
///
/// `claimed_rsv` are the RSV bits a negotiated extension uses; they are
/// allowed only on the first frame of a data message (RFC 7692 §6.1 asks this
/// of RSV1, and no other extension is defined).
#[inline]
pub(super) fn accept_header(
    incoming: &mut Incoming,
    header: &FrameHeader,
    is_server: bool,
    claimed_rsv: u8,
    config: &Config,
) -> Result<(), Error> {
    let starts_message = matches!(header.opcode, OpCode::Text | OpCode::Binary);
    let allowed_rsv = if starts_message { claimed_rsv } else { 0 };
    if header.rsv & !allowed_rsv != 0 {
        return Err(ProtocolError::ReservedBits(header.rsv).into());
    }
    match (is_server, header.mask.is_some()) {
        (true, false) if !config.get_dangerous_accept_unmasked_frames() => {
            return Err(ProtocolError::UnmaskedFrame.into());
        }
        (false, true) => return Err(ProtocolError::MaskedFrame.into()),
        _ => {}
    }
    if header.opcode.is_control() {
        return Ok(());
    }
    let limit = config.get_max_frame_size();
    if header.payload_len > limit as u64 {
        return Err(LimitError::FrameTooLarge {
            declared: header.payload_len,
            limit,
        }
        .into());
    }
    let message = match (header.opcode, incoming.take()) {
        (OpCode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation.into()),
        (OpCode::Continuation, Some(m)) => m,
        (_, Some(_)) => return Err(ProtocolError::ExpectedContinuation.into()),
        (opcode, None) => InMessage {
            kind: if opcode == OpCode::Text {
                MessageKind::Text
            } else {
                MessageKind::Binary
            },
            size: 0,
            started: false,
            transformed: header.rsv & claimed_rsv != 0,
            frame: None,
        },
    };
    let limit = config.get_max_message_size();
    let size = message
        .size
        .checked_add(header.payload_len)
        .filter(|&s| s <= limit as u64);
    let Some(size) = size else {
        return Err(LimitError::MessageTooLarge { limit }.into());
    };
    *incoming = Some(InMessage {
        size,
        frame: Some(Payload::new(*header)),
        ..message
    });
    Ok(())
}

/// What [`take_chunk`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Taken {
    /// No data frame is in progress: the next bytes are a frame header.
    NoFrame,
    /// The frame in progress needs more bytes; `awaited`, the total wanted
    /// in the buffer when a whole frame is awaited (see `lend_whole`).
    NeedMore { awaited: Option<usize> },
    /// This many bytes were taken from the front of the buffer (unmasked in
    /// place), with where they stand in their message.
    Chunk(usize, ChunkPlace),
}

/// Takes the next payload bytes of the frame in progress from the start of
/// `buf`, unmasking them in place, and moves `incoming` on when the frame or
/// the message ends. With `lend_whole`, an untransformed Binary message sent
/// as one frame is taken only once all of it is in `buf`.
///
/// An empty chunk is taken only where it carries news: the message's first
/// or last (an empty message, or a zero-length final fragment).
#[inline]
pub(super) fn take_chunk(incoming: &mut Incoming, buf: &mut [u8], lend_whole: bool) -> Taken {
    let Some(message) = incoming.as_mut() else {
        return Taken::NoFrame;
    };
    let whole_wanted = lend_whole
        && message.kind == MessageKind::Binary
        && !message.transformed
        && message.is_single_frame();
    let Some(frame) = message.frame.as_mut() else {
        return Taken::NoFrame;
    };
    let remaining = frame.remaining();
    if remaining > 0 && buf.is_empty() {
        return Taken::NeedMore { awaited: None };
    }
    if whole_wanted && (buf.len() as u64) < remaining {
        // `remaining` is at most `max_frame_size`, a usize.
        let awaited = usize::try_from(remaining).ok();
        return Taken::NeedMore { awaited };
    }
    let n = frame.unmask_next(buf);
    let frame_done = frame.is_complete();
    let is_last = frame_done && frame.header().fin;
    let frame_rest = frame.remaining();
    if frame_done {
        message.frame = None;
    }
    let place = ChunkPlace {
        kind: message.kind,
        is_first: !message.started,
        is_last,
        transformed: message.transformed,
        frame_rest,
    };
    message.started = true;
    if is_last {
        *incoming = None;
    }
    Taken::Chunk(n, place)
}

#[cfg(test)]
mod split;
#[cfg(test)]
mod tests;
