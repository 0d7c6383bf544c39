//! `wss://` for the blocking client: the built-in rustls configuration (Mozilla's
//! roots plus `SSL_CERT_FILE`), the TLS step of [`connect`](super::connect),
//! and [`Timeouts`] for rustls's own `StreamOwned`.

use std::prelude::rust_2024::*;
use std::{format, vec};

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

use super::client::ClientOptions;
use super::error::{Error, is_timeout};
use super::stream::ClientStream;
use super::tls::TlsStream;
use super::tls_session::lock;
use super::transport::Timeouts;

/// The one ALPN protocol a WebSocket client may offer: RFC 6455 runs its
/// opening handshake over HTTP/1.1 (§4.1); `h2` would need RFC 8441.
const HTTP_1_1: &[u8] = b"http/1.1";

/// The TLS step of [`connect`](super::connect) for a `wss://` URL (§4.1: "If
/// /secure/ is true, the client MUST perform a TLS handshake over the
/// connection after opening the connection and before sending the handshake
/// data", with SNI naming `host`). The handshake must end by `deadline`.
///
/// Every failure is an error; nothing here falls back to `ws://`.
pub(crate) fn secure(
    tcp: TcpStream,
    host: &str,
    options: &ClientOptions,
    deadline: Option<Instant>,
) -> Result<ClientStream, Error> {
    let mut tls = TlsStream::client(tcp, client_config_for(options)?, server_name(host)?)
        .map_err(Error::Tls)?;
    let timeout = match deadline {
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Some(left),
            _ => return Err(Error::HandshakeTimeout),
        },
        None => None,
    };
    match tls.complete_handshake(timeout) {
        Ok(()) => Ok(ClientStream::Tls(tls)),
        Err(e) if is_timeout(&e) && timeout.is_some() => Err(Error::HandshakeTimeout),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(Error::HandshakeEof),
        Err(e) => Err(e.into()),
    }
}

/// The TLS config a client with `options` uses: [`ClientOptions::tls`]
/// (whose ALPN must allow HTTP/1.1), else [`default_client_config`]. For
/// every adapter's `wss://`.
pub(crate) fn client_config_for(options: &ClientOptions) -> Result<Arc<ClientConfig>, Error> {
    match &options.tls {
        Some(config) => {
            check_alpn(config)?;
            Ok(Arc::clone(config))
        }
        None => default_client_config(),
    }
}

/// The name to send as SNI and to verify the certificate against: a DNS
/// name or an IP address (`host` without brackets, as `WsUrl::host` gives it).
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(host.to_owned()).map_err(|_| {
        Error::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{host:?} is not a host name TLS can verify"),
        ))
    })
}

/// A caller's config may offer `http/1.1` or nothing: a server that picked
/// `h2` would answer our HTTP/1.1 upgrade in a protocol we do not speak.
fn check_alpn(config: &ClientConfig) -> Result<(), Error> {
    if config.alpn_protocols.iter().all(|p| p == HTTP_1_1) {
        return Ok(());
    }
    Err(Error::Io(io::Error::new(
        io::ErrorKind::InvalidInput,
        "ClientOptions::tls offers ALPN protocols other than http/1.1; \
         WebSocket (RFC 6455) needs HTTP/1.1",
    )))
}

/// The rustls crypto provider this crate uses for TLS: `ring`'s, chosen
/// explicitly (never rustls's process-wide default, so nothing needs
/// installing and nothing can panic for want of one). Use it to build a
/// [`ClientConfig`] for [`ClientOptions::tls`] or a `ServerConfig` for
/// [`TlsStream::server`] with the same algorithms:
///
/// ```
/// use rfc6455::blocking;
/// use rfc6455::rustls::{ClientConfig, RootCertStore};
///
/// let config = ClientConfig::builder_with_provider(blocking::crypto_provider())
///     .with_safe_default_protocol_versions()?
///     .with_root_certificates(RootCertStore::empty())
///     .with_no_client_auth();
/// # Ok::<(), rfc6455::rustls::Error>(())
/// ```
///
/// `ring` needs only a C compiler (no cmake, no NASM). rustls 0.23.48
/// deprecated its `ring` provider because it has no post-quantum key
/// exchange (X25519MLKEM768, which its `aws-lc-rs` provider has); key
/// exchange here is X25519 or the NIST curves.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    // Deprecated only for the missing post-quantum groups (see above): the
    // provider choice is the crate's (Cargo.toml, feature `rustls`).
    #[allow(deprecated)]
    let provider = PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()));
    Arc::clone(provider)
}

/// The client config used when [`ClientOptions::tls`] is `None`: rustls
/// with the `ring` provider (chosen here, never the process default, so no
/// CryptoProvider needs installing), TLS 1.2 and 1.3, ALPN `http/1.1`, and
/// as roots Mozilla's (`webpki-roots`) plus the PEM bundle named by
/// `SSL_CERT_FILE` if set, as curl and OpenSSL read it.
///
/// Built once and shared (so TLS sessions resume across connections);
/// rebuilt when `SSL_CERT_FILE` names another file. An unreadable bundle, or
/// one without a usable certificate, is an error naming the file.
pub(crate) fn default_client_config() -> Result<Arc<ClientConfig>, Error> {
    static BUILT: Mutex<Option<(Option<OsString>, Arc<ClientConfig>)>> = Mutex::new(None);
    let cert_file = std::env::var_os("SSL_CERT_FILE").filter(|f| !f.is_empty());
    let mut built = lock(&BUILT);
    if let Some((file, config)) = &*built {
        if *file == cert_file {
            return Ok(Arc::clone(config));
        }
    }
    let config = Arc::new(client_config(cert_file.as_deref().map(Path::new))?);
    *built = Some((cert_file, Arc::clone(&config)));
    Ok(config)
}

