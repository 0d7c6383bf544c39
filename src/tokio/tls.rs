//! wss:// for [`connect`](super::connect) (feature `tokio-rustls`), with the
//! blocking client's TLS configuration: [`ClientOptions::tls`], else the
//! built-in one (`ring`, Mozilla's roots plus `SSL_CERT_FILE`, ALPN
//! `http/1.1`).

use std::prelude::rust_2024::*;

use ::tokio::net::TcpStream;

use super::transport::MaybeTlsStream;
use crate::blocking::tls_client::{client_config_for, server_name};
use crate::blocking::{ClientOptions, Error};

/// The TLS handshake over `tcp`, for `host` (SNI and certificate name). A
/// certificate that does not verify is [`Error::Tls`].
pub(super) async fn connect(
    tcp: TcpStream,
    host: &str,
    options: &ClientOptions,
) -> Result<MaybeTlsStream, Error> {
    let config = client_config_for(options)?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(server_name(host)?, tcp)
        .await?;
    Ok(MaybeTlsStream::Rustls(Box::new(stream)))
}
