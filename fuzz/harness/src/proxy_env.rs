//! The `proxy_url_env` target: `ProxyUrl::parse`, `no_proxy_matches` and
//! `proxy_from_env` on fuzzed text.
//!
//! Input layout ([`proxy_env_input`] writes it); each text is a length byte
//! and that many characters (`text_from`):
//!
//! ```text
//! url       a proxy URL, parsed; its Display parsed back
//! list      a no_proxy list, matched against `host` and `port`
//! host      a target host
//! port      u16
//! secure    bit 0: wss://host:port/ (else ws://) is proxy_from_env's URL
//! vars      u16: bit i sets ENV_VARS[i] to the next text
//! ```

use std::collections::BTreeMap;
use std::format;
use std::string::String;
use std::vec::Vec;

use rfc6455::handshake::WsUrl;
use rfc6455::proxy::{ProxyError, ProxyUrl, no_proxy_matches, proxy_from_env};

use super::input::{Input, text_from, text_indices};
use super::touch_proxy as touch;

/// The variables `proxy_from_env` may read, in the order of the mask's bits.
pub const ENV_VARS: [&str; 13] = [
    "no_proxy",
    "NO_PROXY",
    "ws_proxy",
    "WS_PROXY",
    "wss_proxy",
    "WSS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "REQUEST_METHOD",
];

/// One `proxy_url_env` input, as [`proxy_env_input`] writes it.
#[derive(Debug, Clone, Default)]
pub struct EnvCase<'a> {
    /// The proxy URL to parse.
    pub url: &'a str,
    /// The `no_proxy` list.
    pub list: &'a str,
    /// The target host.
    pub host: &'a str,
    /// The target port.
    pub port: u16,
    /// `wss://` for `proxy_from_env`.
    pub secure: bool,
    /// Variables set, by name (from [`ENV_VARS`]).
    pub vars: &'a [(&'a str, &'a str)],
}

/// Encodes an [`EnvCase`].
pub fn proxy_env_input(case: &EnvCase<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let text = |out: &mut Vec<u8>, s: &str| {
        let t = text_indices(s);
        out.push(u8::try_from(t.len()).expect("seed text of at most 255 characters"));
        out.extend(t);
    };
    text(&mut out, case.url);
    text(&mut out, case.list);
    text(&mut out, case.host);
    out.extend(case.port.to_be_bytes());
    out.push(u8::from(case.secure));
    let index = |name: &str| {
        ENV_VARS
            .iter()
            .position(|v| *v == name)
            .expect("a variable")
    };
    let mask = case.vars.iter().fold(0u16, |m, (n, _)| m | 1 << index(n));
    out.extend(mask.to_be_bytes());
    for (i, name) in ENV_VARS.iter().enumerate() {
        if mask & (1 << i) != 0 {
            let value = case.vars.iter().find(|(n, _)| n == name).unwrap().1;
            text(&mut out, value);
        }
    }
    out
}

fn text(input: &mut Input<'_>) -> String {
    let n = usize::from(input.byte());
    text_from(input.bytes(n))
}

pub(super) fn run(data: &[u8]) {
    let mut input = Input(data);
    parse(&text(&mut input));
    let list = text(&mut input);
    let host = text(&mut input);
    let port = input.u16();
    no_proxy(&list, &host, port);
    let secure = input.byte() & 1 != 0;
    let mask = input.u16();
    let vars: BTreeMap<&str, String> = ENV_VARS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, &name)| (name, text(&mut input)))
        .collect();
    let bracketed = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let scheme = if secure { "wss" } else { "ws" };
    let url = WsUrl::parse(&format!("{scheme}://{bracketed}:{port}/"))
        .or_else(|_| WsUrl::parse(&format!("{scheme}://example.com/")))
        .expect("a valid fallback");
    env(&url, &vars);
}

