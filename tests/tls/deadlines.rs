//! The opening handshake's deadline covers the TLS handshake, on the client
//! (`connect_with`) and on the server (`accept` over `TlsStream` and over
//! rustls's own `StreamOwned`).

use crate::support::*;

use rfc6455::blocking::{Accepted, Decision, ServerOptions};
use rustls::{ServerConnection, StreamOwned};

/// Short enough to keep the tests quick; the waits are bounded by [`TIMEOUT`].
const DEADLINE: Duration = Duration::from_millis(300);

#[test]
fn the_handshake_deadline_covers_a_tls_server_that_says_nothing() {
    let ca = TestCa::new();
    // Accepts TCP, then neither reads nor writes until the client gives up.
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (addr, server) = tcp_server(move |_tcp| {
        let _ = done_rx.recv_timeout(TIMEOUT);
    });
    let url = format!("wss://localhost:{}/", addr.port());
    let options = ClientOptions {
        handshake_timeout: Some(DEADLINE),
        ..ca.options()
    };
    let result = within_timeout(move || blocking::connect_with(&url, &options).map(drop));
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    done_tx.send(()).unwrap();
    server.join().unwrap();
}

#[test]
fn a_tls_server_that_hangs_up_mid_handshake_is_a_handshake_eof() {
    let ca = TestCa::new();
    // Reads the ClientHello (so the close is a FIN, not a reset), then hangs up.
    let (addr, server) = tcp_server(|mut tcp| {
        let _ = std::io::Read::read(&mut tcp, &mut [0; 16 * 1024]);
    });
    let url = format!("wss://localhost:{}/", addr.port());
    let result = within_timeout(move || blocking::connect_with(&url, &ca.options()).map(drop));
    server.join().unwrap();
    assert!(matches!(result, Err(Error::HandshakeEof)), "{result:?}");
}

/// A client that opens TCP to `addr` and sends nothing until told.
fn silent_client(addr: SocketAddr) -> mpsc::Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    thread::spawn(move || {
        let _tcp = TcpStream::connect(addr).unwrap();
        let _ = rx.recv_timeout(TIMEOUT);
    });
    tx
}

fn short_handshake() -> ServerOptions {
    ServerOptions {
        handshake_timeout: Some(DEADLINE),
        ..Default::default()
    }
}

#[test]
fn accept_over_tls_stream_times_out_a_client_that_sends_nothing() {
    let ca = TestCa::new();
    let config = ca.issue(Leaf::Good).server_config();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let done = silent_client(listener.local_addr().unwrap());
    let result = within_timeout(move || {
        let (tcp, _) = listener.accept().unwrap();
        let tls = TlsStream::server(tcp, config).unwrap();
        blocking::accept_with(tls, &short_handshake(), |_| Decision::accept()).map(drop)
    });
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    let _ = done.send(());
}

#[test]
fn accept_over_rustls_stream_owned_times_out_a_client_that_sends_nothing() {
    let ca = TestCa::new();
    let config = ca.issue(Leaf::Good).server_config();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let done = silent_client(listener.local_addr().unwrap());
    let result = within_timeout(move || {
        let (tcp, _) = listener.accept().unwrap();
        // StreamOwned's write reads while the TLS handshake is unfinished,
        // so accept's 408 waits for this read timeout: give it one.
        tcp.set_read_timeout(Some(DEADLINE)).unwrap();
        let tls = StreamOwned::new(ServerConnection::new(config).unwrap(), tcp);
        // The deadlines reach the socket (without that, the read timeout
        // set above would end the handshake as well, only later).
        let probe = Duration::from_secs(2);
        blocking::Timeouts::set_write_timeout(&tls, Some(probe)).unwrap();
        assert_eq!(tls.sock.write_timeout().unwrap(), Some(probe));
        assert_eq!(
            blocking::Timeouts::read_timeout(&tls).unwrap(),
            Some(DEADLINE)
        );
        blocking::accept_with(tls, &short_handshake(), |_| Decision::accept()).map(drop)
    });
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    let _ = done.send(());
}

#[test]
fn our_client_talks_to_a_stream_owned_server() {
    let ca = TestCa::new();
    let config = ca.issue(Leaf::Good).server_config();
    let (addr, server) = tcp_server(move |tcp| {
        let tls = StreamOwned::new(ServerConnection::new(config).unwrap(), tcp);
        match blocking::accept_with(tls, &ServerOptions::default(), |_| Decision::accept()) {
            Ok(Accepted::WebSocket(mut ws, _)) => {
                let msg = ws.read().unwrap();
                ws.send(msg).unwrap();
                let _ = ws.read();
            }
            Ok(Accepted::Http { .. }) => panic!("plain HTTP"),
            Err(e) => panic!("server: {e}"),
        }
    });
    let url = format!("wss://localhost:{}/", addr.port());
    let (mut ws, _) = blocking::connect_with(&url, &ca.options()).unwrap();
    ws.send_text("owned").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("owned".into()));
    ws.close(CloseCode::NORMAL, "").unwrap();
    server.join().unwrap();
}

#[test]
fn a_record_trickled_byte_by_byte_cannot_stretch_a_read_past_its_timeout() {
    // Each byte comes well within the read timeout, the whole record long after it.
    const GAP: Duration = Duration::from_millis(50);
    const READ_TIMEOUT: Duration = Duration::from_millis(500);
    let ca = TestCa::new();
    let config = ca.issue(Leaf::Good).server_config();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let (addr, server) = tcp_server(move |tcp| {
        let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), tcp);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock).unwrap();
        }
        // One record of 60 plaintext bytes, sent a byte at a time.
        std::io::Write::write_all(&mut tls.conn.writer(), &[b'x'; 60]).unwrap();
        let mut record = Vec::new();
        while tls.conn.wants_write() {
            tls.conn.write_tls(&mut record).unwrap();
        }
        for byte in record {
            if stop_rx.try_recv().is_ok()
                || std::io::Write::write_all(&mut tls.sock, &[byte]).is_err()
            {
                return;
            }
            thread::sleep(GAP);
        }
    });
    let tcp = TcpStream::connect(addr).unwrap();
    bounded(&tcp);
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = TlsStream::client(tcp, ca.client_config(), name).unwrap();
    tls.complete_handshake(Some(TIMEOUT)).unwrap();
    blocking::Timeouts::set_read_timeout(&tls, Some(READ_TIMEOUT)).unwrap();
    let result = within_timeout(move || {
        let mut buf = [0; 100];
        let result = std::io::Read::read(&mut tls, &mut buf);
        let timeout_kept = blocking::Timeouts::read_timeout(&tls).unwrap();
        (result.map_err(|e| e.kind()), timeout_kept)
    });
    let _ = stop_tx.send(());
    server.join().unwrap();
    let (result, timeout_kept) = result;
    assert!(
        matches!(
            result,
            Err(std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)
        ),
        "{result:?}"
    );
    assert_eq!(
        timeout_kept,
        Some(READ_TIMEOUT),
        "the caller's timeout is restored"
    );
}
