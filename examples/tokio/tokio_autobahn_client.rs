//! Drives the Autobahn|Testsuite fuzzingserver with the tokio adapter:
//! `cargo run --release -p rfc6455-tokio-examples --example tokio_autobahn_client -- ws://127.0.0.1:9001 [AGENT]`.
//! The same command line as `examples/autobahn_client.rs`: asks for the case
//! count, runs every case echoing each message back, then asks the server to
//! write its report.

use rfc6455::tokio::{self as ws_tokio, ClientOptions, Error};
use rfc6455::{CloseCode, Config, Message};

fn options() -> ClientOptions {
    ClientOptions {
        config: Config::default()
            .max_message_size(256 << 20)
            .max_frame_size(256 << 20),
        ..Default::default()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "rfc6455-tokio".into());

    let (mut ws, _) = ws_tokio::connect_with(&format!("{base}/getCaseCount"), &options()).await?;
    let count: u32 = match ws.read().await? {
        Message::Text(t) => t.trim().parse().unwrap_or(0),
        other => panic!("unexpected {other:?}"),
    };
    let _ = ws.close(CloseCode::NORMAL, "").await;
    eprintln!("tokio_autobahn_client: {count} cases");

    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        if let Err(e) = run_case(&url).await {
            eprintln!("tokio_autobahn_client: case {case}: {e}");
        }
    }

    let (mut ws, _) =
        ws_tokio::connect_with(&format!("{base}/updateReports?agent={agent}"), &options()).await?;
    let _ = ws.close(CloseCode::NORMAL, "").await;
    eprintln!("tokio_autobahn_client: reports updated");
    Ok(())
}

async fn run_case(url: &str) -> Result<(), Error> {
    let (mut ws, _) = ws_tokio::connect_with(url, &options()).await?;
    loop {
        match ws.read().await {
            Ok(message @ (Message::Text(_) | Message::Binary(_))) => ws.send(message).await?,
            Ok(Message::Close(_)) => {
                // The reply is sent; wait for the server to close TCP (§7.1.1).
                return ws.close(CloseCode::NORMAL, "").await;
            }
            Ok(_) => {}
            Err(Error::Closed) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}
