//! What a proxy negotiation must write and how it must read the proxy's
//! answer, written from the RFCs rather than from `src/proxy/`: the CONNECT
//! request of RFC 9110 §9.3.6 with RFC 7617's Basic credentials, the head's
//! end as RFC 9112 §2.2 reads it (bare LF allowed), and the SOCKS5 replies
//! of RFC 1928 §3, §6 and RFC 1929 §2, whose lengths follow from ATYP.

use core::net::IpAddr;
use std::format;
use std::string::String;
use std::vec::Vec;

use rfc6455::handshake::HandshakeLimits;
use rfc6455::proxy::{Credentials, ProxyError, SocksReply, SocksTarget};

/// The messages a negotiation writes.
#[derive(Debug)]
pub(super) enum Expect {
    /// The CONNECT request.
    Http { request: Vec<u8> },
    /// The greeting, the RFC 1929 request (with credentials), the CONNECT request.
    Socks {
        greeting: Vec<u8>,
        auth: Option<Vec<u8>>,
        request: Vec<u8>,
        credentials: bool,
    },
}

/// Which SOCKS5 messages were queued after the greeting.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Stage {
    auth: bool,
    request: bool,
}

impl Expect {
    /// Everything written by the time the model reached `stage`.
    pub(super) fn output(&self, stage: Stage) -> Vec<u8> {
        match self {
            Self::Http { request } => request.clone(),
            Self::Socks {
                greeting,
                auth,
                request,
                ..
            } => {
                let mut out = greeting.clone();
                if stage.auth {
                    out.extend_from_slice(auth.as_deref().expect("auth queued with credentials"));
                }
                if stage.request {
                    out.extend_from_slice(request);
                }
                out
            }
        }
    }

    /// The most a negotiation may hold to write at once.
    pub(super) fn max_output(&self) -> usize {
        self.output(Stage {
            auth: matches!(self, Self::Socks { auth: Some(_), .. }),
            request: true,
        })
        .len()
    }
}

/// How the model reads the answer fed so far.
#[derive(Debug)]
pub(super) enum Model {
    /// More is needed.
    Pending(Stage),
    /// The tunnel is open; the answer ends at `end`.
    Open { end: usize, stage: Stage },
    /// This error.
    Failed(ProxyError, Stage),
    /// HTTP: a complete head ending at `end`, with this status if the
    /// status line reads as `HTTP/1.x NNN` (the crate's parser decides the rest).
    Head { end: usize, status: Option<u16> },
}

impl Model {
    pub(super) fn stage(&self) -> Stage {
        match self {
            Self::Pending(s) | Self::Open { stage: s, .. } | Self::Failed(_, s) => *s,
            Self::Head { .. } => Stage::default(),
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(ABC[(n >> (18 - 6 * i)) as usize & 63])
            } else {
                '='
            });
        }
    }
    out
}

/// The CONNECT request for `host:port`, or why there is none.
pub(super) fn expect_http(
    host: &str,
    port: u16,
    credentials: Option<&Credentials>,
) -> Result<Expect, ProxyError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    // RFC 9110 §9.3.6's authority-form: nothing that would end the request line.
    let fits = |b: u8| (0x21..0x7F).contains(&b) && !b"/?#@[]".contains(&b);
    if host.is_empty() || !host.bytes().all(fits) {
        return Err(ProxyError::InvalidTarget);
    }
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(c) = credentials {
        let pair = format!("{}:{}", c.username(), c.password());
        request += &format!("Proxy-Authorization: Basic {}\r\n", base64(pair.as_bytes()));
    }
    request += "\r\n";
    Ok(Expect::Http {
        request: request.into_bytes(),
    })
}

/// The SOCKS5 messages for `target:port`, or why there are none.
pub(super) fn expect_socks(
    target: &SocksTarget<'_>,
    port: u16,
    credentials: Option<&Credentials>,
) -> Result<Expect, ProxyError> {
    // RFC 1928 §4.
    let mut request = Vec::from([5, 1, 0]);
    match target {
        SocksTarget::Name(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            if name.is_empty() || name.len() > 255 {
                return Err(ProxyError::InvalidTarget);
            }
            request.extend([3, name.len() as u8]);
            request.extend_from_slice(name.as_bytes());
        }
        SocksTarget::Addr(IpAddr::V4(a)) => {
            request.push(1);
            request.extend(a.octets());
        }
        SocksTarget::Addr(IpAddr::V6(a)) => {
            request.push(4);
            request.extend(a.octets());
        }
    }
    request.extend(port.to_be_bytes());
    // RFC 1929 §2: ULEN 1-255, PLEN 0-255 (the crate allows an empty password).
    let auth = match credentials {
        None => None,
        Some(c) => {
            let (u, p) = (c.username().as_bytes(), c.password().as_bytes());
            if u.is_empty() || u.len() > 255 || p.len() > 255 {
                return Err(ProxyError::CredentialsTooLong);
            }
            let mut auth = Vec::from([1, u.len() as u8]);
            auth.extend_from_slice(u);
            auth.push(p.len() as u8);
            auth.extend_from_slice(p);
            Some(auth)
        }
    };
    let greeting = if auth.is_some() {
        Vec::from([5, 2, 0, 2])
    } else {
        Vec::from([5, 1, 0])
    };
    Ok(Expect::Socks {
        greeting,
        auth,
        request,
        credentials: credentials.is_some(),
    })
}

