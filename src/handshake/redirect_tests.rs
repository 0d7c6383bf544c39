use super::*;

fn response(location: Option<&[u8]>) -> HttpResponse {
    let mut head = Vec::from(&b"HTTP/1.1 302 Found\r\n"[..]);
    if let Some(l) = location {
        head.extend_from_slice(b"Location: ");
        head.extend_from_slice(l);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    HttpResponse::parse(&head, 8).unwrap()
}

fn follow(from: &str, location: &str) -> Result<String, RedirectError> {
    redirect_location(
        &WsUrl::parse(from).unwrap(),
        &response(Some(location.as_bytes())),
    )
}

#[test]
fn statuses() {
    for s in [301, 302, 303, 307, 308] {
        assert!(is_redirect(s));
    }
    for s in [101, 200, 300, 304, 305, 306, 400] {
        assert!(!is_redirect(s));
    }
}

#[test]
fn absolute_and_relative_locations() {
    let base = "ws://a.example:8080/chat/room?x=1";
    let cases = [
        ("ws://b.example/next", "ws://b.example/next"),
        ("WSS://b.example:444", "wss://b.example:444/"),
        ("http://b.example/p", "ws://b.example/p"),
        ("https://b.example/p", "wss://b.example/p"),
        ("//c.example:9/p?q", "ws://c.example:9/p?q"),
        ("/lobby", "ws://a.example:8080/lobby"),
        ("/a/./b/../c", "ws://a.example:8080/a/c"),
        ("other", "ws://a.example:8080/chat/other"),
        ("../up?y=2", "ws://a.example:8080/up?y=2"),
        ("../../../../x", "ws://a.example:8080/x"),
        (".", "ws://a.example:8080/chat/"),
        ("?z=3", "ws://a.example:8080/chat/room?z=3"),
        ("/p#frag", "ws://a.example:8080/p"),
        ("  /trimmed ", "ws://a.example:8080/trimmed"),
        ("ws://[::1]:9/v6", "ws://[::1]:9/v6"),
    ];
    for (location, want) in cases {
        assert_eq!(follow(base, location).as_deref(), Ok(want), "{location}");
    }
    // An upgrade from ws to wss is fine; a fragment-only Location keeps the URL.
    assert_eq!(follow("ws://h/p", "wss://h/p").as_deref(), Ok("wss://h/p"));
    assert_eq!(follow("wss://h/p?q", "#f").as_deref(), Ok("wss://h/p?q"));
}

#[test]
fn refused_locations() {
    use RedirectError::*;
    let cases = [
        ("wss://h/", "ws://h/", Downgrade),
        ("wss://h/", "http://h/", Downgrade),
        (
            "ws://h/",
            "ftp://h/",
            UnsupportedScheme {
                scheme: "ftp".into(),
            },
        ),
        (
            "ws://h/",
            "javascript:alert(1)",
            UnsupportedScheme {
                scheme: "javascript".into(),
            },
        ),
        ("ws://h/", "ws:nohost", InvalidLocation),
        ("ws://h/", "/a b", InvalidLocation),
        ("ws://h/", "/caf\u{e9}", InvalidLocation),
        ("ws://h/", "", InvalidLocation),
        ("ws://h/", "ws://u@h/", InvalidUrl(UrlError::UserInfo)),
        ("ws://h/", "ws://h:0/", InvalidUrl(UrlError::InvalidPort)),
        ("ws://h/", "//", InvalidUrl(UrlError::EmptyHost)),
    ];
    for (from, location, want) in cases {
        assert_eq!(follow(from, location), Err(want), "{from} -> {location}");
    }
    // "//h:80/" from wss keeps wss (port 80 is just a port): no downgrade.
    assert_eq!(follow("wss://h/", "//h:80/").as_deref(), Ok("wss://h:80/"));
    let current = WsUrl::parse("ws://h/").unwrap();
    assert_eq!(
        redirect_location(&current, &response(None)),
        Err(MissingLocation)
    );
    let long = alloc::format!("{}://h/", "x".repeat(100));
    let Err(UnsupportedScheme { scheme }) = follow("ws://h/", &long) else {
        panic!()
    };
    assert_eq!(scheme.len(), 32);
}
