//! A test PKI (a CA and the certificates it signs), TLS configs trusting
//! it, and a one-connection TLS WebSocket server.

pub(crate) use std::net::{SocketAddr, TcpListener, TcpStream};
pub(crate) use std::sync::{Arc, mpsc};
pub(crate) use std::thread::{self, JoinHandle};
pub(crate) use std::time::Duration;

pub(crate) use rfc6455::blocking::{
    self, ClientOptions, ClientStream, Error, TlsStream, WebSocket,
};
pub(crate) use rfc6455::rustls::{self, CertificateError, ClientConfig, ServerConfig};
pub(crate) use rfc6455::{CloseCode, Message};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The bound on every blocking socket operation and channel wait.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

/// A certificate authority made for one test.
pub(crate) struct TestCa {
    pub(crate) pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate chain and its key, for a server.
pub(crate) struct Identity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

/// What a server certificate should be like.
#[derive(Clone, Copy)]
pub(crate) enum Leaf {
    /// For `localhost` and 127.0.0.1, valid now.
    Good,
    /// For `wrong.example` only.
    OtherHost,
    /// For `localhost`, expired in 2001.
    Expired,
}

impl TestCa {
    pub(crate) fn new() -> Self {
        // A name of its own: a CA with the same name would be taken for the
        // issuer, and the failure would be a bad signature, not an unknown CA.
        static SERIAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params
            .distinguished_name
            .push(DnType::CommonName, format!("rfc6455 test CA {serial}"));
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Self {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate signed by this CA.
    pub(crate) fn issue(&self, leaf: Leaf) -> Identity {
        let names: &[&str] = match leaf {
            Leaf::Good | Leaf::Expired => &["localhost", "127.0.0.1"],
            Leaf::OtherHost => &["wrong.example"],
        };
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        if let Leaf::Expired = leaf {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Identity {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// A client config that trusts this CA only.
    pub(crate) fn client_config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let config = ClientConfig::builder_with_provider(blocking::crypto_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }

    /// [`ClientOptions`] trusting this CA.
    pub(crate) fn options(&self) -> ClientOptions {
        ClientOptions {
            tls: Some(self.client_config()),
            ..Default::default()
        }
    }
}

impl Identity {
    pub(crate) fn server_config(self) -> Arc<ServerConfig> {
        let mut config = ServerConfig::builder_with_provider(blocking::crypto_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain, self.key)
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

/// Gives a socket [`TIMEOUT`] in both directions.
pub(crate) fn bounded(stream: &TcpStream) {
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
}

/// Runs `f` in a thread on the first TCP connection to a loopback port.
pub(crate) fn tcp_server<T, F>(f: F) -> (SocketAddr, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(TcpStream) -> T + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        bounded(&tcp);
        f(tcp)
    });
    (addr, handle)
}

/// A TLS WebSocket server for one connection: `f` gets what `accept` gave.
/// Returns the `wss://localhost:PORT/` URL.
pub(crate) fn wss_server<T, F>(config: Arc<ServerConfig>, f: F) -> (String, JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(Result<WebSocket<TlsStream>, Error>) -> T + Send + 'static,
{
    let (addr, handle) = tcp_server(move |tcp| {
        let tls = TlsStream::server(tcp, config).unwrap();
        f(blocking::accept(tls))
    });
    (format!("wss://localhost:{}/", addr.port()), handle)
}

/// Echoes Text and Binary until the peer closes; returns how many.
pub(crate) fn echo(ws: &mut WebSocket<TlsStream>) -> usize {
    let mut echoed = 0;
    // Bounded by the peer's close and the read timeouts (keepalive).
    loop {
        match ws.read() {
            Ok(msg @ (Message::Text(_) | Message::Binary(_))) => {
                ws.send(msg).unwrap();
                echoed += 1;
            }
            Ok(Message::Close(_)) | Err(Error::Closed) => return echoed,
            Ok(_) => {}
            Err(e) => panic!("server: {e}"),
        }
    }
}

/// `f` on a thread, failing the test if it has not returned within [`TIMEOUT`]
/// (so a missing deadline shows as a failure, not a hang).
pub(crate) fn within_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(TIMEOUT)
        .expect("still waiting after the test timeout: a deadline was not applied")
}

/// The certificate error inside a client's [`Error::Tls`].
pub(crate) fn certificate_error(result: Result<impl Sized, Error>) -> CertificateError {
    match result {
        Err(Error::Tls(rustls::Error::InvalidCertificate(e))) => e,
        Err(e) => panic!("not a certificate error: {e:?}"),
        Ok(_) => panic!("the connection succeeded"),
    }
}

/// Whether the server saw the client's refusal as a TLS alert.
pub(crate) fn is_alert(result: &Result<WebSocket<TlsStream>, Error>) -> bool {
    matches!(result, Err(Error::Tls(rustls::Error::AlertReceived(_))))
}
