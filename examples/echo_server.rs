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
#[path = "shared/echo_settings.rs"]
mod echo_settings;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

use echo_settings::Settings;
use rfc6455::blocking::{self, Accepted};
use rfc6455::{CloseCode, Message};

fn main() -> std::io::Result<()> {
    let settings = Arc::new(Settings::from_args("echo_server", "127.0.0.1:9001"));
    let listener = TcpListener::bind(&settings.addr)?;
    eprintln!("echo_server: listening on ws://{}", listener.local_addr()?);
    accept_loop::serve_forever(&listener, "echo_server", |stream| {
        let settings = Arc::clone(&settings);
        accept_loop::spawn(thread::Builder::new(), move || serve(stream, &settings))
    })
}

fn serve(stream: TcpStream, settings: &Settings) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = stream.set_nodelay(true);
    let accepted = blocking::accept_with(stream, &settings.options(), |request| {
        settings.decide(request)
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
            let _ = stream.write_all(&echo_settings::http_page("echo server"));
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
