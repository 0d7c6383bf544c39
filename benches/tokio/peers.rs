//! The libraries tokio.rs compares, each as an echo server and a client over
//! a loopback `TcpStream` (`TCP_NODELAY` on both ends, set by the caller):
//!
//! - `rfc6455`: `rfc6455::tokio::accept`, then `read()` → `send()` (the
//!   module's documented echo server); client `client_handshake` with no
//!   permessage-deflate offer (its default offers it, and the server would
//!   accept), then `send_binary` → `read()`.
//! - `rfc6455_read_with`: the same with the lending read on both ends:
//!   `read_with` echoes from the receive buffer through its `Sender` (written
//!   by the next read), the client looks at the echo without owning it.
//! - `tokio-tungstenite`: `accept_async` / `client_async`, `StreamExt::next`
//!   → `SinkExt::send`, default config.
//! - `fastwebsockets`: the opening handshake by hand (below; its own needs the
//!   `upgrade` feature and hyper), then `WebSocket::after_handshake` wrapped
//!   in a `FragmentCollector` (whole messages, UTF-8 checked, Pings answered,
//!   as its `echo_server` example), `read_frame` → `write_frame`.
//! - `raw` (idle memory only): the same hand-made handshake, then a task
//!   waiting for the bare `TcpStream` to become readable: tokio's own cost per
//!   connection (the socket's registration, a task).

use std::error::Error;

use fastwebsockets::{FragmentCollector, Frame, OpCode, Payload, Role, WebSocket};
use futures_util::{SinkExt, StreamExt};
use rfc6455::handshake::{ClientRequest, accept_key};
use rfc6455::tokio::{Accepted, Decision, ServerOptions, accept_with};
use rfc6455::{Config, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Bytes};

pub(crate) type BoxError = Box<dyn Error + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lib {
    Raw,
    Rfc6455,
    Rfc6455ReadWith,
    /// `rfc6455` with `Box::pin(accept(stream))` (idle memory only).
    Rfc6455BoxedAccept,
    /// That with `Config::read_buffer_size(512)` (idle memory only).
    Rfc6455Small,
    Tungstenite,
    Fast,
}

impl Lib {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Rfc6455 => "rfc6455",
            Self::Rfc6455ReadWith => "rfc6455_read_with",
            Self::Rfc6455BoxedAccept => "rfc6455_boxed_accept",
            Self::Rfc6455Small => "rfc6455_boxed_accept_512B_reads",
            Self::Tungstenite => "tokio-tungstenite",
            Self::Fast => "fastwebsockets",
        }
    }

    pub(crate) fn from_name(name: &str) -> Self {
        [
            Self::Raw,
            Self::Rfc6455,
            Self::Rfc6455ReadWith,
            Self::Rfc6455BoxedAccept,
            Self::Rfc6455Small,
            Self::Tungstenite,
            Self::Fast,
        ]
        .into_iter()
        .find(|l| l.name() == name)
        .unwrap_or_else(|| panic!("no library named {name}"))
    }
}

/// The client's `Sec-WebSocket-Key` of the hand-made handshakes (RFC 6455 §1.3's).
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// The opening handshake every hand-made client sends: no extension offered,
/// so no library negotiates permessage-deflate.
pub(crate) const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

/// Reads an HTTP head, which must end the bytes read (the peer sends nothing
/// after it before it is answered). The buffer is on the heap so that the
/// task's future does not keep it.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, BoxError> {
    let mut head = Vec::with_capacity(512);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || stream.read_buf(&mut head).await? == 0 {
            return Err("no HTTP head".into());
        }
    }
    Ok(head)
}

/// The server's half of the hand-made handshake: finds the key, answers 101.
async fn hand_accept(stream: &mut TcpStream) -> Result<(), BoxError> {
    let head = String::from_utf8(read_head(stream).await?)?;
    let key = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim())
        })
        .ok_or("no Sec-WebSocket-Key")?;
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(key.as_bytes())
    );
    stream.write_all(response.as_bytes()).await?;
    Ok(())
}

