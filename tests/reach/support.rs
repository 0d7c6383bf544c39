//! Loopback servers and fake proxies for the reach tests.

pub(crate) use std::io::{self, Read, Write};
pub(crate) use std::net::{SocketAddr, TcpListener, TcpStream};
pub(crate) use std::thread::{self, JoinHandle};
pub(crate) use std::time::Duration;

pub(crate) use rfc6455::blocking::{self, ClientOptions, Error, Proxy};
pub(crate) use rfc6455::{CloseCode, Message};

/// The bound on every socket operation and channel wait.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

pub(crate) fn accept(listener: &TcpListener) -> TcpStream {
    let (stream, _) = listener.accept().expect("accept");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// What the echo server saw: the request path and the peer's address.
#[derive(Debug)]
pub(crate) struct Seen {
    pub(crate) path: String,
    pub(crate) authorization: Option<String>,
}

/// Accepts `connections` WebSocket connections one after another on
/// `listener`, echoing one message on each; reports what each request held.
pub(crate) fn echo_on(listener: TcpListener, connections: usize) -> JoinHandle<Vec<Seen>> {
    thread::spawn(move || {
        (0..connections)
            .map(|_| {
                let stream = accept(&listener);
                let mut seen = None;
                let accepted = blocking::accept_with(stream, &Default::default(), |req| {
                    seen = Some(Seen {
                        path: req.path().to_owned(),
                        authorization: req
                            .request()
                            .header("authorization")
                            .map(|v| String::from_utf8_lossy(v).into_owned()),
                    });
                    blocking::Decision::accept()
                });
                let Ok(blocking::Accepted::WebSocket(mut ws, _)) = accepted else {
                    panic!("server handshake failed");
                };
                if let Ok(msg @ Message::Text(_)) = ws.read() {
                    ws.send(msg).unwrap();
                }
                let _ = ws.read(); // the client's Close
                seen.unwrap()
            })
            .collect()
    })
}

/// An echo server for one connection; returns its `ws://` URL.
pub(crate) fn echo_server() -> (String, JoinHandle<Vec<Seen>>) {
    let (listener, addr) = bind();
    (format!("ws://{addr}/echo"), echo_on(listener, 1))
}

/// Sends "hi", expects it back, closes.
pub(crate) fn round_trip(url: &str, options: &ClientOptions) -> Result<(), Error> {
    let (mut ws, _) = blocking::connect_with(url, options)?;
    ws.send_text("hi")?;
    assert_eq!(ws.read()?, Message::text("hi"));
    ws.close(CloseCode::NORMAL, "")?;
    Ok(())
}

pub(crate) fn via(proxy: String) -> ClientOptions {
    ClientOptions {
        proxy: Proxy::Url(proxy),
        ..Default::default()
    }
}

/// Reads up to the end of an HTTP head (bounded by 16 KiB).
pub(crate) fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Copies bytes both ways between the client and the target until either
/// side closes (each read bounded by the sockets' timeouts).
pub(crate) fn pipe(client: TcpStream, target: TcpStream) {
    target.set_read_timeout(Some(TIMEOUT)).unwrap();
    let (mut c2, mut t2) = (client.try_clone().unwrap(), target.try_clone().unwrap());
    let up = thread::spawn(move || {
        let _ = io::copy(&mut c2, &mut t2);
        let _ = t2.shutdown(std::net::Shutdown::Write);
    });
    let (mut c, mut t) = (client, target);
    let _ = io::copy(&mut t, &mut c);
    let _ = c.shutdown(std::net::Shutdown::Write);
    up.join().unwrap();
}

/// A CONNECT proxy for `connections` connections: `answer` sees each
/// request head and returns the bytes to answer with and whether to open
/// the tunnel (to the authority in the request line). Returns the proxy's
/// address and, at the end, the request heads it received.
pub(crate) fn http_proxy<F>(connections: usize, answer: F) -> (SocketAddr, JoinHandle<Vec<String>>)
where
    F: Fn(&str) -> (Vec<u8>, bool) + Send + 'static,
{
    let (listener, addr) = bind();
    let handle = thread::spawn(move || {
        let mut heads = Vec::new();
        for _ in 0..connections {
            let mut client = accept(&listener);
            let head = read_head(&mut client);
            let (reply, open) = answer(&head);
            client.write_all(&reply).unwrap();
            if open {
                let target = head.split(' ').nth(1).unwrap().to_owned();
                pipe(client, TcpStream::connect(target).unwrap());
            }
            heads.push(head);
        }
        heads
    });
    (addr, handle)
}

pub(crate) const OPEN: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";

/// What a SOCKS5 client sent: the methods offered, the RFC 1929 user and
/// password, and the CONNECT request's address type and address bytes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct SocksSeen {
    pub(crate) methods: Vec<u8>,
    pub(crate) auth: Option<(String, String)>,
    pub(crate) atyp: u8,
    pub(crate) addr: Vec<u8>,
    pub(crate) port: u16,
}

