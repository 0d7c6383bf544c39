//! Connection set-up over TLS on loopback: TCP connect, TLS handshake and
//! the WebSocket opening handshake (RFC 6455 §4.1, "If /secure/ is true …"),
//! ending with a client ready to send; rfc6455 against tungstenite 0.30 with
//! its rustls feature.
//!
//! Same for both: one server thread on 127.0.0.1 (`TlsStream::server` +
//! `blocking::accept`, one connection at a time), the same certificate (an
//! ECDSA P-256 leaf for 127.0.0.1 signed by a CA made here with rcgen), the
//! same `rustls::ClientConfig` (ring provider, `blocking::crypto_provider`,
//! trusting that CA, no ALPN) and `TCP_NODELAY`. The URL is an IP literal,
//! so no name lookup is timed. No permessage-deflate (tungstenite has none).
//! - `rfc6455`: `blocking::connect_with("wss://…", ClientOptions { tls, .. })`.
//! - `tungstenite`: `TcpStream::connect` + `client_tls_with_config` with
//!   `Connector::Rustls(config)`.
//!
//! Groups: `tls_connect_full` (session resumption off: a full TLS 1.3
//! handshake each time) and `tls_connect_resumed` (the config's session
//! cache on: TLS 1.3 resumption after the first connection). Throughput is
//! connections/s.
//!
//! `cargo bench -p rfc6455-benches --bench tls_handshake -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rfc6455::blocking::{self, ClientOptions, TlsStream};
use rfc6455::rustls::client::Resumption;
use rfc6455::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use rfc6455::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tungstenite::Connector;

/// The CA's certificate and the server's config with a leaf it signed.
fn pki() -> (CertificateDer<'static>, Arc<ServerConfig>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    ca.distinguished_name
        .push(DnType::CommonName, "rfc6455 bench CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let server = ServerConfig::builder_with_provider(blocking::crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        )
        .unwrap();
    (ca_cert.der().clone(), Arc::new(server))
}

fn client_config(ca: &CertificateDer<'static>, resume: bool) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let mut config = ClientConfig::builder_with_provider(blocking::crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    if !resume {
        config.resumption = Resumption::disabled();
    }
    Arc::new(config)
}

/// Accepts WebSocket-over-TLS connections one after another, forever (the
/// thread ends with the process).
fn server(config: Arc<ServerConfig>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let _ = tcp.set_nodelay(true);
            if let Ok(tls) = TlsStream::server(tcp, Arc::clone(&config)) {
                // The handshake only; the connection is dropped after the 101.
                let _ = black_box(blocking::accept(tls));
            }
        }
    });
    addr
}

fn benches(c: &mut Criterion) {
    let (ca, server_config) = pki();
    let addr = server(server_config);
    let url = format!("wss://127.0.0.1:{}/", addr.port());
    for (group, resume) in [("tls_connect_full", false), ("tls_connect_resumed", true)] {
        let config = client_config(&ca, resume);
        let mut g = c.benchmark_group(group);
        g.throughput(Throughput::Elements(1));
        let options = ClientOptions {
            tls: Some(Arc::clone(&config)),
            deflate: None,
            ..Default::default()
        };
        g.bench_function("rfc6455", |b| {
            b.iter(|| black_box(blocking::connect_with(&url, &options).unwrap()));
        });
        g.bench_function("tungstenite", |b| {
            b.iter(|| {
                let tcp = TcpStream::connect(addr).unwrap();
                tcp.set_nodelay(true).unwrap();
                let connector = Connector::Rustls(Arc::clone(&config));
                black_box(
                    tungstenite::client_tls_with_config(url.as_str(), tcp, None, Some(connector))
                        .unwrap(),
                )
            });
        });
        g.finish();
    }
}

criterion_group!(tls_handshake, benches);
criterion_main!(tls_handshake);