/// The SOCKS5 answer `a` read from the start.
pub(super) fn model_socks(a: &[u8], credentials: bool) -> Model {
    let mut stage = Stage::default();
    let failed = |e, stage| Model::Failed(e, stage);
    // RFC 1928 §3: VER METHOD.
    match a.first() {
        None => return Model::Pending(stage),
        Some(&v) if v != 5 => return failed(ProxyError::SocksVersion { got: v }, stage),
        _ => {}
    }
    let mut at = 2;
    match a.get(1) {
        None => return Model::Pending(stage),
        Some(0) => stage.request = true,
        Some(2) if credentials => stage.auth = true,
        Some(0xFF) => return failed(ProxyError::NoAcceptableMethod, stage),
        Some(&method) => return failed(ProxyError::UnofferedMethod { method }, stage),
    }
    if stage.auth {
        // RFC 1929 §2: VER=1 STATUS.
        match a.get(2) {
            None => return Model::Pending(stage),
            Some(&v) if v != 1 => return failed(ProxyError::AuthVersion { got: v }, stage),
            _ => {}
        }
        match a.get(3) {
            None => return Model::Pending(stage),
            Some(0) => stage.request = true,
            Some(&status) => return failed(ProxyError::AuthRejected { status }, stage),
        }
        at = 4;
    }
    // RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT.
    let r = &a[at..];
    match r.first() {
        None => return Model::Pending(stage),
        Some(&v) if v != 5 => return failed(ProxyError::SocksVersion { got: v }, stage),
        _ => {}
    }
    match r.get(1) {
        None => return Model::Pending(stage),
        Some(0) => {}
        Some(&code) => return failed(ProxyError::SocksFailure(SocksReply(code)), stage),
    }
    let len = match r.get(3) {
        None => return Model::Pending(stage),
        Some(1) => 4 + 4 + 2,
        Some(4) => 4 + 16 + 2,
        Some(3) => match r.get(4) {
            None => return Model::Pending(stage),
            Some(&n) => 5 + usize::from(n) + 2,
        },
        Some(&atyp) => return failed(ProxyError::AddressType { atyp }, stage),
    };
    if r.len() < len {
        return Model::Pending(stage);
    }
    Model::Open {
        end: at + len,
        stage,
    }
}

/// An HTTP proxy's answer `a`: where its head ends (RFC 9112 §2.2: empty
/// lines before it ignored, a line may end in a bare LF), within the limit.
pub(super) fn model_http(a: &[u8], limits: HandshakeLimits) -> Model {
    let max = limits.max_head_bytes;
    let seen = &a[..a.len().min(max)];
    let stage = Stage::default();
    let Some(start) = seen.iter().position(|b| !b"\r\n".contains(b)) else {
        return too_large_or_pending(a, max);
    };
    // A status line starts with `HTTP/`: a token character at least.
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !token(seen[start]) {
        let reason = "not an HTTP/1.x message";
        return Model::Failed(ProxyError::MalformedResponse { reason }, stage);
    }
    let head = &seen[start..];
    let end = (0..head.len()).find_map(|i| {
        let rest = &head[i..];
        if rest.starts_with(b"\n\n") {
            Some(i + 2)
        } else if rest.starts_with(b"\n\r\n") {
            Some(i + 3)
        } else {
            None
        }
    });
    let Some(end) = end else {
        return too_large_or_pending(a, max);
    };
    let line = head;
    let status = (line.len() > 12
        && line.starts_with(b"HTTP/1.")
        && line[7].is_ascii_digit()
        && line[8] == b' '
        && line[9..12].iter().all(u8::is_ascii_digit))
    .then(|| {
        line[9..12]
            .iter()
            .fold(0, |n, &d| n * 10 + u16::from(d - b'0'))
    });
    Model::Head {
        end: start + end,
        status,
    }
}

fn too_large_or_pending(a: &[u8], max: usize) -> Model {
    if a.len() > max {
        Model::Failed(
            ProxyError::ResponseTooLarge { limit: max },
            Stage::default(),
        )
    } else {
        Model::Pending(Stage::default())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_of_rfc7617s_example() {
        assert_eq!(
            super::base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(super::base64(b"a:"), "YTo=");
        assert_eq!(super::base64(b""), "");
    }
}
