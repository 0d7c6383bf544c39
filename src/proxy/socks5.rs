//! SOCKS5 (RFC 1928) with user/password authentication (RFC 1929), sans-IO.
//!
//! ```text
//! state         output queued on entry           reply read          next
//! AwaitMethod   greeting 05 n methods...        05 method           00: AwaitReply, 02: AwaitAuth
//! AwaitAuth     01 ulen user plen pass          01 status           00: AwaitReply, else error
//! AwaitReply    05 01 00 atyp addr port         05 rep 00 atyp ...  00: Open, else error
//! ```
//!
//! Each reply is gathered in a buffer of at most 262 bytes (the longest
//! reply: a 255-byte name, RFC 1928 §6); a reply's version and code are
//! checked as soon as they arrive.

use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use super::TunnelStatus;
use super::error::ProxyError;
use super::url::Credentials;

/// A SOCKS5 reply code (the REP field, RFC 1928 §6), named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocksReply(pub u8);

impl SocksReply {
    /// `X'01'` general SOCKS server failure.
    pub const GENERAL_FAILURE: Self = Self(1);
    /// `X'02'` connection not allowed by ruleset.
    pub const NOT_ALLOWED: Self = Self(2);
    /// `X'03'` network unreachable.
    pub const NETWORK_UNREACHABLE: Self = Self(3);
    /// `X'04'` host unreachable.
    pub const HOST_UNREACHABLE: Self = Self(4);
    /// `X'05'` connection refused.
    pub const CONNECTION_REFUSED: Self = Self(5);
    /// `X'06'` TTL expired.
    pub const TTL_EXPIRED: Self = Self(6);
    /// `X'07'` command not supported.
    pub const COMMAND_NOT_SUPPORTED: Self = Self(7);
    /// `X'08'` address type not supported.
    pub const ADDRESS_TYPE_NOT_SUPPORTED: Self = Self(8);

    /// The RFC's name for the code, or `"unassigned"` (`X'09'` to `X'FF'`).
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "succeeded",
            1 => "general SOCKS server failure",
            2 => "connection not allowed by ruleset",
            3 => "network unreachable",
            4 => "host unreachable",
            5 => "connection refused",
            6 => "TTL expired",
            7 => "command not supported",
            8 => "address type not supported",
            _ => "unassigned",
        }
    }
}

impl fmt::Display for SocksReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.name(), self.0)
    }
}

/// Where the SOCKS5 proxy should connect: a name it resolves (`socks5h`),
/// or an address the client resolved (`socks5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksTarget<'a> {
    /// A domain name (ATYP `X'03'`), 1 to 255 bytes.
    Name(&'a str),
    /// An IPv4 (ATYP `X'01'`) or IPv6 (ATYP `X'04'`) address.
    Addr(IpAddr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitMethod,
    AwaitAuth,
    AwaitReply,
    Done,
}

const NO_AUTH: u8 = 0x00;
const USER_PASSWORD: u8 = 0x02;

/// A SOCKS5 CONNECT negotiation: greeting, optional RFC 1929
/// authentication, the CONNECT request and its reply.
///
/// ```
/// use rfc6455::proxy::{Socks5Connect, SocksTarget, TunnelStatus};
///
/// let mut socks = Socks5Connect::new(SocksTarget::Name("example.com"), 80, None)?;
/// assert_eq!(socks.poll_output(), [5, 1, 0]); // version 5, one method: no auth
/// socks.advance_output(3);
/// assert_eq!(socks.feed(&[5, 0])?, TunnelStatus::Pending);
/// assert!(socks.poll_output().starts_with(&[5, 1, 0, 3, 11])); // CONNECT example.com
/// let n = socks.poll_output().len();
/// socks.advance_output(n);
/// assert_eq!(socks.feed(&[5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90])?, TunnelStatus::Open);
/// # Ok::<(), rfc6455::proxy::ProxyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Socks5Connect {
    state: State,
    out: Vec<u8>,
    sent: usize,
    reply: Vec<u8>,
    auth: Option<Vec<u8>>,
    request: Vec<u8>,
    leftover: Vec<u8>,
}

impl Socks5Connect {
    /// A negotiation for `target:port`, offering user/password (method
    /// `X'02'`) besides no authentication when `credentials` are given.
    pub fn new(
        target: SocksTarget<'_>,
        port: u16,
        credentials: Option<&Credentials>,
    ) -> Result<Self, ProxyError> {
        // RFC 1928 §4: VER CMD=CONNECT RSV ATYP DST.ADDR DST.PORT.
        let mut request = Vec::from([5, 1, 0]);
        match target {
            SocksTarget::Name(name) => {
                let name = name.trim_start_matches('[').trim_end_matches(']');
                let len = u8::try_from(name.len()).map_err(|_| ProxyError::InvalidTarget)?;
                if len == 0 {
                    return Err(ProxyError::InvalidTarget);
                }
                request.extend_from_slice(&[3, len]);
                request.extend_from_slice(name.as_bytes());
            }
            SocksTarget::Addr(IpAddr::V4(a)) => {
                request.push(1);
                request.extend_from_slice(&a.octets());
            }
            SocksTarget::Addr(IpAddr::V6(a)) => {
                request.push(4);
                request.extend_from_slice(&a.octets());
            }
        }
        request.extend_from_slice(&port.to_be_bytes());
        let auth = credentials.map(auth_request).transpose()?;
        let out = if auth.is_some() {
            Vec::from([5, 2, NO_AUTH, USER_PASSWORD])
        } else {
            Vec::from([5, 1, NO_AUTH])
        };
        Ok(Self {
            state: State::AwaitMethod,
            out,
            sent: 0,
            reply: Vec::with_capacity(MAX_REPLY),
            auth,
            request,
            leftover: Vec::new(),
        })
    }