/// A parsed URL round-trips through its `Display` (which hides the
/// password as `***`), unless the user name has a character the userinfo
/// would read differently.
fn parse(url: &str) {
    let p = match ProxyUrl::parse(url) {
        Ok(p) => p,
        Err(e) => return touch::proxy_url_error(&e),
    };
    touch::proxy_url(&p);
    let shown = p.to_string();
    let user = p.credentials().map(|c| c.username());
    if user.is_some_and(|u| u.contains([':', '/', '?', '#', '%'])) {
        return;
    }
    let back = ProxyUrl::parse(&shown).unwrap_or_else(|e| panic!("{shown:?} from {url:?}: {e}"));
    assert_eq!(
        (back.scheme(), back.host(), back.port()),
        (p.scheme(), p.host(), p.port()),
        "{shown:?} from {url:?}"
    );
    assert_eq!(back.credentials().map(|c| c.username()), user);
    if let Some(c) = back.credentials() {
        assert_eq!(c.password(), "***");
    }
}

/// Documented properties of `no_proxy_matches`: `*` matches all, adding an
/// entry never unmatches, case does not matter, a name matches itself and
/// the names below a matched one.
fn no_proxy(list: &str, host: &str, port: u16) {
    let matched = no_proxy_matches(list, host, port);
    assert!(no_proxy_matches(&format!("{list},*"), host, port));
    assert!(!matched || no_proxy_matches(&format!("{list},x"), host, port));
    assert!(!matched || no_proxy_matches(&format!("x,{list}"), host, port));
    assert_eq!(
        no_proxy_matches(&list.to_ascii_uppercase(), host, port),
        matched,
        "{list:?} upper case against {host:?}"
    );
    let name = |h: &str| {
        h.starts_with(|c: char| c.is_ascii_alphanumeric())
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    if name(host) {
        assert!(no_proxy_matches(host, host, port), "{host:?} itself");
        let port_entry = format!("{host}:{port}");
        assert!(no_proxy_matches(&port_entry, host, port), "{port_entry:?}");
        let is_ip = host.parse::<core::net::IpAddr>().is_ok();
        if matched && !is_ip {
            let below = format!("x.{host}");
            assert!(no_proxy_matches(list, &below, port), "{list:?}, {below:?}");
        }
    }
}

/// `proxy_from_env` against its documented order: `no_proxy` first, then
/// the scheme's variables (lower case before upper), then `all_proxy`,
/// skipping `HTTP_PROXY` under CGI; a bad value is an error naming it.
fn env(url: &WsUrl, vars: &BTreeMap<&str, String>) {
    touch::ws_url(url);
    let get = |name: &str| {
        assert!(ENV_VARS.contains(&name), "read {name:?}");
        vars.get(name).cloned()
    };
    let got = proxy_from_env(url, get);
    match &got {
        Ok(Some(p)) => touch::proxy_url(p),
        Ok(None) => {}
        Err(e) => touch::proxy_error(e),
    }
    let set = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty());
    let no_proxy = set("no_proxy").or_else(|| set("NO_PROXY"));
    let want = if no_proxy.is_some_and(|l| no_proxy_matches(l, url.host(), url.port())) {
        Ok(None)
    } else {
        let names = if url.is_secure() {
            ["wss_proxy", "WSS_PROXY", "https_proxy", "HTTPS_PROXY"]
        } else {
            ["ws_proxy", "WS_PROXY", "http_proxy", "HTTP_PROXY"]
        };
        let cgi = vars.contains_key("REQUEST_METHOD");
        names
            .into_iter()
            .chain(["all_proxy", "ALL_PROXY"])
            .filter(|&n| !(cgi && n == "HTTP_PROXY"))
            .find_map(|n| set(n).map(|v| (n, v)))
            .map_or(Ok(None), |(variable, value)| {
                ProxyUrl::parse(value)
                    .map(Some)
                    .map_err(|error| ProxyError::InvalidEnv { variable, error })
            })
    };
    assert_eq!(got, want, "{vars:?} for {url:?}");
}
