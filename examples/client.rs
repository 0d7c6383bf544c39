//! Line client: `cargo run --release --example client -- ws://HOST:PORT/PATH`
//! (or `wss://`, trusting Mozilla's roots plus those in `SSL_CERT_FILE`).
//! Sends each line of stdin (newline stripped, empty lines included) as one
//! Text message and prints each reply on its own line, in order. After stdin
//! ends it closes with 1000 and exits 0 once the closing handshake completes.
//!
//! It offers permessage-deflate with the library's defaults; `--deflate SPEC`
//! offers another configuration or none (`off`; see `shared/deflate_flag.rs`).
//! What the server agreed to goes to stderr, so stdout holds only the replies.
//!
//! It connects through the proxy the environment names (`ws_proxy`,
//! `http_proxy`, `all_proxy`, or the `wss`/`https` ones, each also in upper
//! case; `no_proxy` lists hosts to reach directly) and follows up to 3
//! redirects. A failure (a proxy's 407, a redirect loop) goes to stderr with
//! exit status 1.

#[path = "shared/deflate_flag.rs"]
mod deflate_flag;

use std::io::{BufRead, Write};

use rfc6455::blocking::{self, ClientOptions};
use rfc6455::{CloseCode, Config, Message};

fn main() {
    if let Err(e) = run() {
        eprintln!("client: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), blocking::Error> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = deflate_flag::take_flag(&mut args).unwrap_or_else(|e| {
        eprintln!("client: {e}");
        std::process::exit(2);
    });
    let url = args
        .first()
        .cloned()
        .unwrap_or_else(|| "ws://127.0.0.1:9001/".into());
    let mut options = ClientOptions {
        config: Config::default()
            .max_message_size(256 << 20)
            .max_frame_size(256 << 20),
        ..Default::default()
    };
    if let Some(deflate) = deflate {
        options.deflate = deflate;
    }
    // The default options take the proxy from the environment (http_proxy,
    // https_proxy, all_proxy, no_proxy, ...) and follow up to 3 redirects.
    let (mut ws, response) = blocking::connect_with(&url, &options)?;
    let answered = response.response().header("Sec-WebSocket-Extensions");
    eprintln!(
        "client: Sec-WebSocket-Extensions: {}; {}",
        answered.map_or("(none)".into(), String::from_utf8_lossy),
        deflate_flag::describe(ws.connection().extensions().deflate())
    );
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        ws.send_text(&line)?;
        // Wait for the echo of this line; Pings are answered inside `read`.
        loop {
            match ws.read()? {
                Message::Text(text) => {
                    writeln!(stdout.lock(), "{text}")?;
                    break;
                }
                Message::Binary(data) => {
                    writeln!(stdout.lock(), "{}", String::from_utf8_lossy(&data))?;
                    break;
                }
                Message::Close(frame) => {
                    eprintln!("client: server closed: {frame:?}");
                    return Ok(());
                }
                Message::Ping(_) | Message::Pong(_) => {}
            }
        }
    }
    ws.close(CloseCode::NORMAL, "")?;
    Ok(())
}
