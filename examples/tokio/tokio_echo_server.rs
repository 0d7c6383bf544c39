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
#[path = "../shared/echo_settings.rs"]
mod echo_settings;

use std::sync::Arc;

use echo_settings::Settings;
use rfc6455::tokio::Accepted;
use rfc6455::{CloseCode, Message};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let settings = Arc::new(Settings::from_args("tokio_echo_server", "127.0.0.1:9002"));
    let listener = TcpListener::bind(&settings.addr).await?;
    eprintln!(
        "tokio_echo_server: listening on ws://{}",
        listener.local_addr()?
    );
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

async fn serve(stream: TcpStream, peer: String, settings: &Settings) {
    let _ = stream.set_nodelay(true);
    let accepted = rfc6455::tokio::accept_with(stream, &settings.options(), |request| {
        settings.decide(request)
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
            let _ = stream
                .write_all(&echo_settings::http_page("tokio echo server"))
                .await;
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