fn client_config(cert_file: Option<&Path>) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = cert_file {
        add_pem_bundle(&mut roots, path)?;
    }
    let mut config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![HTTP_1_1.to_vec()];
    Ok(config)
}

/// Adds the certificates of a PEM bundle as roots; certificates webpki
/// cannot use are skipped (as OpenSSL does), but at least one must be usable.
fn add_pem_bundle(roots: &mut RootCertStore, path: &Path) -> Result<(), Error> {
    let fail = |kind: io::ErrorKind, what: &dyn core::fmt::Display| {
        Error::Io(io::Error::new(
            kind,
            format!("SSL_CERT_FILE {}: {what}", path.display()),
        ))
    };
    let pem = fs::read(path).map_err(|e| fail(e.kind(), &e))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(io::ErrorKind::InvalidData, &e))?;
    let (added, _unusable) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(fail(
            io::ErrorKind::InvalidData,
            &"no usable PEM certificate in the file",
        ));
    }
    Ok(())
}

/// Takes the `rustls::Error` out of an `io::Error` that carries one (as
/// [`TlsStream`] and rustls's `StreamOwned` report TLS failures).
pub(super) fn unwrap_tls_error(e: io::Error) -> Result<rustls::Error, io::Error> {
    if !e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return Err(e);
    }
    let kind = e.kind();
    match e
        .into_inner()
        .map(|inner| inner.downcast::<rustls::Error>())
    {
        Some(Ok(tls)) => Ok(*tls),
        Some(Err(other)) => Err(io::Error::new(kind, other)),
        None => Err(kind.into()),
    }
}

/// rustls's own stream gets the deadlines of its socket, for those who
/// prefer it to [`TlsStream`] (it does not split: it has no [`TryClone`](super::TryClone)).
/// Its reads may wait on the socket more than once per call, each time up
/// to the read timeout.
impl<C, T: Read + Write + Timeouts> Timeouts for rustls::StreamOwned<C, T> {
    fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.sock.read_timeout()
    }

    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_read_timeout(timeout)
    }

    fn write_timeout(&self) -> io::Result<Option<Duration>> {
        self.sock.write_timeout()
    }

    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.sock.set_write_timeout(timeout)
    }
}

#[cfg(test)]
mod tests {
    use std::string::{String, ToString};
    use std::{format, vec};

    use super::{
        ClientConfig, Error, HTTP_1_1, ServerName, check_alpn, client_config, fs, io, server_name,
    };

    /// A file of its own under the temp dir, removed on drop.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str, contents: &[u8]) -> Self {
            let path = std::env::temp_dir()
                .join(format!("rfc6455-tls-client-{}-{name}", std::process::id()));
            fs::write(&path, contents).unwrap();
            Self(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = fs::remove_file(&self.0);
        }
    }

    fn message(result: Result<ClientConfig, Error>) -> String {
        match result {
            Err(Error::Io(e)) => e.to_string(),
            Err(e) => panic!("not an I/O error: {e}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn a_missing_empty_or_unusable_bundle_is_an_error_naming_the_file() {
        let missing = std::env::temp_dir().join("rfc6455-no-such-bundle.pem");
        assert!(message(client_config(Some(&missing))).contains("rfc6455-no-such-bundle.pem"));
        let empty = TempFile::new("empty.pem", b"");
        let text = message(client_config(Some(&empty.0)));
        assert!(
            text.contains("empty.pem") && text.contains("no usable"),
            "{text}"
        );
        let junk = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let junk = TempFile::new("junk.pem", junk);
        assert!(message(client_config(Some(&junk.0))).contains("junk.pem"));
    }

    #[test]
    fn the_built_in_config_offers_http_1_1_only() {
        let config = client_config(None).unwrap();
        assert_eq!(config.alpn_protocols, [HTTP_1_1.to_vec()]);
        assert!(check_alpn(&config).is_ok());
        let mut h2 = config.clone();
        h2.alpn_protocols = vec![b"h2".to_vec(), HTTP_1_1.to_vec()];
        assert!(
            matches!(check_alpn(&h2), Err(Error::Io(e)) if e.kind() == io::ErrorKind::InvalidInput)
        );
    }

    #[test]
    fn tls_errors_wrapped_in_io_errors_come_out_whole() {
        let wrapped = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert!(matches!(
            Error::from(wrapped),
            Error::Tls(rustls::Error::DecryptError)
        ));
        let plain = io::Error::new(io::ErrorKind::InvalidData, "not TLS");
        assert!(matches!(Error::from(plain), Error::Io(_)));
    }

    #[test]
    fn server_names_are_dns_names_or_ip_addresses() {
        assert!(matches!(
            server_name("localhost"),
            Ok(ServerName::DnsName(_))
        ));
        assert!(matches!(
            server_name("127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        // WsUrl::host strips the brackets of an IPv6 literal.
        assert!(matches!(server_name("::1"), Ok(ServerName::IpAddress(_))));
        assert!(
            matches!(server_name("not a name"), Err(Error::Io(e)) if e.kind() == io::ErrorKind::InvalidInput)
        );
    }
}
