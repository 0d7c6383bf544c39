//! Line client: `cargo run --release --example client -- ws://HOST:PORT/PATH`.
//! Sends each line of stdin (newline stripped, empty lines included) as one
//! Text message and prints each reply on its own line, in order. After stdin
//! ends it closes with 1000 and exits 0 once the closing handshake completes.

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
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001/".into());
    let options = ClientOptions {
        config: Config::default()
            .max_message_size(256 << 20)
            .max_frame_size(256 << 20),
        ..Default::default()
    };
    let (mut ws, _) = blocking::connect_with(&url, &options)?;
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
