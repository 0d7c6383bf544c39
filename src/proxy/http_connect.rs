//! HTTP CONNECT (RFC 9110 §9.3.6): ask an HTTP proxy for a tunnel to
//! `host:port`, sans-IO.
//!
//! ```text
//! new ──poll_output──▶ CONNECT request bytes (advance_output as written)
//! bytes ──feed──▶ Pending                      (read more, feed again)
//!               ──▶ Open                       (2xx: the tunnel; leftover() is the target's)
//!               ──▶ Err(AuthRequired | Refused) (407, other statuses)
//! ```

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine as _;

use super::TunnelStatus;
use super::error::ProxyError;
use super::url::Credentials;
use crate::handshake::{HandshakeLimits, HeadError, HeadScanner, HttpResponse};

/// A CONNECT request and the reading of the proxy's answer.
#[derive(Debug, Clone)]
pub struct HttpConnect {
    out: Vec<u8>,
    sent: usize,
    scan: HeadScanner,
    limits: HandshakeLimits,
    done: bool,
}

impl HttpConnect {
    /// A CONNECT for `host:port` (a name, an IPv4 address or an IPv6
    /// address, with or without brackets), with `Proxy-Authorization: Basic`
    /// (RFC 7617) if `credentials` are given. `limits` bound the proxy's
    /// response head.
    ///
    /// ```
    /// use rfc6455::handshake::HandshakeLimits;
    /// use rfc6455::proxy::{HttpConnect, TunnelStatus};
    ///
    /// let mut connect = HttpConnect::new("example.com", 443, None, HandshakeLimits::default())?;
    /// assert!(connect.poll_output().starts_with(b"CONNECT example.com:443 HTTP/1.1\r\n"));
    /// let n = connect.poll_output().len();
    /// connect.advance_output(n);
    /// let status = connect.feed(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    /// assert_eq!(status, TunnelStatus::Open);
    /// # Ok::<(), rfc6455::proxy::ProxyError>(())
    /// ```
    pub fn new(
        host: &str,
        port: u16,
        credentials: Option<&Credentials>,
        limits: HandshakeLimits,
    ) -> Result<Self, ProxyError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        // The authority goes into the request line: no byte that could end it.
        let ok = |b: u8| b.is_ascii_graphic() && !b"/?#@[]".contains(&b);
        if host.is_empty() || !host.bytes().all(ok) {
            return Err(ProxyError::InvalidTarget);
        }
        let authority = if host.contains(':') {
            alloc::format!("[{host}]:{port}")
        } else {
            alloc::format!("{host}:{port}")
        };
        let mut out = Vec::new();
        // RFC 9110 §9.3.6: the authority-form target, and Host with the same.
        for part in [
            "CONNECT ",
            &authority,
            " HTTP/1.1\r\nHost: ",
            &authority,
            "\r\n",
        ] {
            out.extend_from_slice(part.as_bytes());
        }
        if let Some(c) = credentials {
            let mut pair = String::from(c.username());
            pair.push(':');
            pair.push_str(c.password());
            let token = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
            out.extend_from_slice(b"Proxy-Authorization: Basic ");
            out.extend_from_slice(token.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        Ok(Self {
            out,
            sent: 0,
            scan: HeadScanner::new(limits.max_head_bytes),
            limits,
            done: false,
        })
    }

    /// The request bytes not yet written.
    pub fn poll_output(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// Marks `n` bytes of [`poll_output`](Self::poll_output) as written.
    pub fn advance_output(&mut self, n: usize) {
        self.sent = self.sent.saturating_add(n).min(self.out.len());
    }

    /// Takes bytes from the proxy. `Pending` until the response head is
    /// complete; then `Open` for a 2xx (the proxy's `Content-Length` or
    /// `Transfer-Encoding` is ignored, as §9.3.6 requires), or an error
    /// carrying the response (with at most `max_body_bytes` of its body).
    pub fn feed(&mut self, bytes: &[u8]) -> Result<TunnelStatus, ProxyError> {
        if self.done {
            return Err(ProxyError::Finished);
        }
        let limits = self.limits;
        let to_error = |e: HeadError| match e {
            HeadError::TooLarge => ProxyError::ResponseTooLarge {
                limit: limits.max_head_bytes,
            },
            HeadError::TooManyHeaders => ProxyError::TooManyHeaders {
                limit: limits.max_headers,
            },
            HeadError::Malformed(reason) => ProxyError::MalformedResponse { reason },
        };
        let complete = self.scan.push(bytes).map_err(|e| {
            self.done = true;
            to_error(e)
        })?;
        if !complete {
            return Ok(TunnelStatus::Pending);
        }
        self.done = true;
        let mut response =
            HttpResponse::parse(self.scan.head(), limits.max_headers).map_err(to_error)?;
        match response.status() {
            200..=299 => Ok(TunnelStatus::Open),
            status => {
                let body = self.scan.leftover();
                response.set_body(&body[..body.len().min(limits.max_body_bytes)]);
                let response = Box::new(response);
                Err(if status == 407 {
                    ProxyError::AuthRequired(response)
                } else {
                    ProxyError::Refused(response)
                })
            }
        }
    }

    /// Bytes received after the proxy's 2xx head: the target's first bytes.
    pub fn leftover(&self) -> &[u8] {
        self.scan.leftover()
    }

    /// The leftover bytes, owned.
    pub fn into_leftover(self) -> Vec<u8> {
        self.scan.leftover().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(credentials: Option<&Credentials>) -> HttpConnect {
        HttpConnect::new("::1", 9001, credentials, HandshakeLimits::default()).unwrap()
    }

    #[test]
    fn request_with_basic_credentials() {
        // RFC 7617 §2's example pair.
        let c = Credentials::new("Aladdin", "open sesame");
        let mut h = connect(Some(&c));
        assert_eq!(
            h.poll_output(),
            b"CONNECT [::1]:9001 HTTP/1.1\r\nHost: [::1]:9001\r\n\
Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        h.advance_output(5);
        assert!(h.poll_output().starts_with(b"CT [::1]"));
        h.advance_output(1000);
        assert!(h.poll_output().is_empty());
    }

    #[test]
    fn open_in_pieces_with_leftover() {
        let mut h = connect(None);
        let reply = b"HTTP/1.0 200 Connection established\r\nContent-Length: 5\r\n\r\nfirst";
        for b in &reply[..reply.len() - 6] {
            assert_eq!(h.feed(&[*b]), Ok(TunnelStatus::Pending));
        }
        assert_eq!(h.feed(&reply[reply.len() - 6..]), Ok(TunnelStatus::Open));
        assert_eq!(h.leftover(), b"first");
        assert_eq!(h.feed(b"x"), Err(ProxyError::Finished));
    }

    #[test]
    fn refusals_carry_the_status() {
        let mut h = connect(None);
        let e = h
            .feed(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\nno")
            .unwrap_err();
        assert_eq!(e.status(), Some(407));
        let ProxyError::AuthRequired(r) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (r.header("proxy-authenticate"), r.body()),
            (Some(&b"Basic"[..]), &b"no"[..])
        );
        let e = connect(None)
            .feed(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            .unwrap_err();
        assert!(matches!(&e, ProxyError::Refused(r) if r.status() == 403));
        let e = connect(None)
            .feed(b"HTTP/1.1 101 Switching\r\n\r\n")
            .unwrap_err();
        assert_eq!(e.status(), Some(101));
    }

    #[test]
    fn malformed_and_oversized_answers() {
        let e = connect(None).feed(b"\x05\x00").unwrap_err();
        assert!(matches!(e, ProxyError::MalformedResponse { .. }), "{e:?}");
        let e = connect(None).feed(b"HTTP/1.1 2x0 OK\r\n\r\n").unwrap_err();
        assert!(matches!(e, ProxyError::MalformedResponse { .. }), "{e:?}");
        let limits = HandshakeLimits {
            max_head_bytes: 64,
            ..HandshakeLimits::default()
        };
        let mut h = HttpConnect::new("h", 1, None, limits).unwrap();
        let e = h.feed(&[b'a'; 100]).unwrap_err();
        assert_eq!(e, ProxyError::ResponseTooLarge { limit: 64 });
        assert_eq!(h.feed(b"x"), Err(ProxyError::Finished));
    }

    #[test]
    fn advancing_past_the_end_saturates() {
        // `sent + n` overflowed (debug: a panic; release: `sent` wrapped to
        // one byte back, written again); found by `proxy_negotiation`.
        let mut h = connect(None);
        h.advance_output(1);
        h.advance_output(usize::MAX);
        assert!(h.poll_output().is_empty());
    }

    #[test]
    fn targets_that_would_split_the_request_line() {
        for host in ["", "a b", "a\r\nX: y", "h/p", "u@h"] {
            let r = HttpConnect::new(host, 1, None, HandshakeLimits::default());
            assert_eq!(r.unwrap_err(), ProxyError::InvalidTarget, "{host:?}");
        }
    }
}
