//! Helpers shared by the tokio tests, and the imports they all use.

pub(crate) use std::future::Future;
pub(crate) use std::net::SocketAddr;
pub(crate) use std::time::Duration;

pub(crate) use rfc6455::tokio::{self as ws, ClientOptions, Error, Keepalive, WebSocket};
pub(crate) use rfc6455::{CloseCode, Config, Message};
pub(crate) use tokio::io::{AsyncReadExt, AsyncWriteExt};
pub(crate) use tokio::net::{TcpListener, TcpStream};

/// The bound on every wait of a test.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

/// `future`, or a panic after [`TIMEOUT`].
pub(crate) async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, future)
        .await
        .expect("test step timed out")
}

/// Binds an ephemeral loopback port.
pub(crate) async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// The `ws://` URL of `addr`.
pub(crate) fn url(addr: SocketAddr) -> String {
    format!("ws://{addr}/")
}

/// Runs `f` in a task on the first connection, accepted as a WebSocket with
/// default options; returns the URL and the task.
pub(crate) async fn ws_server<T, F, Fut>(f: F) -> (String, tokio::task::JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(WebSocket<TcpStream>) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send,
{
    let (listener, addr) = bind().await;
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let ws = ws::accept(stream).await.expect("accept handshake");
        f(ws).await
    });
    (url(addr), task)
}

/// Runs `f` in a task on the first connection, as plain TCP.
pub(crate) async fn raw_server<T, F, Fut>(f: F) -> (SocketAddr, tokio::task::JoinHandle<T>)
where
    T: Send + 'static,
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send,
{
    let (listener, addr) = bind().await;
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        f(stream).await
    });
    (addr, task)
}

/// Echoes data messages until the peer's Close (answered inside `read`).
pub(crate) async fn echo<S>(mut ws: WebSocket<S>) -> Result<(), Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match ws.read().await? {
            m @ (Message::Text(_) | Message::Binary(_)) => ws.send(m).await?,
            Message::Close(_) => return Ok(()),
            _ => {}
        }
    }
}

/// Bytes `0, 1, 2, ...` from `seed`, `n` long.
pub(crate) fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_add(seed)).collect()
}

/// Reads a server's whole answer until it closes (for handshake refusals).
pub(crate) async fn read_to_eof(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = bounded(stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}