/// The client's half: sends [`REQUEST`], checks the 101 and its accept key.
async fn hand_connect(stream: &mut TcpStream) -> Result<(), BoxError> {
    stream.write_all(REQUEST).await?;
    let head = read_head(stream).await?;
    let accept = accept_key(KEY.as_bytes());
    if !head.starts_with(b"HTTP/1.1 101") || !head.windows(28).any(|w| w == accept.as_bytes()) {
        return Err("not a 101 with the right accept key".into());
    }
    Ok(())
}

/// Spawns `lib`'s echo server for one connection on the current runtime;
/// returns the size of the spawned future (what its task allocation holds
/// besides tokio's header). One async fn per library, so that each task is
/// only as large as its own library needs.
pub(crate) fn spawn_server(lib: Lib, stream: TcpStream) -> usize {
    fn spawn<F: Future<Output = Result<(), BoxError>> + Send + 'static>(task: F) -> usize {
        let size = size_of_val(&task);
        tokio::spawn(task);
        size
    }
    match lib {
        Lib::Raw => spawn(serve_raw(stream)),
        Lib::Rfc6455 => spawn(serve_rfc6455(stream)),
        Lib::Rfc6455ReadWith => spawn(serve_rfc6455_read_with(stream)),
        Lib::Rfc6455BoxedAccept => spawn(serve_rfc6455_boxed_accept(stream, Config::default())),
        Lib::Rfc6455Small => spawn(serve_rfc6455_boxed_accept(
            stream,
            Config::default().read_buffer_size(512),
        )),
        Lib::Tungstenite => spawn(serve_tungstenite(stream)),
        Lib::Fast => spawn(serve_fast(stream)),
    }
}

async fn serve_raw(mut stream: TcpStream) -> Result<(), BoxError> {
    hand_accept(&mut stream).await?;
    stream.readable().await?;
    Ok(())
}

async fn serve_rfc6455(stream: TcpStream) -> Result<(), BoxError> {
    let mut ws = rfc6455::tokio::accept(stream).await?;
    loop {
        match ws.read().await? {
            msg @ (Message::Text(_) | Message::Binary(_)) => ws.send(msg).await?,
            Message::Close(_) => return Ok(()),
            _ => {}
        }
    }
}

/// [`serve_rfc6455`] with the handshake's future on the heap, freed once it
/// is done: the task then keeps only the socket and the read loop's state.
/// (`accept_with` and the default options, with `config`.)
async fn serve_rfc6455_boxed_accept(stream: TcpStream, config: Config) -> Result<(), BoxError> {
    // The options and the `Accepted` live in the boxed future, not in the
    // task (a moved-from local keeps its slot in an async fn's state).
    let mut ws = Box::pin(async move {
        let options = ServerOptions {
            config,
            ..ServerOptions::default()
        };
        match accept_with(stream, &options, |_| Decision::accept()).await? {
            Accepted::WebSocket(ws, _) => Ok::<_, BoxError>(ws),
            Accepted::Http { .. } => Err("not a WebSocket handshake".into()),
        }
    })
    .await?;
    loop {
        match ws.read().await? {
            msg @ (Message::Text(_) | Message::Binary(_)) => ws.send(msg).await?,
            Message::Close(_) => return Ok(()),
            _ => {}
        }
    }
}

async fn serve_rfc6455_read_with(stream: TcpStream) -> Result<(), BoxError> {
    let mut ws = rfc6455::tokio::accept(stream).await?;
    loop {
        let closed = ws
            .read_with(|message, mut sender| match message {
                Message::Text(_) | Message::Binary(_) => sender.send(&message).map(|()| false),
                Message::Close(_) => Ok(true),
                _ => Ok(false),
            })
            .await??;
        if closed {
            return Ok(());
        }
    }
}

