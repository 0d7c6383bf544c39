//! Split halves.

use super::support::*;

/// A writer thread sends N messages while the reader reads the N echoes;
/// Pings the server sends meanwhile are answered although the writer is
/// busy, and the answer to the latest one always gets out before the Close.
#[test]
fn split_halves_from_two_threads() {
    const N: usize = 2000;
    const PING_EVERY: usize = 100;
    let (url, server) = ws_server(|mut ws| {
        let (mut pings, mut pongs) = (Vec::new(), Vec::new());
        let mut echoed = 0;
        for _ in 0..4 * N {
            match ws.read().unwrap() {
                m @ (Message::Text(_) | Message::Binary(_)) => {
                    ws.send(m).unwrap();
                    echoed += 1;
                    // Mid-way between echoes, so every Ping precedes the last echo.
                    if echoed % PING_EVERY == PING_EVERY / 2 {
                        ws.ping(echoed.to_string().as_bytes()).unwrap();
                        pings.push(echoed);
                    }
                }
                Message::Pong(p) => pongs.push(String::from_utf8(p.into_owned()).unwrap()),
                Message::Close(_) => return (pings, pongs),
                Message::Ping(_) => panic!("unexpected Ping"),
            }
        }
        panic!("no Close");
    });
    let (mut reader, mut writer) = connect(&url).split().unwrap();
    let sender = thread::spawn(move || {
        for i in 0..N {
            writer.send_text(&format!("message {i}")).unwrap();
        }
        writer
    });
    let mut pings_seen = 0;
    let mut next = 0;
    for _ in 0..2 * N {
        if next == N {
            break;
        }
        match reader.read().unwrap() {
            Message::Text(t) => {
                assert_eq!(t, format!("message {next}"));
                next += 1;
            }
            Message::Ping(_) => pings_seen += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(next, N);
    let mut writer = join(sender);
    writer.close(CloseCode::NORMAL, "done").unwrap();
    // The server's reply to our Close.
    assert!(matches!(
        reader.read().unwrap(),
        Message::Close(Some(CloseFrame {
            code: CloseCode::NORMAL,
            ..
        }))
    ));
    assert!(matches!(reader.read(), Err(Error::Closed)));

    let (pings, pongs) = join(server);
    assert_eq!(pings.len(), N / PING_EVERY);
    assert_eq!(pings_seen, pings.len());
    // Pongs answer Pings in order; a Ping flood may coalesce (§5.5.3), but the
    // latest Ping is always answered.
    let pongs: Vec<usize> = pongs.iter().map(|p| p.parse().unwrap()).collect();
    assert!(pongs.iter().all(|p| pings.contains(p)), "{pongs:?}");
    assert!(pongs.windows(2).all(|w| w[0] < w[1]), "{pongs:?}");
    assert_eq!(pongs.last(), pings.last(), "{pongs:?}");
}

/// While the writer half is busy sending a message larger than the socket
/// buffers (the server does not read yet), the reader half still reads, and
/// the Pong it queues goes out once the writer is done.
#[test]
fn split_reader_is_not_blocked_by_a_busy_writer() {
    const BIG: usize = 16 << 20;
    let (to_server, may_read) = mpsc::channel();
    let (url, server) = ws_server(move |mut ws| {
        ws.send_text("before").unwrap();
        ws.ping(b"while busy").unwrap();
        ws.send_text("after").unwrap();
        may_read.recv_timeout(TIMEOUT).expect("client read");
        read_until_close(&mut ws)
    });
    let (mut reader, mut writer) = connect(&url).split().unwrap();
    let (to_main, writing) = mpsc::channel();
    let sender = thread::spawn(move || {
        to_main.send(()).unwrap();
        writer.send_binary(&vec![7; BIG]).unwrap();
        writer
    });
    writing.recv_timeout(TIMEOUT).expect("writer started");
    assert_eq!(reader.read().unwrap(), Message::Text("before".into()));
    assert_eq!(reader.read().unwrap(), ping(b"while busy"));
    assert_eq!(reader.read().unwrap(), Message::Text("after".into()));
    to_server.send(()).unwrap();
    let mut writer = join(sender);
    writer.close(CloseCode::NORMAL, "").unwrap();
    assert!(matches!(reader.read().unwrap(), Message::Close(_)));
    let seen = join(server);
    let described: Vec<String> = seen.iter().map(describe).collect();
    assert_eq!(seen.len(), 2, "{described:?}");
    assert!(seen.contains(&pong(b"while busy")), "{described:?}");
    assert!(
        seen.iter().any(
            |m| matches!(m, Message::Binary(b) if b.len() == BIG && b.iter().all(|&x| x == 7))
        ),
        "{described:?}"
    );
}
