//! Redirect answers to the opening handshake: followed, limited, refused.

use crate::support::*;
use rfc6455::HandshakeError;
use rfc6455::handshake::{Header, RedirectError};

/// Answers `connections` requests on `listener` with `status` and `location`.
fn redirector(
    listener: TcpListener,
    connections: usize,
    status: &'static str,
    location: Option<String>,
) -> JoinHandle<Vec<String>> {
    thread::spawn(move || {
        (0..connections)
            .map(|_| {
                let mut s = accept(&listener);
                let head = read_head(&mut s);
                let location = location
                    .as_deref()
                    .map_or(String::new(), |l| format!("Location: {l}\r\n"));
                let answer = format!("HTTP/1.1 {status}\r\n{location}Content-Length: 0\r\n\r\n");
                s.write_all(answer.as_bytes()).unwrap();
                head
            })
            .collect()
    })
}

#[test]
fn moved_permanently_to_another_port() {
    let (target, target_addr) = bind();
    let server = echo_on(target, 1);
    let (listener, addr) = bind();
    let location = format!("ws://{target_addr}/moved?x=1");
    let old = redirector(listener, 1, "301 Moved Permanently", Some(location));
    round_trip(&format!("ws://{addr}/old"), &ClientOptions::default()).unwrap();
    assert!(old.join().unwrap()[0].starts_with("GET /old HTTP/1.1\r\n"));
    assert_eq!(server.join().unwrap()[0].path, "/moved");
}

#[test]
fn relative_location_on_the_same_server() {
    let (listener, addr) = bind();
    let server = thread::spawn(move || {
        let mut s = accept(&listener);
        let head = read_head(&mut s);
        s.write_all(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: ../b/c\r\n\r\n")
            .unwrap();
        drop(s);
        (head, echo_on(listener, 1).join().unwrap())
    });
    round_trip(&format!("ws://{addr}/a/x/y"), &ClientOptions::default()).unwrap();
    let (first, seen) = server.join().unwrap();
    assert!(first.starts_with("GET /a/x/y "), "{first}");
    assert_eq!(seen[0].path, "/a/b/c");
}

#[test]
fn a_redirect_loop_stops_at_the_limit_with_the_chain() {
    let (listener, addr) = bind();
    let base = format!("ws://{addr}");
    // Three redirects are followed, so four requests arrive.
    let server = redirector(listener, 4, "302 Found", Some("/loop".into()));
    let e = round_trip(&format!("{base}/start"), &ClientOptions::default()).unwrap_err();
    let Error::TooManyRedirects { chain, response } = &e else {
        panic!("{e:?}")
    };
    let loops = format!("{base}/loop");
    assert_eq!(
        *chain,
        [format!("{base}/start"), loops.clone(), loops.clone(), loops]
    );
    assert_eq!((response.status(), e.status()), (302, Some(302)));
    assert!(e.to_string().contains("3 followed"), "{e}");
    assert_eq!(server.join().unwrap().len(), 4);
}

#[test]
fn max_redirects_zero_returns_the_redirect_itself() {
    let (listener, addr) = bind();
    let server = redirector(listener, 1, "301 Moved Permanently", Some("/x".into()));
    let options = ClientOptions {
        max_redirects: 0,
        ..Default::default()
    };
    let e = round_trip(&format!("ws://{addr}/"), &options).unwrap_err();
    let Error::Handshake(HandshakeError::UnexpectedStatus(r)) = &e else {
        panic!("{e:?}")
    };
    assert_eq!((r.status(), r.header("location")), (301, Some(&b"/x"[..])));
    server.join().unwrap();
}

#[test]
fn unusable_locations_are_redirect_errors_with_the_chain() {
    let cases: [(Option<&str>, RedirectError); 4] = [
        (
            Some("ftp://files.example/"),
            RedirectError::UnsupportedScheme {
                scheme: "ftp".into(),
            },
        ),
        (Some("ws:// garbage"), RedirectError::InvalidLocation),
        (Some("/caf\u{e9}"), RedirectError::InvalidLocation),
        (None, RedirectError::MissingLocation),
    ];
    for (location, want) in cases {
        let (listener, addr) = bind();
        let server = redirector(listener, 1, "303 See Other", location.map(str::to_owned));
        let url = format!("ws://{addr}/here");
        let e = round_trip(&url, &ClientOptions::default()).unwrap_err();
        let Error::Redirect { chain, error, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!((chain, error), (&vec![url.clone()], &want), "{location:?}");
        assert_eq!(e.status(), Some(303));
        server.join().unwrap();
    }
}

#[test]
fn credentials_stay_with_the_first_origin() {
    let (target, target_addr) = bind();
    let server = echo_on(target, 1);
    let (listener, addr) = bind();
    let location = format!("ws://{target_addr}/elsewhere");
    let first = redirector(listener, 1, "302 Found", Some(location));
    let options = ClientOptions {
        headers: vec![Header::new("Authorization", "Bearer secret")],
        ..Default::default()
    };
    round_trip(&format!("ws://{addr}/"), &options).unwrap();
    assert!(first.join().unwrap()[0].contains("Authorization: Bearer secret"));
    assert_eq!(server.join().unwrap()[0].authorization, None);
    // Same origin: kept.
    let (listener, addr) = bind();
    let server = thread::spawn(move || {
        let mut s = accept(&listener);
        read_head(&mut s);
        s.write_all(b"HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n")
            .unwrap();
        drop(s);
        echo_on(listener, 1).join().unwrap()
    });
    round_trip(&format!("ws://{addr}/"), &options).unwrap();
    let seen = server.join().unwrap();
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer secret"));
}

#[test]
fn each_hop_opens_a_new_tunnel() {
    let (target, target_addr) = bind();
    let server = echo_on(target, 1);
    let (listener, addr) = bind();
    let first = redirector(
        listener,
        1,
        "308 Permanent Redirect",
        Some(format!("ws://{target_addr}/b")),
    );
    let (proxy, heads) = http_proxy(2, |_| (OPEN.to_vec(), true));
    round_trip(&format!("ws://{addr}/a"), &via(format!("http://{proxy}"))).unwrap();
    let heads = heads.join().unwrap();
    assert!(
        heads[0].starts_with(&format!("CONNECT {addr} ")),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].starts_with(&format!("CONNECT {target_addr} ")),
        "{}",
        heads[1]
    );
    first.join().unwrap();
    server.join().unwrap();
}
