//! Through in-test HTTP CONNECT and SOCKS5 proxies, and their refusals.

use crate::support::*;
use rfc6455::proxy::{ProxyError, SocksReply};

#[test]
fn through_an_http_connect_proxy_with_basic_credentials() {
    let (url, server) = echo_server();
    let (proxy, heads) = http_proxy(1, |_| (OPEN.to_vec(), true));
    round_trip(&url, &via(format!("http://user:p%40ss@{proxy}"))).unwrap();
    let head = &heads.join().unwrap()[0];
    let authority = url.trim_start_matches("ws://").trim_end_matches("/echo");
    assert!(
        head.starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nHost: {authority}\r\n")),
        "{head}"
    );
    // base64("user:p@ss"): the userinfo is percent-decoded before encoding.
    assert!(
        head.contains("\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n"),
        "{head}"
    );
    assert_eq!(server.join().unwrap()[0].path, "/echo");
}

#[test]
fn proxy_closing_mid_connect_is_a_proxy_error() {
    let (proxy, _) = http_proxy(1, |_| (b"HTTP/1.1 200 Conn".to_vec(), false));
    let e = round_trip("ws://127.0.0.1:9/", &via(format!("http://{proxy}"))).unwrap_err();
    assert!(matches!(e, Error::Proxy(ProxyError::Closed)), "{e:?}");
}

#[test]
fn proxy_auth_required_without_credentials_carries_407() {
    let answer = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
Proxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n";
    let (proxy, heads) = http_proxy(1, |_| (answer.to_vec(), false));
    let e = round_trip("ws://127.0.0.1:9/", &via(format!("http://{proxy}"))).unwrap_err();
    assert_eq!(e.status(), Some(407), "{e}");
    let Error::Proxy(ProxyError::AuthRequired(response)) = e else {
        panic!("not AuthRequired")
    };
    assert_eq!(
        response.header("Proxy-Authenticate"),
        Some(&b"Basic realm=\"p\""[..])
    );
    assert!(!heads.join().unwrap()[0].contains("Proxy-Authorization"));
}

#[test]
fn refused_connect_carries_the_status() {
    for status in ["403 Forbidden", "502 Bad Gateway"] {
        let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        let (proxy, _) = http_proxy(1, move |_| (answer.clone().into_bytes(), false));
        let e = round_trip("ws://127.0.0.1:9/", &via(format!("http://{proxy}"))).unwrap_err();
        assert!(matches!(e, Error::Proxy(ProxyError::Refused(_))), "{e:?}");
        assert_eq!(
            e.status().map(|s| s.to_string()),
            Some(status[..3].to_owned())
        );
    }
}

#[test]
fn silent_proxy_hits_the_handshake_timeout() {
    let (listener, addr) = bind();
    let hold = thread::spawn(move || {
        let mut s = accept(&listener);
        let _ = read_head(&mut s);
        let _ = s.read(&mut [0; 1]); // until the client gives up
    });
    let options = ClientOptions {
        handshake_timeout: Some(Duration::from_millis(200)),
        ..via(format!("http://{addr}"))
    };
    let e = round_trip("ws://127.0.0.1:9/", &options).unwrap_err();
    assert!(matches!(e, Error::HandshakeTimeout), "{e:?}");
    hold.join().unwrap();
}

#[test]
fn through_socks5h_with_user_and_password_sends_the_name() {
    let (listener, addr) = bind();
    let server = echo_on(listener, 1);
    let (proxy, seen) = socks_proxy(Some(("user", "p:ss")), None, SOCKS_OK.to_vec());
    let url = format!("ws://localhost:{}/echo", addr.port());
    round_trip(&url, &via(format!("socks5h://user:p%3Ass@{proxy}"))).unwrap();
    let seen = seen.join().unwrap();
    assert_eq!(seen.methods, [0, 2]);
    assert_eq!(seen.auth, Some(("user".into(), "p:ss".into())));
    assert_eq!(
        (seen.atyp, &seen.addr[..], seen.port),
        (3, &b"localhost"[..], addr.port())
    );
    assert_eq!(server.join().unwrap()[0].path, "/echo");
}

