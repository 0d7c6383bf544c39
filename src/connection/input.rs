//! The receive buffer: bytes from the transport that are not decoded yet, and
//! how much room [`Connection::read_buf`](super::Connection::read_buf) offers.
//!
//! Data flows one way: the transport fills this buffer, the decoder takes from
//! its front. The only thing the layers above tell it is [`Input::await_len`]:
//! how many bytes a frame that `poll_message` lends whole still needs, so the
//! next read can be sized to end exactly there.

use alloc::vec::Vec;

use crate::error::{ApiMisuse, Error};

/// The most `read_buf` offers by itself (more only for an awaited frame), and
/// at most `idle_buffer_size`. Reads of 4 KiB cost a system call per 4 KiB
/// under load; this lets a busy connection read 64 KiB at a time while an idle
/// one stays at `read_buffer_size` until it is busy.
pub(super) const MAX_READ_ROOM: usize = 64 * 1024;

/// How much a buffer holding `len` bytes grows by when `additional` more do
/// not fit: at least those, and at most a quarter of what it holds, so its
/// capacity stays within 1.25× its contents plus one read (doubling would
/// allow 2×).
pub(super) fn growth(len: usize, additional: usize) -> usize {
    additional.max(len / 4)
}

/// `buf[pos..end]` is received and not yet decoded; `buf[end..]` is
/// initialised room for `read_buf`.
#[derive(Debug)]
pub(super) struct Input {
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// How much `read_buf` offers: starts at `read_buffer_size`, doubles up to
    /// the connection's maximum while reads fill it.
    room: usize,
    /// The length of the last `read_buf` slice, to see whether a read filled it.
    last_offer: usize,
    /// Bytes wanted from `pos` before the decoder goes on: the rest of a frame
    /// `poll_message` lends whole.
    awaited: Option<usize>,
    /// The transport's read side ended (`receive_eof`).
    pub(super) ended: bool,
}

impl Input {
    pub(super) fn new(room: usize) -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            end: 0,
            room,
            last_offer: 0,
            awaited: None,
            ended: false,
        }
    }

    /// The received bytes not yet decoded.
    #[inline]
    pub(super) fn unread(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    #[inline]
    pub(super) fn unread_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.pos..self.end]
    }

    /// Where [`unread`](Self::unread) starts in [`bytes`](Self::bytes).
    #[inline]
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// The whole buffer, for borrowing ranges handed out earlier.
    #[inline]
    pub(super) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.end - self.pos
    }

    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    pub(super) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Marks `n` bytes from the front as decoded.
    #[inline]
    pub(super) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.len());
        self.pos += n.min(self.len());
    }

    /// Drops everything received and not decoded.
    #[inline]
    pub(super) fn discard(&mut self) {
        self.pos = self.end;
        self.awaited = None;
    }

    /// The decoder waits for `total` bytes from the front (see the module docs).
    #[inline]
    pub(super) fn await_len(&mut self, total: usize) {
        self.awaited = Some(total);
    }

    /// The decoder no longer waits for a particular length.
    #[inline]
    pub(super) fn stop_awaiting(&mut self) {
        self.awaited = None;
    }

    /// Bytes still missing for what the decoder awaits, if it awaits anything.
    #[inline]
    pub(super) fn missing(&self) -> Option<usize> {
        self.awaited
            .and_then(|total| total.checked_sub(self.len()))
            .filter(|&m| m > 0)
    }

    /// Appends `data` (`Connection::receive`).
    pub(super) fn extend(&mut self, data: &[u8]) {
        self.compact();
        self.buf.truncate(self.end);
        if self.buf.capacity() - self.buf.len() < data.len() {
            self.buf.reserve_exact(growth(self.len(), data.len()));
        }
        self.buf.extend_from_slice(data);
        self.end = self.buf.len();
    }

    /// The room for the next read (`Connection::read_buf`); `idle_budget` is
    /// the idle buffer size, the largest buffer worth keeping between frames.
    pub(super) fn room(&mut self, idle_budget: usize) -> &mut [u8] {
        self.compact();
        let room = self.room;
        let Some(missing) = self.missing() else {
            let spare = self.buf.len() - self.end;
            if spare < room {
                // Offer all the capacity held, for fewer, larger reads.
                self.buf.reserve_exact(room - spare);
                self.buf.resize(self.buf.capacity(), 0);
            }
            self.last_offer = self.buf.len() - self.end;
            return &mut self.buf[self.end..];
        };
        // A frame is awaited whole: offer exactly its rest, so the read ends at
        // the frame's end and the buffer empties when the message is taken. A
        // frame larger than the idle size gets one read's room more: under
        // load the read brings the next frame's start and the buffer is
        // reused; a quiet peer sends only the rest, and the emptied buffer is
        // released. Growth is a quarter of what has arrived.
        let offer = |buf: &[u8], len: usize, end: usize| {
            let extra = if len + missing > idle_budget { room } else { 0 };
            let most = room.max(buf.len() - end).max(growth(len, 0));
            (missing + extra).min(most)
        };
        // No move of the frame to the front here: `compact` above already
        // moved it if that frees at least as much as it copies. Moving a
        // 64 KiB frame to reclaim its 14-byte header would copy every message
        // once more; the consumed bytes carried instead are fewer than the
        // frame's, and are dropped when the buffer empties.
        let want = offer(&self.buf, self.len(), self.end);
        if self.buf.len() - self.end < want {
            let end = self.end + want;
            self.buf.reserve_exact(end - self.buf.len());
            self.buf.resize(end, 0);
        }
        // A read filling an exact rest says nothing about the load.
        self.last_offer = 0;
        &mut self.buf[self.end..self.end + want]
    }

    /// Records that `n` bytes were read into [`room`](Self::room); a read that
    /// filled a plain offer doubles the next one, up to `max_room`.
    pub(super) fn commit(&mut self, n: usize, max_room: usize) -> Result<(), Error> {
        if n > self.buf.len() - self.end {
            return Err(ApiMisuse::AdvancedTooFar.into());
        }
        self.end += n;
        if n > 0 && n == self.last_offer && self.room < max_room {
            self.room = (self.room * 2).min(max_room);
        }
        Ok(())
    }

    /// Resets the read offer (`shrink_buffers`).
    pub(super) fn reset_room(&mut self, room: usize) {
        self.room = room;
    }

    /// Moves undecoded bytes to the front when that costs less than the bytes
    /// it frees, keeping the total work linear in the input.
    fn compact(&mut self) {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        } else if self.pos > 0 && self.len() <= self.pos {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
    }

    /// Releases all capacity if nothing is buffered.
    pub(super) fn release(&mut self) {
        if self.is_empty() {
            self.pos = 0;
            self.end = 0;
            self.buf = Vec::new();
        }
    }

    /// Gives back up to `over` bytes of capacity if nothing is buffered.
    /// Shrunk rather than freed: the allocator can usually do both this and
    /// the next message's growth in place, and the bytes kept stay
    /// initialised for `read_buf`.
    pub(super) fn shrink_by(&mut self, over: usize) {
        if self.is_empty() && over > 0 {
            let keep = self.buf.capacity().saturating_sub(over);
            self.pos = 0;
            self.end = 0;
            self.buf.truncate(keep);
            self.buf.shrink_to(keep);
        }
    }
}
