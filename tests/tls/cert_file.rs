//! `SSL_CERT_FILE` adds roots to the built-in config. Environment variables
//! are process-wide, so the connection runs in a child: this test binary run
//! again with the variable set and a filter that selects only
//! [`ssl_cert_file_adds_roots`], which then plays the client.

use crate::support::*;

use std::io::Write;
use std::process::{Command, Stdio};

/// Set in the child: the `wss://` URL to connect to, and what to expect.
const CHILD_URL: &str = "RFC6455_TEST_TLS_CHILD_URL";
const CHILD_EXPECT: &str = "RFC6455_TEST_TLS_CHILD_EXPECT";

#[test]
fn ssl_cert_file_adds_roots() {
    if let (Some(url), Some(expect)) = (std::env::var_os(CHILD_URL), std::env::var_os(CHILD_EXPECT))
    {
        return child(url.to_str().unwrap(), expect.to_str().unwrap());
    }
    let ca = TestCa::new();
    let dir = std::env::temp_dir();
    let bundle = dir.join(format!("rfc6455-tls-test-ca-{}.pem", std::process::id()));
    std::fs::File::create(&bundle)
        .and_then(|mut f| f.write_all(ca.pem.as_bytes()))
        .unwrap();
    let missing = dir.join("rfc6455-tls-test-no-such-bundle.pem");

    // Trusted through the bundle: the connection succeeds.
    let (url, server) = wss_server(ca.issue(Leaf::Good).server_config(), |ws| {
        let mut ws = ws.expect("the server accepts the child");
        let alpn = ws
            .get_ref()
            .with_connection(|c| c.alpn_protocol().map(<[u8]>::to_vec));
        (echo(&mut ws), alpn)
    });
    run_child(&url, "connects", &bundle);
    let (echoed, alpn) = server.join().unwrap();
    assert_eq!(echoed, 1);
    assert_eq!(
        alpn.as_deref(),
        Some(&b"http/1.1"[..]),
        "the built-in config's ALPN"
    );

    // A bundle that cannot be read is an error naming it, before any TLS.
    let (addr, server) = tcp_server(drop);
    run_child(
        &format!("wss://localhost:{}/", addr.port()),
        "names-the-file",
        &missing,
    );
    server.join().unwrap();
    let _ = std::fs::remove_file(&bundle);
}

/// Runs this test alone in a child process with `SSL_CERT_FILE=bundle`.
fn run_child(url: &str, expect: &str, bundle: &std::path::Path) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "cert_file::ssl_cert_file_adds_roots",
            "--nocapture",
        ])
        .env("SSL_CERT_FILE", bundle)
        .env(CHILD_URL, url)
        .env(CHILD_EXPECT, expect)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: the child's connection has a 10 s handshake deadline.
    let deadline = std::time::Instant::now() + 3 * TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child ({expect}) did not finish");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "child ({expect}) failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The child's side: the built-in config, with the environment's bundle.
fn child(url: &str, expect: &str) {
    let result = blocking::connect(url);
    match expect {
        "connects" => {
            let (mut ws, _) = result.expect("trusted through SSL_CERT_FILE");
            ws.send_text("via SSL_CERT_FILE").unwrap();
            assert_eq!(
                ws.read().unwrap(),
                Message::Text("via SSL_CERT_FILE".into())
            );
            ws.close(CloseCode::NORMAL, "").unwrap();
        }
        "names-the-file" => {
            let error = result.map(drop).expect_err("an unreadable bundle");
            let text = error.to_string();
            assert!(text.contains("SSL_CERT_FILE"), "{text}");
            assert!(
                text.contains("rfc6455-tls-test-no-such-bundle.pem"),
                "{text}"
            );
        }
        other => panic!("unknown expectation {other}"),
    }
}
