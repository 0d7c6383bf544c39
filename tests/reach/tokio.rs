//! The tokio client takes the same proxy and redirect settings as the
//! blocking one (they share `ClientOptions` and the sans-IO negotiations):
//! the same in-test proxies and redirecting servers, driven from a runtime.

use crate::support::*;
use rfc6455::proxy::ProxyError;

/// [`round_trip`] with `rfc6455::tokio::connect_with`, on a runtime of its own.
fn tokio_round_trip(url: &str, options: &ClientOptions) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut ws, _) = rfc6455::tokio::connect_with(url, options).await?;
        ws.send_text("hi").await?;
        assert_eq!(ws.read().await?, Message::text("hi"));
        ws.close(CloseCode::NORMAL, "").await?;
        Ok(())
    })
}

#[test]
fn tokio_through_an_http_connect_proxy_with_credentials() {
    let (url, server) = echo_server();
    let (proxy, heads) = http_proxy(1, |_| (OPEN.to_vec(), true));
    tokio_round_trip(&url, &via(format!("http://user:p%40ss@{proxy}"))).unwrap();
    let head = &heads.join().unwrap()[0];
    assert!(head.starts_with("CONNECT 127.0.0.1:"), "{head}");
    assert!(
        head.contains("\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n"),
        "{head}"
    );
    assert_eq!(server.join().unwrap()[0].path, "/echo");
}

#[test]
fn tokio_through_a_socks5_proxy_with_credentials() {
    let (listener, addr) = bind();
    let server = echo_on(listener, 1);
    let (proxy, seen) = socks_proxy(Some(("user", "secret")), None, SOCKS_OK.to_vec());
    let url = format!("ws://localhost:{}/echo", addr.port());
    tokio_round_trip(&url, &via(format!("socks5h://user:secret@{proxy}"))).unwrap();
    let seen = seen.join().unwrap();
    assert_eq!(seen.auth, Some(("user".into(), "secret".into())));
    // socks5h://: the proxy got the name, to resolve it itself.
    assert_eq!((seen.atyp, &seen.addr[..]), (3, &b"localhost"[..]));
    assert_eq!(server.join().unwrap()[0].path, "/echo");
}

#[test]
fn tokio_proxy_refusal_is_the_same_error() {
    let answer = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n";
    let (proxy, _) = http_proxy(1, |_| (answer.to_vec(), false));
    let e = tokio_round_trip("ws://127.0.0.1:9/", &via(format!("http://{proxy}"))).unwrap_err();
    assert!(
        matches!(e, Error::Proxy(ProxyError::AuthRequired(_))),
        "{e:?}"
    );
    assert_eq!(e.status(), Some(407));
}

#[test]
fn tokio_follows_a_redirect_and_stops_a_loop_at_the_limit() {
    // A 301 to an echo server is followed.
    let (target, target_addr) = bind();
    let server = echo_on(target, 1);
    let (listener, addr) = bind();
    let location = format!("ws://{target_addr}/moved");
    let old = thread::spawn(move || {
        let mut s = accept(&listener);
        let head = read_head(&mut s);
        let answer = format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\n\r\n");
        s.write_all(answer.as_bytes()).unwrap();
        head
    });
    tokio_round_trip(&format!("ws://{addr}/old"), &ClientOptions::default()).unwrap();
    assert!(old.join().unwrap().starts_with("GET /old HTTP/1.1\r\n"));
    assert_eq!(server.join().unwrap()[0].path, "/moved");

    // A server that always redirects to itself: 1 + max_redirects requests.
    let (listener, addr) = bind();
    let looping = thread::spawn(move || {
        for _ in 0..3 {
            let mut s = accept(&listener);
            read_head(&mut s);
            s.write_all(b"HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n")
                .unwrap();
        }
    });
    let options = ClientOptions {
        max_redirects: 2,
        ..Default::default()
    };
    let e = tokio_round_trip(&format!("ws://{addr}/start"), &options).unwrap_err();
    let Error::TooManyRedirects { chain, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(chain.len(), 3, "{chain:?}");
    looping.join().unwrap();
}