async fn serve_tungstenite(stream: TcpStream) -> Result<(), BoxError> {
    let mut ws = tokio_tungstenite::accept_async(stream).await?;
    while let Some(message) = ws.next().await {
        let message = message?;
        if message.is_binary() || message.is_text() {
            ws.send(message).await?;
        }
    }
    Ok(())
}

async fn serve_fast(mut stream: TcpStream) -> Result<(), BoxError> {
    hand_accept(&mut stream).await?;
    let mut ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Server));
    loop {
        let frame = ws.read_frame().await?;
        match frame.opcode {
            OpCode::Close => return Ok(()),
            OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
            _ => {}
        }
    }
}

/// A connected client of one library.
// Unboxed: a box would add an allocation and an indirection to every client,
// and every library's client task is the same (largest) size anyway.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Client {
    Rfc6455(rfc6455::tokio::WebSocket<TcpStream>, bool),
    Tungstenite(tokio_tungstenite::WebSocketStream<TcpStream>),
    Fast(FragmentCollector<TcpStream>),
}

/// One message's payload in the forms the clients send it.
pub(crate) struct Sample {
    pub bytes: Vec<u8>,
    pub shared: Bytes,
}

impl Sample {
    pub(crate) fn new(len: usize) -> &'static Self {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let shared = Bytes::from(bytes.clone());
        Box::leak(Box::new(Self { bytes, shared }))
    }
}

impl Client {
    /// Opens `lib`'s client on `stream` (connected to `lib`'s server).
    pub(crate) async fn connect(lib: Lib, mut stream: TcpStream) -> Result<Self, BoxError> {
        let port = stream.peer_addr()?.port();
        let url = format!("ws://127.0.0.1:{port}/");
        Ok(match lib {
            Lib::Raw | Lib::Rfc6455BoxedAccept | Lib::Rfc6455Small => {
                unreachable!("idle memory only")
            }
            Lib::Rfc6455 | Lib::Rfc6455ReadWith => {
                // No permessage-deflate offer (the library's client offers
                // it by default): the peers do not compress either.
                let request = ClientRequest::new(&url)?.deflate(None);
                let (ws, _) =
                    rfc6455::tokio::client_handshake(stream, &request, Config::default()).await?;
                Self::Rfc6455(ws, lib == Lib::Rfc6455ReadWith)
            }
            Lib::Tungstenite => {
                Self::Tungstenite(tokio_tungstenite::client_async(url, stream).await?.0)
            }
            Lib::Fast => {
                hand_connect(&mut stream).await?;
                Self::Fast(FragmentCollector::new(WebSocket::after_handshake(
                    stream,
                    Role::Client,
                )))
            }
        })
    }

    /// Sends `payload` as one Binary message and waits for its echo; the
    /// echo's length.
    pub(crate) async fn echo(&mut self, payload: &'static Sample) -> Result<usize, BoxError> {
        match self {
            Self::Rfc6455(ws, false) => {
                ws.send_binary(&payload.bytes).await?;
                match ws.read().await? {
                    Message::Binary(b) => Ok(b.len()),
                    other => Err(format!("not an echo: {other:?}").into()),
                }
            }
            Self::Rfc6455(ws, true) => {
                ws.send_binary(&payload.bytes).await?;
                Ok(ws.read_with(|message, _| message.as_bytes().len()).await?)
            }
            Self::Tungstenite(ws) => {
                ws.send(tungstenite::Message::Binary(payload.shared.clone()))
                    .await?;
                match ws.next().await.ok_or("closed")?? {
                    tungstenite::Message::Binary(b) => Ok(b.len()),
                    other => Err(format!("not an echo: {other:?}").into()),
                }
            }
            Self::Fast(ws) => {
                ws.write_frame(Frame::binary(Payload::Borrowed(&payload.bytes)))
                    .await?;
                let frame = ws.read_frame().await?;
                Ok(frame.payload.len())
            }
        }
    }
}
