//! Echo server: `cargo run --release --example echo_server -- [ADDR]`
//! (default 127.0.0.1:9001). One thread per connection; echoes every Text and
//! Binary message on any path, answers Pings, completes closes, answers bad
//! handshakes with their 4xx. Accepts the subprotocol `chat` when offered.
//! Accepts a permessage-deflate offer with the library's defaults; `--deflate
//! SPEC` chooses another configuration or `off` (`shared/deflate_flag.rs`),
//! and each connection's log line says what was agreed. `--fragment-size N`
//! sends each reply in frames of at most N payload bytes (for interop tests
//! of fragmented, compressed messages).
//! Plain HTTP requests get a small page, so browsers can test from this origin.
//! On the path `/close-from-server` it echoes the first message, then closes
//! with 4000 "bye" (the interop tests' server-initiated close).
//! This is the server Autobahn|Testsuite runs against (`scripts/autobahn.sh`).
//! Out of threads or file descriptors, it closes the connections it cannot
//! serve and backs off instead of panicking or spinning
//! (`shared/accept_loop.rs`).

#[path = "shared/accept_loop.rs"]
mod accept_loop;
#[path = "shared/deflate_flag.rs"]
mod deflate_flag;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use rfc6455::blocking::{self, Accepted, Decision, ServerOptions};
use rfc6455::extension::DeflateConfig;
use rfc6455::handshake::{Header, reject_response};
use rfc6455::{AcceptOptions, CloseCode, Config, Message};

fn main() -> std::io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = deflate_flag::take_flag(&mut args).unwrap_or_else(|e| {
        eprintln!("echo_server: {e}");
        std::process::exit(2);
    });
    let fragment_size = match args.iter().position(|a| a == "--fragment-size") {
        Some(i) => {
            args.remove(i);
            let n = (i < args.len()).then(|| args.remove(i));
            match n.as_deref().map(str::parse::<usize>) {
                Some(Ok(n)) => Some(n),
                _ => {
                    eprintln!("echo_server: --fragment-size needs a number of bytes");
                    std::process::exit(2);
                }
            }
        }
        None => None,
    };
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr)?;
    eprintln!("echo_server: listening on ws://{}", listener.local_addr()?);
    if let Some(config) = &deflate {
        eprintln!("echo_server: --deflate {config:?}");
    }
    if let Some(n) = fragment_size {
        eprintln!("echo_server: --fragment-size {n}");
    }
    let settings = Arc::new(Settings {
        deflate,
        fragment_size,
    });
    accept_loop::serve_forever(&listener, "echo_server", |stream| {
        let settings = Arc::clone(&settings);
        accept_loop::spawn(thread::Builder::new(), move || serve(stream, &settings))
    })
}

/// What the command line chose.
struct Settings {
    /// `None`: the library's default (accept an offer with `DeflateConfig::default()`).
    deflate: Option<Option<DeflateConfig>>,
    fragment_size: Option<usize>,
}

fn options(settings: &Settings) -> ServerOptions {
    ServerOptions {
        config: Config::default()
            .max_message_size(256 << 20)
            .max_frame_size(256 << 20)
            .fragment_size(settings.fragment_size),
        ..Default::default()
    }
}

fn serve(stream: TcpStream, settings: &Settings) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = stream.set_nodelay(true);
    let accepted = blocking::accept_with(stream, &options(settings), |request| {
        let mut accept = AcceptOptions::new();
        if let Some(config) = settings.deflate {
            accept = accept.deflate(config);
        }
        if request.subprotocols().iter().any(|p| p == "chat") {
            accept = accept.subprotocol("chat");
        }
        Decision::Accept(accept)
    });
    let (mut ws, close_after_first) = match accepted {
        Ok(Accepted::WebSocket(ws, request)) => {
            eprintln!(
                "echo_server: {peer} connected to {} ({})",
                request.path(),
                deflate_flag::describe(ws.connection().extensions().deflate())
            );
            (ws, request.path() == "/close-from-server")
        }
        Ok(Accepted::Http {
            request,
            mut stream,
            ..
        }) => {
            // A page on the same port, so a browser test can open this origin.
            eprintln!(
                "echo_server: {peer} plain HTTP {} {}",
                request.method(),
                request.path()
            );
            let page = b"<!doctype html><title>rfc6455 echo</title><p>rfc6455 echo server: connect a WebSocket to this URL.</p>\n";
            let headers = [
                Header::new("Content-Type", "text/html; charset=utf-8"),
                Header::new("Connection", "close"),
            ];
            if let Ok(response) = reject_response(200, &headers, page) {
                let _ = stream.write_all(&response);
            }
            return;
        }
        Err(e) => {
            eprintln!("echo_server: {peer} handshake failed: {e}");
            return;
        }
    };
    // The defaults bound every wait: the handshake deadline (10 s), the
    // write timeout (30 s) and keepalive (a Ping after 20 s of silence,
    // `IdleTimeout` after 40 s).
    loop {
        // `read_with` lends the message and the send half: the echo is
        // queued straight from the receive buffer, and written before the
        // next blocking read (one write per batch of pipelined messages).
        let step = ws.read_with(|message, mut sender| match message {
            Message::Text(_) | Message::Binary(_) => sender.send(&message).map(|()| Step::Echoed),
            Message::Close(frame) => {
                eprintln!("echo_server: {peer} closed: {frame:?}");
                Ok(Step::Closed)
            }
            _ => Ok(Step::Other),
        });
        match step {
            Ok(Ok(Step::Echoed)) if close_after_first => {
                // For interop tests of a close the server starts.
                let _ = ws.close(CloseCode::new(4000), "bye");
                return;
            }
            Ok(Ok(Step::Echoed | Step::Other)) => {}
            Ok(Ok(Step::Closed)) => return,
            Ok(Err(e)) => {
                eprintln!("echo_server: {peer} send failed: {e}");
                return;
            }
            Err(e) => {
                eprintln!("echo_server: {peer}: {e}");
                return;
            }
        }
    }
}

/// What one read led to.
enum Step {
    Echoed,
    Closed,
    Other,
}
