//! The `proxy_negotiation` target: a CONNECT or SOCKS5 negotiation made one
//! of four ways, fed a proxy's answer in fuzzer-chosen chunks while its
//! output is taken in fuzzer-chosen amounts, and checked against models
//! written here from RFC 9110 §9.3.6, RFC 1928 and RFC 1929 (`proxy_model`).
//!
//! Input layout ([`proxy_input`] writes it):
//!
//! ```text
//! mode      bits 0-1  0 HttpConnect::new, 1 Socks5Connect::new,
//!                     2 Negotiation of ProxyUrl::parse(url), 3 Negotiation of ProxyUrl::new
//!           bits 2-3  mode 3's scheme: 0 http, 1 socks5, 2 and 3 socks5h
//!           bit 4     credentials follow (modes 0, 1, 3)
//!           bit 5     mode 1: SocksTarget::Addr from `addr`, else Name(host)
//! limits    bits 0-1 max_head_bytes, 2-3 max_headers, 4-5 max_body_bytes (HEAD_LIMITS...)
//! host      length byte, then that many characters (`text_from`)
//! port      u16
//! user, password   (bit 4) each a length byte and characters
//! url       (mode 2) a length byte and characters
//! addr      (mode 1, bit 5) a byte (even: IPv4, odd: IPv6), then 4 or 16 bytes
//! steps     a count byte (mod 16), then that many (feed size, advance size);
//!           feed 0 is the rest, 0xFF an empty feed; advance 0xFF is usize::MAX
//! answer    the rest: the proxy's bytes
//! ```

use core::net::IpAddr;
use std::vec::Vec;

use rfc6455::handshake::HandshakeLimits;
use rfc6455::proxy::{
    Credentials, HttpConnect, Negotiation, ProxyError, ProxyScheme, ProxyUrl, Socks5Connect,
    SocksTarget, TunnelStatus,
};

use super::input::{Input, text_from, text_indices};
use super::proxy_model::{Expect, Model, expect_http, expect_socks, model_http, model_socks};
use super::touch_proxy as touch;

/// `max_head_bytes` by index: the default, and small ones the fuzzer can cross.
pub const HEAD_LIMITS: [usize; 4] = [16 * 1024, 512, 64, 12];
/// `max_headers` by index.
pub const HEADER_LIMITS: [usize; 4] = [100, 4, 1, 0];
/// `max_body_bytes` by index.
pub const BODY_LIMITS: [usize; 4] = [4096, 16, 1, 0];

/// One `proxy_negotiation` input, as [`proxy_input`] writes it. Text fields
/// use ASCII and the harness's multi-byte alphabet only.
#[derive(Debug, Clone, Default)]
pub struct ProxyCase<'a> {
    /// The mode byte (bit 4 is set by [`proxy_input`] when `credentials` are given).
    pub mode: u8,
    /// The limits byte.
    pub limits: u8,
    /// The target host.
    pub host: &'a str,
    /// The target port.
    pub port: u16,
    /// User name and password.
    pub credentials: Option<(&'a str, &'a str)>,
    /// The proxy URL (mode 2).
    pub url: &'a str,
    /// The address selector and bytes (mode 1, bit 5).
    pub addr: &'a [u8],
    /// (feed size, advance size) pairs.
    pub steps: &'a [(u8, u8)],
    /// The proxy's answer.
    pub answer: &'a [u8],
}

/// Encodes a [`ProxyCase`].
pub fn proxy_input(case: &ProxyCase<'_>) -> Vec<u8> {
    let text = |out: &mut Vec<u8>, s: &str| {
        let t = text_indices(s);
        out.push(u8::try_from(t.len()).expect("seed text of at most 255 characters"));
        out.extend(t);
    };
    let mode = case.mode | if case.credentials.is_some() { 0x10 } else { 0 };
    let mut out = Vec::from([mode, case.limits]);
    text(&mut out, case.host);
    out.extend(case.port.to_be_bytes());
    if let Some((user, pass)) = case.credentials {
        text(&mut out, user);
        text(&mut out, pass);
    }
    if mode & 3 == 2 {
        text(&mut out, case.url);
    }
    if mode & 0x23 == 0x21 {
        out.extend_from_slice(case.addr);
    }
    out.push(u8::try_from(case.steps.len()).expect("at most 15 steps"));
    for &(feed, advance) in case.steps {
        out.extend([feed, advance]);
    }
    out.extend_from_slice(case.answer);
    out
}

