//! Line client on tokio:
//! `cargo run --release -p rfc6455-tokio-examples --example tokio_client -- ws://HOST:PORT/PATH`
//! (`wss://` too). The same contract as `examples/client.rs`: sends each line
//! of stdin (newline stripped, empty lines included) as one Text message and
//! prints each reply on its own line, in order. After stdin ends it closes
//! with 1000 and exits 0 once the closing handshake completes.
//!
//! It offers permessage-deflate with the library's defaults; `--deflate SPEC`
//! offers another configuration or none (`off`; see `shared/deflate_flag.rs`).
//! What the server agreed to goes to stderr, so stdout holds only the replies.

#[path = "../shared/deflate_flag.rs"]
mod deflate_flag;

use rfc6455::tokio::{self as ws_tokio, ClientOptions, Error};
use rfc6455::{CloseCode, Config, Message};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("tokio_client: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Error> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = deflate_flag::take_flag(&mut args).unwrap_or_else(|e| {
        eprintln!("tokio_client: {e}");
        std::process::exit(2);
    });
    let url = args
        .first()
        .cloned()
        .unwrap_or_else(|| "ws://127.0.0.1:9002/".into());
    let mut options = ClientOptions {
        config: Config::default()
            .max_message_size(256 << 20)
            .max_frame_size(256 << 20),
        ..Default::default()
    };
    if let Some(deflate) = deflate {
        options.deflate = deflate;
    }
    let (mut ws, response) = ws_tokio::connect_with(&url, &options).await?;
    let answered = response.response().header("Sec-WebSocket-Extensions");
    eprintln!(
        "tokio_client: Sec-WebSocket-Extensions: {}; {}",
        answered.map_or("(none)".into(), String::from_utf8_lossy),
        deflate_flag::describe(ws.connection().extensions().deflate())
    );
    let mut stdout = tokio::io::stdout();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        ws.send_text(&line).await?;
        // Wait for the echo of this line; Pings are answered inside `read`.
        loop {
            let reply = match ws.read().await? {
                Message::Text(text) => text.into_owned(),
                Message::Binary(data) => String::from_utf8_lossy(&data).into_owned(),
                Message::Close(frame) => {
                    eprintln!("tokio_client: server closed: {frame:?}");
                    return Ok(());
                }
                Message::Ping(_) | Message::Pong(_) => continue,
            };
            stdout.write_all(format!("{reply}\n").as_bytes()).await?;
            stdout.flush().await?;
            break;
        }
    }
    ws.close(CloseCode::NORMAL, "").await?;
    Ok(())
}
