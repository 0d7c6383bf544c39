//! Echo server on tokio:
//! `cargo run --release -p rfc6455-tokio-examples --example tokio_echo_server -- [ADDR]`
//! (default 127.0.0.1:9002). One task per connection; echoes every Text and
//! Binary message (up to 256 MiB) on any path, answers Pings, completes
//! closes, answers bad handshakes with their 4xx. Accepts the subprotocol
//! `chat` when offered. The same flags as `examples/echo_server.rs`:
//! `--deflate SPEC` (`off`, `default`, or RFC 7692 parameters; see
//! `examples/shared/deflate_flag.rs`) and `--fragment-size N`. Plain HTTP
//! requests get a small page; on the path `/close-from-server` it echoes the
//! first message, then closes with 4000 "bye".

#[path = "../shared/deflate_flag.rs"]
mod deflate_flag;

use std::sync::Arc;

use rfc6455::extension::DeflateConfig;
use rfc6455::handshake::{Header, reject_response};
use rfc6455::tokio::{Accepted, Decision, ServerOptions};
use rfc6455::{AcceptOptions, CloseCode, Config, Message};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// What the command line chose.
struct Settings {
    /// `None`: the library's default (accept an offer with `DeflateConfig::default()`).
    deflate: Option<Option<DeflateConfig>>,
    fragment_size: Option<usize>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = deflate_flag::take_flag(&mut args).unwrap_or_else(|e| {
        eprintln!("tokio_echo_server: {e}");
        std::process::exit(2);
    });
    let fragment_size = match args.iter().position(|a| a == "--fragment-size") {
        Some(i) => {
            args.remove(i);
            let n = (i < args.len()).then(|| args.remove(i));
            match n.as_deref().map(str::parse::<usize>) {
                Some(Ok(n)) => Some(n),
                _ => {
                    eprintln!("tokio_echo_server: --fragment-size needs a number of bytes");
                    std::process::exit(2);
                }
            }
        }
        None => None,
    };
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:9002".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!(
        "tokio_echo_server: listening on ws://{}",
        listener.local_addr()?
    );
    let settings = Arc::new(Settings {
        deflate,
        fragment_size,
    });
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: back off instead of spinning.
                eprintln!("tokio_echo_server: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let settings = Arc::clone(&settings);
        tokio::spawn(async move { serve(stream, peer.to_string(), &settings).await });
    }
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

async fn serve(stream: TcpStream, peer: String, settings: &Settings) {
    let _ = stream.set_nodelay(true);
    let accepted = rfc6455::tokio::accept_with(stream, &options(settings), |request| {
        let mut accept = AcceptOptions::new();
        if let Some(config) = settings.deflate {
            accept = accept.deflate(config);
        }
        if request.subprotocols().iter().any(|p| p == "chat") {
            accept = accept.subprotocol("chat");
        }
        Decision::Accept(accept)
    })
    .await;
    let (mut ws, close_after_first) = match accepted {
        Ok(Accepted::WebSocket(ws, request)) => {
            eprintln!(
                "tokio_echo_server: {peer} connected to {} ({})",
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
            eprintln!(
                "tokio_echo_server: {peer} plain HTTP {} {}",
                request.method(),
                request.path()
            );
            let page = b"<!doctype html><title>rfc6455 echo</title><p>rfc6455 tokio echo server: connect a WebSocket to this URL.</p>\n";
            let headers = [
                Header::new("Content-Type", "text/html; charset=utf-8"),
                Header::new("Connection", "close"),
            ];
            if let Ok(response) = reject_response(200, &headers, page) {
                let _ = stream.write_all(&response).await;
            }
            return;
        }
        Err(e) => {
            eprintln!("tokio_echo_server: {peer} handshake failed: {e}");
            return;
        }
    };
    loop {
        // `read_with` lends the message and the send half: the echo is
        // queued straight from the receive buffer and written before the
        // next read (one write per batch of pipelined messages).
        let step = ws
            .read_with(|message, mut sender| match message {
                Message::Text(_) | Message::Binary(_) => {
                    sender.send(&message).map(|()| Step::Echoed)
                }
                Message::Close(frame) => {
                    eprintln!("tokio_echo_server: {peer} closed: {frame:?}");
                    Ok(Step::Closed)
                }
                _ => Ok(Step::Other),
            })
            .await;
        match step {
            Ok(Ok(Step::Echoed)) if close_after_first => {
                let _ = ws.close(CloseCode::new(4000), "bye").await;
                return;
            }
            Ok(Ok(Step::Echoed | Step::Other)) => {}
            Ok(Ok(Step::Closed)) => return,
            Ok(Err(e)) => {
                eprintln!("tokio_echo_server: {peer} send failed: {e}");
                return;
            }
            Err(e) => {
                eprintln!("tokio_echo_server: {peer}: {e}");
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
