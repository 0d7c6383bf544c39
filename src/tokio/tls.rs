//! wss:// for [`connect`](super::connect) (feature `tokio-rustls`).

use std::prelude::rust_2024::*;

use std::io;
use std::sync::Arc;

use ::tokio::net::TcpStream;
use rustls::pki_types::ServerName;

use super::transport::MaybeTlsStream;
use crate::blocking::{ClientOptions, Error};

/// The TLS handshake over `tcp`, for `host` (SNI and certificate name).
pub(super) async fn connect(
    tcp: TcpStream,
    host: &str,
    options: &ClientOptions,
) -> Result<MaybeTlsStream, Error> {
    let config = tls_config(options)?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await?;
    Ok(MaybeTlsStream::Rustls(Box::new(stream)))
}

/// The client's rustls configuration: Mozilla's roots (`webpki-roots`) and
/// the `ring` provider, chosen explicitly (no process-wide provider needed).
// Stand-in until `ClientOptions::tls` and the blocking client's default
// config (src/blocking/tls.rs, another branch) are merged; then this uses them.
// `ring::default_provider` is deprecated since rustls 0.23.48 (no
// post-quantum key exchange); `ring` is the crate's chosen provider (see
// Cargo.toml), so the warning is accepted here until the shared config lands.
#[allow(deprecated)]
fn tls_config(options: &ClientOptions) -> Result<Arc<rustls::ClientConfig>, Error> {
    let _ = options;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(io::Error::other)?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}
