use super::*;
use crate::proxy::ProxyScheme;
use alloc::string::ToString;

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

fn pick(url: &str, vars: &[(&str, &str)]) -> Option<String> {
    let url = WsUrl::parse(url).unwrap();
    proxy_from_env(&url, env(vars))
        .unwrap()
        .map(|p| p.to_string())
}

#[test]
fn scheme_selects_the_variable() {
    let vars = [
        ("http_proxy", "http://plain:1"),
        ("HTTPS_PROXY", "http://secure:2"),
        ("all_proxy", "socks5h://all:3"),
    ];
    assert_eq!(pick("ws://h/", &vars).as_deref(), Some("http://plain:1"));
    assert_eq!(pick("wss://h/", &vars).as_deref(), Some("http://secure:2"));
    assert_eq!(pick("wss://h/", &vars[..1]), None);
    assert_eq!(
        pick("wss://h/", &[vars[2]]).as_deref(),
        Some("socks5h://all:3")
    );
    // Lower case first; the WebSocket-specific variable before both.
    let both = [("http_proxy", "low:1"), ("HTTP_PROXY", "up:2")];
    assert_eq!(pick("ws://h/", &both).as_deref(), Some("http://low:1"));
    let ws = [("ws_proxy", "socks5://w:4"), ("http_proxy", "low:1")];
    assert_eq!(pick("ws://h/", &ws).as_deref(), Some("socks5://w:4"));
    // Empty values count as unset.
    let empty = [("http_proxy", " "), ("ALL_PROXY", "http://a:5")];
    assert_eq!(pick("ws://h/", &empty).as_deref(), Some("http://a:5"));
}

#[test]
fn httpoxy_upper_case_http_proxy_ignored_under_cgi() {
    let vars = [("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")];
    assert_eq!(pick("ws://h/", &vars), None);
    assert_eq!(
        pick("ws://h/", &vars[..1]).as_deref(),
        Some("http://evil:1")
    );
}

#[test]
fn no_proxy_bypasses() {
    let vars = [
        ("http_proxy", "http://p:1"),
        ("NO_PROXY", "example.com, 127.0.0.1"),
    ];
    assert_eq!(pick("ws://ws.example.com/", &vars), None);
    assert_eq!(pick("ws://127.0.0.1:9/", &vars), None);
    assert!(pick("ws://127.0.0.2/", &vars).is_some());
}

#[test]
fn invalid_values_are_errors_naming_the_variable() {
    let url = WsUrl::parse("wss://h/").unwrap();
    let e = proxy_from_env(&url, env(&[("https_proxy", "ftp://x")])).unwrap_err();
    assert_eq!(
        e,
        ProxyError::InvalidEnv {
            variable: "https_proxy",
            error: crate::proxy::ProxyUrlError::UnsupportedScheme
        }
    );
    let ok = proxy_from_env(&url, env(&[("https_proxy", "socks5://u:p@h")])).unwrap();
    assert_eq!(ok.unwrap().scheme(), ProxyScheme::Socks5);
}

#[test]
fn no_proxy_rules() {
    let cases: &[(&str, &str, u16, bool)] = &[
        ("*", "anything", 1, true),
        ("example.com", "example.com", 80, true),
        ("example.com", "WS.Example.COM", 80, true),
        (".example.com", "example.com", 80, true),
        ("*.example.com", "a.b.example.com", 80, true),
        ("example.com", "notexample.com", 80, false),
        ("example.com", "example.com.org", 80, false),
        ("example.com.", "example.com", 80, true),
        ("example.com:8080", "example.com", 8080, true),
        ("example.com:8080", "example.com", 80, false),
        ("127.0.0.1", "127.0.0.1", 1, true),
        ("127.0.0.1", "127.0.0.2", 1, false),
        ("127.0.0.0/8", "127.9.9.9", 1, true),
        ("10.0.0.0/8", "127.0.0.1", 1, false),
        ("0.0.0.0/0", "1.2.3.4", 1, true),
        ("::1", "::1", 1, true),
        ("[::1]", "[::1]", 1, true),
        ("[::1]:9", "::1", 9, true),
        ("[::1]:9", "::1", 8, false),
        ("fe80::/10", "fe80::1", 1, true),
        ("::/0", "2001:db8::1", 1, true),
        ("127.0.0.1", "localhost", 1, false),
        ("1", "127.0.0.1", 1, false),
        ("a,,b, ,", "b", 1, true),
        ("", "h", 1, false),
        (".", "h", 1, false),
        ("127.0.0.0/99", "127.0.0.1", 1, false),
        ("nonsense/8", "127.0.0.1", 1, false),
    ];
    for &(list, host, port, want) in cases {
        assert_eq!(
            no_proxy_matches(list, host, port),
            want,
            "{list:?} {host} {port}"
        );
    }
}
