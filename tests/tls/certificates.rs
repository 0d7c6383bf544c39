//! Certificates that must not be trusted fail the connection with
//! `Error::Tls` on the client, and the server sees the client's alert.

use crate::support::*;

/// Connects with `options` to a server presenting `leaf` from a new CA;
/// returns the client's certificate error and whether the server got an alert.
fn refused(leaf: Leaf, options: impl FnOnce(&TestCa) -> ClientOptions) -> (CertificateError, bool) {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(leaf).server_config(), |ws| is_alert(&ws));
    let error = certificate_error(blocking::connect_with(&url, &options(&ca)));
    (error, server.join().unwrap())
}

#[test]
fn a_certificate_for_another_host_is_refused() {
    let (error, alerted) = refused(Leaf::OtherHost, TestCa::options);
    assert!(
        matches!(
            error,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ),
        "{error:?}"
    );
    assert!(alerted, "the server was told why");
}

#[test]
fn an_expired_certificate_is_refused() {
    let (error, alerted) = refused(Leaf::Expired, TestCa::options);
    assert!(
        matches!(
            error,
            CertificateError::Expired | CertificateError::ExpiredContext { .. }
        ),
        "{error:?}"
    );
    assert!(alerted);
}

#[test]
fn a_certificate_from_an_unknown_ca_is_refused_by_the_built_in_roots() {
    // No `tls` option: Mozilla's roots (and SSL_CERT_FILE's, if the
    // environment sets it), which do not hold this test's CA.
    let (error, alerted) = refused(Leaf::Good, |_| ClientOptions::default());
    assert_eq!(error, CertificateError::UnknownIssuer);
    assert!(alerted);
}

#[test]
fn a_client_trusting_another_ca_is_refused() {
    let other = TestCa::new();
    let (error, _) = refused(Leaf::Good, |_| other.options());
    assert_eq!(error, CertificateError::UnknownIssuer);
}

#[test]
fn the_error_says_it_is_tls_and_why() {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::Expired).server_config(), |_| ());
    let error = blocking::connect_with(&url, &ca.options()).unwrap_err();
    server.join().unwrap();
    let text = error.to_string();
    assert!(text.starts_with("TLS error: "), "{text}");
    assert!(text.contains("expired"), "{text}");
    assert_eq!(error.close_code(), None);
    assert_eq!(error.status(), None);
}

#[test]
fn a_plain_ws_client_at_a_tls_port_is_a_tls_error_on_the_server() {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::Good).server_config(), |ws| ws.map(drop));
    let plain = url.replacen("wss://", "ws://", 1);
    let client = blocking::connect(&plain).map(drop);
    let server = server.join().unwrap();
    assert!(
        matches!(server, Err(Error::Tls(rustls::Error::InvalidMessage(_)))),
        "{server:?}"
    );
    // The client gets the server's alert bytes where HTTP should be.
    assert!(matches!(client, Err(Error::Handshake(_))), "{client:?}");
}