#[test]
fn through_socks5_resolves_locally_and_sends_an_address() {
    let (url, server) = echo_server();
    let (proxy, seen) = socks_proxy(None, None, SOCKS_OK.to_vec());
    round_trip(&url, &via(format!("socks5://{proxy}"))).unwrap();
    let seen = seen.join().unwrap();
    assert_eq!(seen.methods, [0]);
    assert_eq!((seen.atyp, &seen.addr[..]), (1, &[127, 0, 0, 1][..]));
    server.join().unwrap();
}

#[test]
fn socks_bad_version_and_failure_codes() {
    let run = |method_reply: Option<Vec<u8>>, reply: Vec<u8>| {
        let (proxy, _seen) = socks_proxy(None, method_reply, reply);
        round_trip("ws://127.0.0.1:9/", &via(format!("socks5h://{proxy}"))).unwrap_err()
    };
    let e = run(Some(vec![4, 0]), vec![]);
    assert!(
        matches!(e, Error::Proxy(ProxyError::SocksVersion { got: 4 })),
        "{e:?}"
    );
    let e = run(Some(vec![5, 0xff]), vec![]);
    assert!(
        matches!(e, Error::Proxy(ProxyError::NoAcceptableMethod)),
        "{e:?}"
    );
    let e = run(None, vec![5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
    let want = ProxyError::SocksFailure(SocksReply::CONNECTION_REFUSED);
    assert!(matches!(&e, Error::Proxy(p) if *p == want), "{e:?}");
    assert!(e.to_string().contains("connection refused"), "{e}");
    let e = run(None, vec![5, 0, 0, 9]);
    assert!(
        matches!(e, Error::Proxy(ProxyError::AddressType { atyp: 9 })),
        "{e:?}"
    );
}

#[test]
fn socks_wrong_password_is_rejected() {
    let (proxy, seen) = socks_proxy(Some(("user", "right")), None, vec![]);
    let e = round_trip(
        "ws://127.0.0.1:9/",
        &via(format!("socks5://user:wrong@{proxy}")),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::Proxy(ProxyError::AuthRejected { status: 1 })),
        "{e:?}"
    );
    assert_eq!(
        seen.join().unwrap().auth,
        Some(("user".into(), "wrong".into()))
    );
}

#[test]
fn environment_selects_the_proxy_and_no_proxy_bypasses_it() {
    let vars = |proxy: &SocketAddr, no_proxy: &str| ClientOptions {
        proxy: Proxy::Vars(vec![
            ("http_proxy".into(), format!("http://{proxy}")),
            ("https_proxy".into(), "http://127.0.0.1:9".into()),
            ("NO_PROXY".into(), no_proxy.into()),
        ]),
        ..Default::default()
    };
    // ws:// takes http_proxy; a NO_PROXY naming another host changes nothing.
    let (url, server) = echo_server();
    let (proxy, heads) = http_proxy(1, |_| (OPEN.to_vec(), true));
    round_trip(&url, &vars(&proxy, "example.com")).unwrap();
    assert_eq!(heads.join().unwrap().len(), 1);
    server.join().unwrap();
    // NO_PROXY lists the server: direct, and the proxy sees nothing.
    let (url, server) = echo_server();
    let (listener, proxy) = bind();
    round_trip(&url, &vars(&proxy, "localhost, 127.0.0.1")).unwrap();
    server.join().unwrap();
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "the proxy was contacted");
    // A bad value is an error that names the variable, never a direct connection.
    let options = ClientOptions {
        proxy: Proxy::Vars(vec![("ALL_PROXY".into(), "ftp://x".into())]),
        ..Default::default()
    };
    let e = round_trip("ws://127.0.0.1:9/", &options).unwrap_err();
    assert!(e.to_string().contains("ALL_PROXY"), "{e}");
}

#[test]
fn bad_proxy_url_is_a_proxy_error() {
    let e = round_trip("ws://127.0.0.1:9/", &via("https://proxy".into())).unwrap_err();
    assert!(matches!(e, Error::Proxy(ProxyError::Url(_))), "{e:?}");
}
