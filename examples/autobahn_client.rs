//! Drives the Autobahn|Testsuite fuzzingserver:
//! `cargo run --release --example autobahn_client -- ws://127.0.0.1:9001 [AGENT]`.
//! Asks for the case count, runs every case echoing each message back, then
//! asks the server to write its report.

use rfc6455::blocking::{self, ClientOptions};
use rfc6455::{CloseCode, Config, Message};

fn options() -> ClientOptions {
    ClientOptions {
        config: Config::default()
            .max_message_size(256 << 20)
            .max_frame_size(256 << 20),
        ..Default::default()
    }
}

fn main() -> Result<(), blocking::Error> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "rfc6455".into());

    let (mut ws, _) = blocking::connect_with(&format!("{base}/getCaseCount"), &options())?;
    let count: u32 = match ws.read()? {
        Message::Text(t) => t.trim().parse().unwrap_or(0),
        other => panic!("unexpected {other:?}"),
    };
    let _ = ws.close(CloseCode::NORMAL, "");
    eprintln!("autobahn_client: {count} cases");

    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        if let Err(e) = run_case(&url) {
            eprintln!("autobahn_client: case {case}: {e}");
        }
    }

    let (mut ws, _) =
        blocking::connect_with(&format!("{base}/updateReports?agent={agent}"), &options())?;
    let _ = ws.close(CloseCode::NORMAL, "");
    eprintln!("autobahn_client: reports updated");
    Ok(())
}

fn run_case(url: &str) -> Result<(), blocking::Error> {
    let (mut ws, _) = blocking::connect_with(url, &options())?;
    loop {
        match ws.read() {
            Ok(message @ (Message::Text(_) | Message::Binary(_))) => ws.send(message)?,
            Ok(Message::Close(_)) => {
                // The reply is sent; wait for the server to close TCP (§7.1.1).
                return ws.close(CloseCode::NORMAL, "");
            }
            Ok(_) => {}
            Err(blocking::Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}