/// What the target drives: the three negotiations behind one interface.
trait Tunnel {
    fn output(&self) -> &[u8];
    fn advance(&mut self, n: usize);
    fn feed(&mut self, bytes: &[u8]) -> Result<TunnelStatus, ProxyError>;
    fn leftover(&self) -> &[u8];
    /// `Debug`, and the owned leftover where there is an `into_leftover`.
    fn touch(&self) -> Vec<u8>;
}

macro_rules! tunnel {
    ($($t:ty: $owned:expr),*) => {$(
        impl Tunnel for $t {
            fn output(&self) -> &[u8] { self.poll_output() }
            fn advance(&mut self, n: usize) { self.advance_output(n) }
            fn feed(&mut self, b: &[u8]) -> Result<TunnelStatus, ProxyError> { self.feed(b) }
            fn leftover(&self) -> &[u8] { self.leftover() }
            fn touch(&self) -> Vec<u8> {
                touch::debug(self);
                $owned(self)
            }
        }
    )*};
}
tunnel!(
    HttpConnect: |t: &HttpConnect| t.clone().into_leftover(),
    Socks5Connect: |t: &Socks5Connect| t.leftover().to_vec(),
    Negotiation: |t: &Negotiation| t.leftover().to_vec()
);

fn text(input: &mut Input<'_>) -> String {
    let n = usize::from(input.byte());
    text_from(input.bytes(n))
}

pub(super) fn run(data: &[u8]) {
    let mut input = Input(data);
    let mode = input.byte();
    let l = input.byte();
    let limits = HandshakeLimits {
        max_head_bytes: HEAD_LIMITS[usize::from(l & 3)],
        max_headers: HEADER_LIMITS[usize::from((l >> 2) & 3)],
        max_body_bytes: BODY_LIMITS[usize::from((l >> 4) & 3)],
    };
    let host = text(&mut input);
    let port = input.u16();
    let given = (mode & 0x10 != 0).then(|| {
        let user = text(&mut input);
        Credentials::new(&user, &text(&mut input))
    });
    if let Some(c) = &given {
        touch::credentials(c);
    }
    let proxy = match mode & 3 {
        2 => match ProxyUrl::parse(&text(&mut input)) {
            Ok(p) => Some(p),
            Err(e) => return touch::proxy_url_error(&e),
        },
        3 => {
            let scheme = [ProxyScheme::Http, ProxyScheme::Socks5, ProxyScheme::Socks5h]
                [usize::from((mode >> 2) & 3).min(2)];
            Some(ProxyUrl::new(scheme, "127.0.0.1", 3128, given.clone()))
        }
        _ => None,
    };
    let addr = if mode & 0x23 == 0x21 {
        Some(if input.byte() & 1 == 0 {
            IpAddr::from(pad::<4>(input.bytes(4)))
        } else {
            IpAddr::from(pad::<16>(input.bytes(16)))
        })
    } else {
        None
    };
    let steps: Vec<(u8, u8)> = (0..input.byte() % 16)
        .map(|_| (input.byte(), input.byte()))
        .collect();
    let answer = input.0;

    // Build the negotiation, and what it must write and read.
    let (tunnel, expect): (
        Result<Box<dyn Tunnel>, ProxyError>,
        Result<Expect, ProxyError>,
    ) = match &proxy {
        None if mode & 3 == 0 => (
            HttpConnect::new(&host, port, given.as_ref(), limits)
                .map(|t| Box::new(t) as Box<dyn Tunnel>),
            expect_http(&host, port, given.as_ref()),
        ),
        None => {
            let target = addr.map_or(SocksTarget::Name(&host), SocksTarget::Addr);
            (
                Socks5Connect::new(target.clone(), port, given.as_ref())
                    .map(|t| Box::new(t) as Box<dyn Tunnel>),
                expect_socks(&target, port, given.as_ref()),
            )
        }
        Some(proxy) => {
            touch::proxy_url(proxy);
            let n = Negotiation::new(proxy, &host, port, limits);
            if let Ok(n) = &n {
                let http = proxy.scheme() == ProxyScheme::Http;
                assert_eq!(matches!(n, Negotiation::Http(_)), http, "{n:?}");
            }
            (
                n.map(|t| Box::new(t) as Box<dyn Tunnel>),
                expect_negotiation(proxy, &host, port),
            )
        }
    };
    let (mut tunnel, expect) = match (tunnel, expect) {
        (Ok(t), Ok(e)) => (t, e),
        (Err(e), Err(want)) => {
            touch::proxy_error(&e);
            return assert_eq!(e, want);
        }
        (t, e) => panic!("constructor gave {:?}, expected {e:?}", t.err()),
    };
    drive(&mut *tunnel, &expect, limits, &steps, answer);
}

