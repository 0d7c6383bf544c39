//! Close status codes and Close frame bodies (RFC 6455 §5.5.1, §7.4).

use alloc::borrow::Cow;
use core::fmt;

use crate::error::{Error, ProtocolError};

/// A close status code (RFC 6455 §7.4): a 16-bit number sent first in a Close frame body.
///
/// A newtype rather than an enum so that every code a peer may send
/// (including application codes 3000–4999) is representable; the named
/// constants are the codes RFC 6455 §7.4.1 defines and IANA registered. The
/// number is private: make one with [`CloseCode::new`] or `From<u16>`, read it
/// with [`CloseCode::as_u16`] or `From<CloseCode> for u16`.
///
/// ```
/// use rfc6455::CloseCode;
///
/// let app = CloseCode::new(4000); // 4000–4999: private use (§7.4.2)
/// assert!(app.is_valid_on_wire());
/// assert_eq!(u16::from(CloseCode::NORMAL), 1000);
/// assert_eq!(CloseCode::from(1001), CloseCode::GOING_AWAY);
/// assert!(!CloseCode::NO_STATUS_RECEIVED.is_valid_on_wire()); // 1005 is local only
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(u16);

macro_rules! close_codes {
    ($($(#[$doc:meta])* $name:ident = $value:expr;)*) => {
        impl CloseCode {
            $($(#[$doc])* pub const $name: Self = Self($value);)*
        }
    };
}

close_codes! {
    /// 1000: normal closure; the purpose of the connection was fulfilled (§7.4.1).
    NORMAL = 1000;
    /// 1001: the endpoint is going away, e.g. server shutdown or page navigation (§7.4.1).
    GOING_AWAY = 1001;
    /// 1002: the endpoint is terminating the connection due to a protocol error (§7.4.1).
    PROTOCOL_ERROR = 1002;
    /// 1003: the endpoint received a type of data it cannot accept (§7.4.1).
    UNSUPPORTED_DATA = 1003;
    /// 1005: reserved; means "no status code was present". MUST NOT be sent (§7.4.1).
    NO_STATUS_RECEIVED = 1005;
    /// 1006: reserved; means "closed abnormally, without a Close frame". MUST NOT be sent (§7.4.1).
    ABNORMAL = 1006;
    /// 1007: data within a message was inconsistent with its type, e.g. non-UTF-8 text (§7.4.1).
    INVALID_PAYLOAD = 1007;
    /// 1008: a message violated the endpoint's policy (§7.4.1).
    POLICY_VIOLATION = 1008;
    /// 1009: a message was too big to process (§7.4.1).
    MESSAGE_TOO_BIG = 1009;
    /// 1010: the client expected the server to negotiate an extension it did not (§7.4.1).
    MANDATORY_EXTENSION = 1010;
    /// 1011: the server met an unexpected condition that prevented it from fulfilling the request (IANA registry).
    INTERNAL_ERROR = 1011;
    /// 1012: the service is restarting (IANA registry).
    SERVICE_RESTART = 1012;
    /// 1013: try again later (IANA registry).
    TRY_AGAIN_LATER = 1013;
    /// 1014: a gateway or proxy received an invalid response from upstream (IANA registry).
    BAD_GATEWAY = 1014;
    /// 1015: reserved; means "TLS handshake failed". MUST NOT be sent (§7.4.1).
    TLS_HANDSHAKE = 1015;
}

impl CloseCode {
    /// The code with this number. Any `u16` is representable; whether it may
    /// be sent is [`is_valid_on_wire`](Self::is_valid_on_wire).
    pub const fn new(code: u16) -> Self {
        Self(code)
    }

    /// The 16-bit number sent on the wire.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// Whether this code may appear in a Close frame on the wire (§7.4.1, §7.4.2).
    ///
    /// Allowed: 1000–1003, 1007–1014 (1011–1014 registered with IANA after
    /// RFC 6455), and 3000–4999 (libraries, frameworks and applications).
    /// Everything else — 1004, the local-only 1005/1006/1015, unassigned
    /// 1016–2999 and anything below 1000 or above 4999 — is invalid.
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> Self {
        code.0
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The body of a Close frame that carried a status code (§5.5.1).
///
/// A Close frame with an empty body is represented as `None` where a
/// `CloseFrame` is optional; applications that want a code for it use
/// [`CloseCode::NO_STATUS_RECEIVED`] (1005), as §7.1.5 describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame<'a> {
    /// The status code.
    pub code: CloseCode,
    /// The UTF-8 reason, at most 123 bytes. Not meant for end users (§5.5.1).
    pub reason: Cow<'a, str>,
}

impl CloseFrame<'_> {
    /// Copies the reason so the frame no longer borrows from the connection.
    pub fn into_owned(self) -> CloseFrame<'static> {
        CloseFrame {
            code: self.code,
            reason: Cow::Owned(self.reason.into_owned()),
        }
    }
}

/// The error-to-wire table. It lives here, beside [`CloseCode`], so that
/// `error` (below `frame`) need not import from `connection`.
impl Error {
    /// The close code that this error puts on the wire (§7.4.1), if any.
    ///
    /// `1002` for protocol violations, `1007` for invalid UTF-8, `1009` for a
    /// limit. Caller misuse and an early EOF (reported locally as 1006) send no
    /// Close frame and return `None`.
    #[deny(clippy::wildcard_enum_match_arm)] // a new variant must be classified here by name
    pub fn close_code(&self) -> Option<CloseCode> {
        use ProtocolError::*;
        // No wildcard: a new violation must be given its code here.
        match self {
            Self::Protocol(InvalidUtf8 | InvalidCompressedData) => Some(CloseCode::INVALID_PAYLOAD),
            Self::Protocol(
                ReservedOpcode(_)
                | ReservedBits(_)
                | UnmaskedFrame
                | MaskedFrame
                | LengthTopBitSet
                | NonMinimalLength
                | ControlFrameTooLong
                | FragmentedControlFrame
                | UnexpectedContinuation
                | ExpectedContinuation
                | CloseFrameTooShort
                | InvalidCloseCode(_),
            ) => Some(CloseCode::PROTOCOL_ERROR),
            Self::Limit(_) => Some(CloseCode::MESSAGE_TOO_BIG),
            Self::Api(_) | Self::UnexpectedEof => None,
        }
    }
}

/// Parses a received Close payload (§5.5.1): empty, or a valid code plus a UTF-8 reason.
pub(crate) fn parse_close_payload(payload: &[u8]) -> Result<Option<CloseFrame<'_>>, ProtocolError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ProtocolError::CloseFrameTooShort),
        [hi, lo, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
            if !code.is_valid_on_wire() {
                return Err(ProtocolError::InvalidCloseCode(code.0));
            }
            let reason = core::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
            Ok(Some(CloseFrame {
                code,
                reason: Cow::Borrowed(reason),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_validity_matches_section_7_4() {
        let valid: alloc::vec::Vec<u16> = (0..=u16::MAX)
            .filter(|&c| CloseCode(c).is_valid_on_wire())
            .collect();
        assert_eq!(valid.len(), 4 + 8 + 2000);
        for c in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            assert!(!CloseCode(c).is_valid_on_wire(), "{c}");
        }
        for c in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert!(CloseCode(c).is_valid_on_wire(), "{c}");
        }
    }

    #[test]
    fn number_goes_in_and_out_unchanged() {
        for c in [0, 1000, 1005, 4999, u16::MAX] {
            assert_eq!(CloseCode::new(c).as_u16(), c);
            assert_eq!(u16::from(CloseCode::from(c)), c);
        }
        assert_eq!(CloseCode::new(1011), CloseCode::INTERNAL_ERROR);
        assert_eq!(alloc::format!("{}", CloseCode::new(4000)), "4000");
    }

    #[test]
    fn parses_close_payloads() {
        assert_eq!(parse_close_payload(b""), Ok(None));
        assert_eq!(
            parse_close_payload(b"\x03"),
            Err(ProtocolError::CloseFrameTooShort)
        );
        let f = parse_close_payload(b"\x03\xe8bye").unwrap().unwrap();
        assert_eq!((f.code, &*f.reason), (CloseCode::NORMAL, "bye"));
        assert_eq!(
            parse_close_payload(b"\x03\xed"),
            Err(ProtocolError::InvalidCloseCode(1005))
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8\xff"),
            Err(ProtocolError::InvalidUtf8)
        );
    }
}
