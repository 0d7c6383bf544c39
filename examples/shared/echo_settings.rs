//! What `echo_server` and `tokio_echo_server` share: their command line
//! (`[ADDR] [--deflate SPEC] [--fragment-size N]`), their server options,
//! the accept decision (deflate as chosen, the subprotocol `chat`) and the
//! page a plain HTTP request gets. The two servers differ only in how they
//! run connections (threads or tasks).

use rfc6455::blocking::{Decision, ServerOptions};
use rfc6455::extension::DeflateConfig;
use rfc6455::handshake::{Header, UpgradeRequest, reject_response};
use rfc6455::{AcceptOptions, Config};

/// What the command line chose.
pub(crate) struct Settings {
    /// The address to listen on.
    pub(crate) addr: String,
    /// `None`: the library's default (accept an offer with `DeflateConfig::default()`).
    pub(crate) deflate: Option<Option<DeflateConfig>>,
    /// Frames of at most this many payload bytes for the replies.
    pub(crate) fragment_size: Option<usize>,
}

impl Settings {
    /// Reads the process's arguments; exits with status 2 on a bad one.
    pub(crate) fn from_args(name: &str, default_addr: &str) -> Self {
        let mut args: Vec<String> = std::env::args().skip(1).collect();
        let deflate = crate::deflate_flag::take_flag(&mut args).unwrap_or_else(|e| {
            eprintln!("{name}: {e}");
            std::process::exit(2);
        });
        let fragment_size = match args.iter().position(|a| a == "--fragment-size") {
            Some(i) => {
                args.remove(i);
                let n = (i < args.len()).then(|| args.remove(i));
                match n.as_deref().map(str::parse::<usize>) {
                    Some(Ok(n)) => Some(n),
                    _ => {
                        eprintln!("{name}: --fragment-size needs a number of bytes");
                        std::process::exit(2);
                    }
                }
            }
            None => None,
        };
        if let Some(config) = &deflate {
            eprintln!("{name}: --deflate {config:?}");
        }
        if let Some(n) = fragment_size {
            eprintln!("{name}: --fragment-size {n}");
        }
        let addr = args.first().cloned().unwrap_or_else(|| default_addr.into());
        Self {
            addr,
            deflate,
            fragment_size,
        }
    }

    /// Messages up to 256 MiB, replies in frames as chosen; the other
    /// options (deadlines, keepalive) the library's defaults.
    pub(crate) fn options(&self) -> ServerOptions {
        ServerOptions {
            config: Config::default()
                .max_message_size(256 << 20)
                .max_frame_size(256 << 20)
                .fragment_size(self.fragment_size),
            ..Default::default()
        }
    }

    /// Accepts every upgrade: permessage-deflate as chosen, `chat` if offered.
    pub(crate) fn decide(&self, request: &UpgradeRequest) -> Decision {
        let mut accept = AcceptOptions::new();
        if let Some(config) = self.deflate {
            accept = accept.deflate(config);
        }
        if request.subprotocols().iter().any(|p| p == "chat") {
            accept = accept.subprotocol("chat");
        }
        Decision::Accept(accept)
    }
}

/// The answer to a plain HTTP request: a small page, so a browser test can
/// open this origin.
pub(crate) fn http_page(name: &str) -> Vec<u8> {
    let page = format!(
        "<!doctype html><title>rfc6455 echo</title><p>rfc6455 {name}: connect a WebSocket to this URL.</p>\n"
    );
    let headers = [
        Header::new("Content-Type", "text/html; charset=utf-8"),
        Header::new("Connection", "close"),
    ];
    reject_response(200, &headers, page.as_bytes()).unwrap_or_default()
}