    /// The bytes to write now.
    pub fn poll_output(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// Marks `n` bytes of [`poll_output`](Self::poll_output) as written.
    pub fn advance_output(&mut self, n: usize) {
        self.sent = self.sent.saturating_add(n).min(self.out.len());
    }

    /// Takes bytes from the proxy: `Pending` while a reply is incomplete or
    /// the next request was queued (write [`poll_output`](Self::poll_output)),
    /// `Open` once the CONNECT reply succeeded. A truncated reply stays
    /// `Pending`: the adapter reports [`ProxyError::Closed`] at the end of
    /// the stream.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<TunnelStatus, ProxyError> {
        if self.state == State::Done {
            return Err(ProxyError::Finished);
        }
        // Bounded: each pass consumes at least one byte or returns.
        while !bytes.is_empty() {
            let need = match self.needed() {
                Ok(n) => n,
                Err(e) => return Err(self.fail(e)),
            };
            let take = need.saturating_sub(self.reply.len()).min(bytes.len());
            self.reply.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            match self.check() {
                Err(e) => return Err(self.fail(e)),
                Ok(false) => {}
                Ok(true) => {
                    if self.state == State::Done {
                        self.leftover.extend_from_slice(bytes);
                        return Ok(TunnelStatus::Open);
                    }
                }
            }
        }
        Ok(TunnelStatus::Pending)
    }

    /// Bytes received after the CONNECT reply: the target's first bytes.
    pub fn leftover(&self) -> &[u8] {
        &self.leftover
    }

    fn fail(&mut self, e: ProxyError) -> ProxyError {
        self.state = State::Done;
        e
    }

    /// How many bytes the reply being read has in all, as far as known.
    fn needed(&self) -> Result<usize, ProxyError> {
        let r = &self.reply;
        Ok(match self.state {
            State::AwaitMethod | State::AwaitAuth => 2,
            State::AwaitReply => match r.get(3) {
                None => 4,
                Some(1) => 4 + 4 + 2,
                Some(4) => 4 + 16 + 2,
                Some(3) => r.get(4).map_or(5, |&len| 5 + usize::from(len) + 2),
                Some(&atyp) => return Err(ProxyError::AddressType { atyp }),
            },
            State::Done => 0,
        })
    }

    /// Checks what has arrived of the current reply; `Ok(true)` once it is
    /// complete and acted on (the next request queued, or the tunnel open).
    fn check(&mut self) -> Result<bool, ProxyError> {
        let r = &self.reply;
        match self.state {
            State::AwaitMethod => {
                if r[0] != 5 {
                    return Err(ProxyError::SocksVersion { got: r[0] });
                }
                let Some(&method) = r.get(1) else {
                    return Ok(false);
                };
                match (method, self.auth.take()) {
                    (NO_AUTH, _) => self.next(State::AwaitReply, None),
                    (USER_PASSWORD, Some(auth)) => self.next(State::AwaitAuth, Some(auth)),
                    (0xff, _) => return Err(ProxyError::NoAcceptableMethod),
                    (method, _) => return Err(ProxyError::UnofferedMethod { method }),
                }
            }
            State::AwaitAuth => {
                // RFC 1929 §2: VER = X'01', STATUS = X'00' for success.
                if r[0] != 1 {
                    return Err(ProxyError::AuthVersion { got: r[0] });
                }
                match r.get(1) {
                    None => return Ok(false),
                    Some(0) => self.next(State::AwaitReply, None),
                    Some(&status) => return Err(ProxyError::AuthRejected { status }),
                }
            }
            State::AwaitReply => {
                if r[0] != 5 {
                    return Err(ProxyError::SocksVersion { got: r[0] });
                }
                match r.get(1) {
                    None | Some(0) => {}
                    Some(&code) => return Err(ProxyError::SocksFailure(SocksReply(code))),
                }
                // RSV (r[2]) is not checked: it carries nothing.
                if r.len() < self.needed()? {
                    return Ok(false);
                }
                self.state = State::Done;
            }
            State::Done => return Err(ProxyError::Finished),
        }
        Ok(true)
    }

    /// Moves to `state` with a fresh reply buffer, queueing the auth
    /// sub-negotiation (if given) or the CONNECT request.
    fn next(&mut self, state: State, auth: Option<Vec<u8>>) {
        self.state = state;
        self.reply.clear();
        let message = match auth {
            Some(auth) => auth,
            None => core::mem::take(&mut self.request),
        };
        self.out.drain(..self.sent);
        self.sent = 0;
        self.out.extend_from_slice(&message);
    }
}

/// The longest reply: VER REP RSV ATYP, a length byte, 255 name bytes, a port.
const MAX_REPLY: usize = 4 + 1 + 255 + 2;

/// RFC 1929 §2: VER=1 ULEN UNAME PLEN PASSWD.
fn auth_request(c: &Credentials) -> Result<Vec<u8>, ProxyError> {
    let (user, pass) = (c.username().as_bytes(), c.password().as_bytes());
    let (Ok(ulen), Ok(plen)) = (u8::try_from(user.len()), u8::try_from(pass.len())) else {
        return Err(ProxyError::CredentialsTooLong);
    };
    if ulen == 0 {
        return Err(ProxyError::CredentialsTooLong);
    }
    let mut out = Vec::from([1, ulen]);
    out.extend_from_slice(user);
    out.push(plen);
    out.extend_from_slice(pass);
    Ok(out)
}

#[cfg(test)]
#[path = "socks5_tests.rs"]
mod tests;
