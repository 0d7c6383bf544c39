//! Incremental search for the end of an HTTP header block, shared by both
//! sides of the handshake.
//!
//! Bytes may arrive in any split. Each byte is looked at once, when it first
//! arrives: a small state machine remembers how much of the terminating empty
//! line it has seen, so a `\r\n\r\n` split across feeds is still found and no
//! feed re-reads the buffer. `httparse` then runs once on the complete block.
//! Re-parsing the whole buffer on every read made a byte-at-a-time handshake
//! quadratic in tungstenite (CVE-2023-43669); `bytes_scanned` lets a test
//! prove the work here is linear.
//!
//! ```text
//!  state        byte      next
//!  Preamble     CR | LF   Preamble    (empty lines before the start line, RFC 7230 §3.5)
//!  Preamble     tchar     Text
//!  Preamble     other     error       (not HTTP, e.g. a TLS ClientHello)
//!  Text         LF        LineEnd
//!  Text         other     Text
//!  LineEnd      LF        done        (bare-LF empty line)
//!  LineEnd      CR        LineEndCr
//!  LineEnd      other     Text
//!  LineEndCr    LF        done        (CRLF empty line)
//!  LineEndCr    other     Text
//! ```

use alloc::vec::Vec;

use super::error::HandshakeError;

use super::http::HeadError;
use super::tokens::is_tchar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preamble,
    Text,
    LineEnd,
    LineEndCr,
}

/// Buffers a header block until its empty line, and keeps what follows.
#[derive(Debug, Clone)]
pub(crate) struct HeadScanner {
    head: Vec<u8>,
    leftover: Vec<u8>,
    state: State,
    complete: bool,
    max_head_bytes: usize,
    scanned: usize,
}

impl HeadScanner {
    pub(crate) fn new(max_head_bytes: usize) -> Self {
        Self {
            head: Vec::new(),
            leftover: Vec::new(),
            state: State::Preamble,
            complete: false,
            max_head_bytes,
            scanned: 0,
        }
    }

    /// Takes new bytes. Returns `Ok(true)` once the block is complete (then
    /// [`head`](Self::head) is the block and later bytes are leftover),
    /// `Ok(false)` while it is not, and `TooLarge` when `max_head_bytes`
    /// pass without an empty line. Looks at no byte twice and at most
    /// `max_head_bytes` bytes in all.
    pub(crate) fn push(&mut self, data: &[u8]) -> Result<bool, HeadError> {
        if self.complete {
            self.leftover.extend_from_slice(data);
            return Ok(true);
        }
        let room = self.max_head_bytes.saturating_sub(self.head.len());
        let window = &data[..data.len().min(room)];
        for (i, &b) in window.iter().enumerate() {
            self.scanned += 1;
            self.state = match (self.state, b) {
                (State::Preamble, b'\r' | b'\n') => State::Preamble,
                // A method or `HTTP/` starts with a tchar; fail fast on
                // anything else, e.g. a TLS ClientHello (0x16 0x03 ...).
                (State::Preamble, b) if !is_tchar(b) => {
                    self.head.extend_from_slice(&data[..=i]);
                    return Err(HeadError::Malformed("not an HTTP/1.x message"));
                }
                (State::LineEnd | State::LineEndCr, b'\n') => {
                    self.head.extend_from_slice(&data[..=i]);
                    self.leftover.extend_from_slice(&data[i + 1..]);
                    self.complete = true;
                    return Ok(true);
                }
                (_, b'\n') => State::LineEnd,
                (State::LineEnd, b'\r') => State::LineEndCr,
                _ => State::Text,
            };
        }
        self.head.extend_from_slice(window);
        if window.len() < data.len() {
            return Err(HeadError::TooLarge);
        }
        Ok(false)
    }

    /// The header block so far (complete once `push` said so).
    /// The step both parsers share: refuses input after completion, scans
    /// `data`, and says whether the head is complete (marking the parse, and
    /// the parser finished, once it is or once it failed). `to_error` names
    /// the side's errors.
    pub(crate) fn feed(
        &mut self,
        finished: &mut bool,
        data: &[u8],
        to_error: impl Fn(HeadError) -> HandshakeError,
    ) -> Result<bool, HandshakeError> {
        if *finished {
            return Err(HandshakeError::ParserFinished);
        }
        let complete = self.push(data).map_err(|e| {
            *finished = true;
            to_error(e)
        })?;
        if complete {
            *finished = true;
            self.note_parse();
        }
        Ok(complete)
    }

    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// Bytes received after the header block.
    pub(crate) fn leftover(&self) -> &[u8] {
        &self.leftover
    }

    pub(crate) fn into_leftover(self) -> Vec<u8> {
        self.leftover
    }

    /// Records a pass of the parser over the complete block, so the counter
    /// covers all work done per input byte.
    pub(crate) fn note_parse(&mut self) {
        self.scanned += self.head.len();
    }

    /// Bytes looked at so far, by the scan and by the one parse.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn bytes_scanned(&self) -> usize {
        self.scanned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(parts: &[&[u8]]) -> (Result<bool, HeadError>, HeadScanner) {
        let mut s = HeadScanner::new(64);
        let mut r = Ok(false);
        for p in parts {
            r = s.push(p);
            if r.is_err() {
                break;
            }
        }
        (r, s)
    }

    #[test]
    fn terminator_split_across_feeds() {
        let (r, s) = feed_all(&[b"GET / HTTP/1.1\r", b"\n", b"\r", b"\nABC"]);
        assert_eq!(r, Ok(true));
        assert_eq!(s.head(), b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(s.leftover(), b"ABC");
        assert_eq!(s.bytes_scanned(), 18);
    }

    #[test]
    fn bare_lf_and_preamble() {
        let (r, s) = feed_all(&[b"\r\n\r\nGET / HTTP/1.1\nA: b\n\nx"]);
        assert_eq!(r, Ok(true));
        assert_eq!(s.leftover(), b"x");
        let (r, _) = feed_all(&[b"GET / HTTP/1.1\r\nA: b\r\n\rX"]);
        assert_eq!(r, Ok(false));
    }

    #[test]
    fn limit_stops_scanning() {
        let big = [b'a'; 1000];
        let (r, s) = feed_all(&[&big]);
        assert_eq!(r, Err(HeadError::TooLarge));
        assert_eq!(s.bytes_scanned(), 64);
        let mut exact = [b'a'; 64];
        exact[60..].copy_from_slice(b"\r\n\r\n");
        assert_eq!(feed_all(&[&exact]).0, Ok(true));
    }

    #[test]
    fn tls_client_hello_fails_at_first_byte() {
        let (r, s) = feed_all(&[&[0x16, 0x03, 0x01, 0x02, 0x00]]);
        assert_eq!(r, Err(HeadError::Malformed("not an HTTP/1.x message")));
        assert_eq!(s.bytes_scanned(), 1);
    }

    #[test]
    fn later_bytes_are_leftover() {
        let mut s = HeadScanner::new(64);
        assert_eq!(s.push(b"A\n\n1"), Ok(true));
        assert_eq!(s.push(b"23"), Ok(true));
        assert_eq!(s.into_leftover(), b"123");
    }
}
