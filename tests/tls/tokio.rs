//! `rfc6455::tokio::connect` over `wss://` (feature `tokio-rustls`) uses the
//! blocking client's TLS configuration: `ClientOptions::tls`, else Mozilla's
//! roots plus `SSL_CERT_FILE`; a certificate that does not verify is the
//! same `Error::Tls`. The server is the blocking one over `TlsStream`.

use crate::support::*;

fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn tokio_client_over_wss_trusting_the_test_ca() {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::Good).server_config(), |ws| {
        echo(&mut ws.unwrap())
    });
    let options = ca.options();
    block_on(async {
        let (mut ws, _) = rfc6455::tokio::connect_with(&url, &options).await.unwrap();
        ws.send_text("over tls").await.unwrap();
        assert_eq!(ws.read().await.unwrap(), Message::text("over tls"));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    });
    assert_eq!(server.join().unwrap(), 1);
}

#[test]
fn tokio_client_refuses_a_certificate_for_another_host() {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::OtherHost).server_config(), |ws| {
        is_alert(&ws)
    });
    let options = ca.options();
    let result = block_on(rfc6455::tokio::connect_with(&url, &options));
    let error = certificate_error(result);
    assert!(
        matches!(
            error,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ),
        "{error:?}"
    );
    assert!(server.join().unwrap(), "the server was told why");
}

#[test]
fn tokio_client_with_built_in_roots_refuses_an_unknown_ca() {
    let ca = TestCa::new();
    let (url, server) = wss_server(ca.issue(Leaf::Good).server_config(), |ws| is_alert(&ws));
    let result = block_on(rfc6455::tokio::connect(&url));
    assert_eq!(certificate_error(result), CertificateError::UnknownIssuer);
    assert!(server.join().unwrap());
}