fn read_exact_vec(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut v = vec![0; n];
    s.read_exact(&mut v).unwrap();
    v
}

/// A SOCKS5 proxy for one connection. With `user_pass`, it asks for
/// method 2 and checks the pair; then replies `reply` to the CONNECT (a
/// full success reply opens the tunnel to 127.0.0.1 and the port asked).
pub(crate) fn socks_proxy(
    user_pass: Option<(&'static str, &'static str)>,
    method_reply: Option<Vec<u8>>,
    reply: Vec<u8>,
) -> (SocketAddr, JoinHandle<SocksSeen>) {
    let (listener, addr) = bind();
    let handle = thread::spawn(move || {
        let mut c = accept(&listener);
        let mut seen = SocksSeen::default();
        let head = read_exact_vec(&mut c, 2);
        seen.methods = read_exact_vec(&mut c, usize::from(head[1]));
        if let Some(r) = method_reply {
            c.write_all(&r).unwrap();
            // Wait for the client to close.
            let _ = c.read(&mut [0; 1]);
            return seen;
        }
        if let Some((u, p)) = user_pass {
            c.write_all(&[5, 2]).unwrap();
            let v = read_exact_vec(&mut c, 2);
            let user = read_exact_vec(&mut c, usize::from(v[1]));
            let plen = read_exact_vec(&mut c, 1)[0];
            let pass = read_exact_vec(&mut c, usize::from(plen));
            let pair = (
                String::from_utf8(user).unwrap(),
                String::from_utf8(pass).unwrap(),
            );
            let ok = pair == (u.to_owned(), p.to_owned());
            seen.auth = Some(pair);
            c.write_all(&[1, if ok { 0 } else { 1 }]).unwrap();
            if !ok {
                return seen;
            }
        } else {
            c.write_all(&[5, 0]).unwrap();
        }
        let req = read_exact_vec(&mut c, 4);
        seen.atyp = req[3];
        seen.addr = match req[3] {
            1 => read_exact_vec(&mut c, 4),
            4 => read_exact_vec(&mut c, 16),
            _ => {
                let n = read_exact_vec(&mut c, 1)[0];
                read_exact_vec(&mut c, usize::from(n))
            }
        };
        let port = read_exact_vec(&mut c, 2);
        seen.port = u16::from_be_bytes([port[0], port[1]]);
        c.write_all(&reply).unwrap();
        if reply.len() >= 10 && reply[1] == 0 {
            pipe(c, TcpStream::connect(("127.0.0.1", seen.port)).unwrap());
        } else {
            let _ = c.read(&mut [0; 1]);
        }
        seen
    });
    (addr, handle)
}

pub(crate) const SOCKS_OK: [u8; 10] = [5, 0, 0, 1, 127, 0, 0, 1, 0, 0];
