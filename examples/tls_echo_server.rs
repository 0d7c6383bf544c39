//! TLS echo server: `cargo run --release --example tls_echo_server -- CERT.pem KEY.pem [ADDR]`
//! (default 127.0.0.1:9443). Serves `wss://` with the certificate chain in
//! CERT.pem and its private key in KEY.pem (PKCS#8, PKCS#1 or SEC1 PEM), and
//! echoes every Text and Binary message, as `echo_server` does over TCP.
//!
//! Each connection is a [`TlsStream`](rfc6455::blocking::TlsStream) accepted
//! with `blocking::accept`: the TLS handshake runs inside it, within the
//! opening handshake's deadline (10 s), and the socket's timeouts bound every
//! later wait. (A `rustls::StreamOwned` works with `accept` too; it cannot be
//! `split`.) To try it with a self-signed certificate for localhost (not a
//! CA: webpki refuses a CA certificate used as the server's own):
//!
//! ```sh
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
//!     -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
//!     -addext basicConstraints=critical,CA:FALSE -keyout key.pem -out cert.pem
//! cargo run --example tls_echo_server -- cert.pem key.pem
//! SSL_CERT_FILE=cert.pem cargo run --example client -- wss://localhost:9443/
//! ```

#[path = "shared/accept_loop.rs"]
mod accept_loop;

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use rfc6455::Message;
use rfc6455::blocking::{self, TlsStream};
use rfc6455::rustls::ServerConfig;
use rfc6455::rustls::pki_types::pem::PemObject;
use rfc6455::rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cert, key, addr) = match args.as_slice() {
        [cert, key] => (cert, key, "127.0.0.1:9443"),
        [cert, key, addr] => (cert, key, addr.as_str()),
        _ => {
            eprintln!("usage: tls_echo_server CERT.pem KEY.pem [ADDR]");
            std::process::exit(2);
        }
    };
    let config = server_config(cert, key).unwrap_or_else(|e| {
        eprintln!("tls_echo_server: {e}");
        std::process::exit(1);
    });
    let listener = TcpListener::bind(addr).unwrap_or_else(|e| {
        eprintln!("tls_echo_server: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    match listener.local_addr() {
        Ok(local) => eprintln!("tls_echo_server: listening on wss://{local}"),
        Err(e) => eprintln!("tls_echo_server: listening ({e})"),
    }
    accept_loop::serve_forever(&listener, "tls_echo_server", |tcp| {
        let config = Arc::clone(&config);
        accept_loop::spawn(thread::Builder::new(), move || serve(tcp, config))
    })
}

/// The certificate chain and key from PEM files, with the crate's `ring`
/// provider; ALPN `http/1.1`, so a browser does not pick HTTP/2.
fn server_config(cert: &str, key_file: &str) -> Result<Arc<ServerConfig>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{cert}: {e}"))?;
    if chain.is_empty() {
        return Err(format!("{cert}: no PEM certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| format!("{key_file}: {e}"))?;
    let mut config = ServerConfig::builder_with_provider(blocking::crypto_provider())
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| format!("{cert}, {key_file}: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn serve(tcp: TcpStream, config: Arc<ServerConfig>) {
    let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let _ = tcp.set_nodelay(true);
    let tls = match TlsStream::server(tcp, config) {
        Ok(tls) => tls,
        Err(e) => return eprintln!("tls_echo_server: {peer}: {e}"),
    };
    // A TLS failure (the client refused our certificate, or spoke plain
    // HTTP to this port) is `blocking::Error::Tls`.
    let mut ws = match blocking::accept(tls) {
        Ok(ws) => ws,
        Err(e) => return eprintln!("tls_echo_server: {peer} handshake failed: {e}"),
    };
    eprintln!("tls_echo_server: {peer} connected");
    // Bounded by the defaults: keepalive ends a silent peer, the write
    // timeout one that never reads.
    loop {
        match ws.read() {
            Ok(msg @ (Message::Text(_) | Message::Binary(_))) => {
                if let Err(e) = ws.send(msg) {
                    return eprintln!("tls_echo_server: {peer} send failed: {e}");
                }
            }
            Ok(Message::Close(frame)) => {
                return eprintln!("tls_echo_server: {peer} closed: {frame:?}");
            }
            Ok(_) => {}
            Err(e) => return eprintln!("tls_echo_server: {peer}: {e}"),
        }
    }
}