/// Bytes of `b` padded with zeros to `N`.
fn pad<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out[..b.len()].copy_from_slice(b);
    out
}

/// What `Negotiation::new` must do for `proxy` (RFC 1928 needs an address
/// for `socks5://`; `socks5h://` sends names).
fn expect_negotiation(proxy: &ProxyUrl, host: &str, port: u16) -> Result<Expect, ProxyError> {
    let creds = proxy.credentials();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let ip = bare.parse::<IpAddr>().ok();
    match (proxy.scheme(), ip) {
        (ProxyScheme::Http, _) => expect_http(host, port, creds),
        (_, Some(ip)) => expect_socks(&SocksTarget::Addr(ip), port, creds),
        (ProxyScheme::Socks5h, None) => expect_socks(&SocksTarget::Name(bare), port, creds),
        (_, None) => Err(ProxyError::UnresolvedTarget),
    }
}

fn drive(
    t: &mut dyn Tunnel,
    expect: &Expect,
    limits: HandshakeLimits,
    steps: &[(u8, u8)],
    answer: &[u8],
) {
    let mut written = Vec::new();
    let mut take = |t: &mut dyn Tunnel, n: usize| {
        let out = t.output();
        written.extend_from_slice(&out[..n.min(out.len())]);
        t.advance(n);
    };
    let steps = if steps.is_empty() {
        &[(0, 0)][..]
    } else {
        steps
    };
    let mut rest = answer;
    let mut outcome = Ok(TunnelStatus::Pending);
    // Bounded: every step but the empty feeds takes at least one byte.
    for &(feed, advance) in steps.iter().cycle().take(answer.len() + 2 * steps.len()) {
        if rest.is_empty() {
            break;
        }
        take(
            t,
            if advance == 0xFF {
                usize::MAX
            } else {
                usize::from(advance)
            },
        );
        let n = match feed {
            0 => rest.len(),
            0xFF => 0,
            n => usize::from(n).min(rest.len()),
        };
        let chunk;
        (chunk, rest) = rest.split_at(n);
        outcome = t.feed(chunk);
        touch::tunnel_result(&outcome);
        assert!(t.output().len() <= expect.max_output(), "output unbounded");
        if outcome != Ok(TunnelStatus::Pending) {
            break;
        }
    }
    let fed = &answer[..answer.len() - rest.len()];
    let model = match expect {
        Expect::Http { .. } => model_http(fed, limits),
        Expect::Socks { credentials, .. } => model_socks(fed, *credentials),
    };
    let leftover = t.leftover().to_vec();
    assert_eq!(t.touch(), leftover);
    match (&outcome, &model) {
        (Ok(TunnelStatus::Pending), Model::Pending(_)) => {}
        (Ok(TunnelStatus::Open), Model::Open { end, .. }) => {
            assert_eq!(
                leftover,
                &fed[*end..],
                "leftover after the answer's end {end}"
            );
        }
        (Err(e), Model::Failed(want, _)) => assert_eq!(e, want),
        (Ok(TunnelStatus::Open), Model::Head { end, status }) => {
            assert!(matches!(status, Some(200..=299)), "open on {status:?}");
            assert_eq!(
                leftover,
                &fed[*end..],
                "leftover after the head's end {end}"
            );
        }
        (
            Err(ProxyError::AuthRequired(r) | ProxyError::Refused(r)),
            Model::Head { end, status },
        ) => {
            let auth = matches!(outcome, Err(ProxyError::AuthRequired(_)));
            assert_eq!(Some(r.status()), *status);
            assert_eq!(auth, r.status() == 407);
            assert!(!(200..=299).contains(&r.status()));
            let body = &fed[*end..];
            assert_eq!(r.body(), &body[..body.len().min(limits.max_body_bytes)]);
        }
        // The model leaves the head's fields to the crate's parser.
        (
            Err(ProxyError::MalformedResponse { .. } | ProxyError::TooManyHeaders { .. }),
            Model::Head { .. },
        ) => {}
        (got, want) => panic!("negotiation says {got:?}, model {want:?} for {fed:?}"),
    }
    if outcome != Ok(TunnelStatus::Pending) {
        // Finished: every later feed says so, and the leftover stays.
        for more in [&b"x"[..], &[]] {
            assert_eq!(
                t.feed(more),
                Err(ProxyError::Finished),
                "feed {more:?} after {outcome:?}"
            );
            assert_eq!(t.leftover(), leftover);
        }
    }
    // What it wrote, and what it still holds, is what the model queued.
    take(t, usize::MAX);
    assert!(t.output().is_empty());
    assert_eq!(written, expect.output(model.stage()), "{model:?}");
}
