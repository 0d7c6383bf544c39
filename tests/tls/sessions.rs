//! Whole sessions over TLS: messages both ways, `split` with two threads,
//! and how the end of the TLS connection is reported.

use crate::support::*;

#[test]
fn our_client_and_server_talk_wss_to_each_other() {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::Good).server_config(), |ws| {
        echo(&mut ws.expect("server accept over TLS"))
    });
    let (mut ws, _response) = blocking::connect_with(&url, &ca.options()).expect("wss connect");
    assert!(matches!(ws.get_ref(), ClientStream::Tls(_)));
    ws.send_text("hello over TLS").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("hello over TLS".into()));
    // Several TLS records (16 KiB of plaintext each) for one message.
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    ws.send_binary(&big).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Binary(big.into()));
    ws.close(CloseCode::NORMAL, "done").unwrap();
    assert_eq!(server.join().unwrap(), 2);
}

#[test]
fn split_over_tls_runs_a_reader_and_a_writer_thread() {
    const MESSAGES: usize = 300;
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::Good).server_config(), |ws| {
        let mut ws = ws.expect("server accept over TLS");
        // Pings make the client's reader write Pongs while its writer writes.
        let mut echoed = 0;
        // Bounded: the client sends MESSAGES messages and then closes.
        loop {
            match ws.read() {
                Ok(msg @ Message::Text(_)) => {
                    ws.send(msg).unwrap();
                    echoed += 1;
                    if echoed % 10 == 0 {
                        ws.ping(b"are you there").unwrap();
                    }
                }
                Ok(Message::Close(_)) | Err(Error::Closed) => return echoed,
                Ok(_) => {}
                Err(e) => panic!("server: {e}"),
            }
        }
    });
    let (ws, _) = blocking::connect_with(&url, &ca.options()).unwrap();
    // A lock held while a half waits would stall the other: fail, not hang.
    within_timeout(move || talk_split(ws, MESSAGES));
    assert_eq!(server.join().unwrap(), MESSAGES);
}

/// Sends `messages` from a writer thread while reading their echoes.
fn talk_split(ws: WebSocket<ClientStream>, messages: usize) {
    let (mut reader, mut writer) = ws.split().expect("split over TLS");
    let sender = thread::spawn(move || {
        for i in 0..messages {
            writer.send_text(&format!("message {i}")).unwrap();
        }
        writer
    });
    for i in 0..messages {
        // Pongs from the server never show up here: only echoes and Pings.
        let text = loop {
            match reader.read().unwrap() {
                Message::Text(text) => break text,
                Message::Ping(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(text, format!("message {i}"));
    }
    let mut writer = sender.join().unwrap();
    writer.close(CloseCode::NORMAL, "").unwrap();
    // Bounded: the server answers the Close.
    loop {
        match reader.read() {
            Ok(Message::Close(_)) | Err(Error::Closed) => break,
            Ok(_) => {}
            Err(e) => panic!("client reader: {e}"),
        }
    }
}

/// What the client's read reports after the server ended TLS one way or
/// the other without a WebSocket Close.
fn client_read_after(end: fn(&mut WebSocket<TlsStream>)) -> Error {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::Good).server_config(), move |ws| {
        let mut ws = ws.unwrap();
        assert_eq!(ws.read().unwrap(), Message::Text("end it".into()));
        end(&mut ws);
    });
    let (mut ws, _) = blocking::connect_with(&url, &ca.options()).unwrap();
    ws.send_text("end it").unwrap();
    server.join().unwrap();
    ws.read().expect_err("the server is gone")
}

#[test]
fn a_tcp_close_without_close_notify_is_a_truncation_error() {
    let error = client_read_after(|ws| {
        ws.get_ref()
            .get_ref()
            .shutdown(std::net::Shutdown::Both)
            .unwrap();
    });
    assert!(
        matches!(&error, Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof),
        "{error:?}"
    );
}

#[test]
fn close_notify_ends_tls_cleanly_and_the_missing_close_frame_is_1006() {
    let error = client_read_after(|ws| {
        ws.get_mut().send_close_notify().unwrap();
    });
    assert!(
        matches!(error, Error::Connection(rfc6455::Error::UnexpectedEof)),
        "{error:?}"
    );
}
