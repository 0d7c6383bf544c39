//! Chat room: `cargo run --release --example chat -- [ADDR]` (default
//! 127.0.0.1:8080), then open `http://ADDR/` in several browser tabs.
//!
//! One port serves both the page (plain HTTP, `GET /`) and the WebSocket
//! endpoint (`/ws`): [`blocking::accept_with`] hands plain HTTP requests back
//! with their stream. Each connection runs on its own thread (started without
//! panicking, with back-off when threads or file descriptors run out: see
//! `shared/accept_loop.rs`). A WebSocket is
//! [`split`](rfc6455::blocking::WebSocket::split): its thread keeps the
//! [`ReadHalf`] and hands every Text message to the room; the
//! [`WriteHalf`](rfc6455::blocking::WriteHalf) goes to a writer thread that
//! drains the member's own bounded queue. Broadcasting only queues, so a
//! client that stops reading never stalls the room: once its queue is full it
//! is disconnected (`chat/room.rs`).
//!
//! The server sends JSON events (`welcome`, `message`, `join`, `leave`:
//! `chat/events.rs`); the page (`chat/page.html`) shows them with a
//! timestamp, shows the connection state and reconnects with exponential
//! backoff. Messages are limited to 64 KiB.

#[path = "shared/accept_loop.rs"]
mod accept_loop;
#[path = "chat/events.rs"]
mod events;
#[path = "chat/room.rs"]
mod room;

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::thread;
use std::time::Duration;

use rfc6455::blocking::{self, Accepted, Decision, ReadHalf, ServerOptions, WebSocket};
use rfc6455::handshake::{Header, HttpRequest, reject_response};
use rfc6455::{CloseCode, Config, Message, UpgradeRequest};

use room::{Outgoing, Room};

/// The whole client: HTML, CSS and JavaScript in one page.
const PAGE: &str = include_str!("chat/page.html");

/// What the server allows each client.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// The largest message a client may send (Close 1009 beyond it).
    pub(crate) max_message: usize,
    /// Bounds the opening handshake (slowloris).
    pub(crate) handshake_timeout: Duration,
    /// After this long without hearing from a client, ping it; after twice
    /// this long, drop it.
    pub(crate) idle: Duration,
    /// A client that does not take our data for this long is dropped.
    pub(crate) write_timeout: Duration,
    /// How many events a client may be behind before it is dropped as a slow
    /// consumer; this also bounds the memory it can hold.
    pub(crate) queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message: 64 * 1024,
            handshake_timeout: Duration::from_secs(10),
            idle: Duration::from_secs(30),
            write_timeout: Duration::from_secs(5),
            queue: 32,
        }
    }
}

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = TcpListener::bind(&addr)?;
    eprintln!(
        "chat: open http://{}/ in several tabs",
        listener.local_addr()?
    );
    run(&listener, Limits::default())
}

/// Serves the chat on `listener` forever.
pub(crate) fn run(listener: &TcpListener, limits: Limits) -> ! {
    let room = Arc::new(Room::new(limits.queue));
    let limits = Arc::new(limits);
    accept_loop::serve_forever(listener, "chat", |stream| {
        let (room, limits) = (Arc::clone(&room), Arc::clone(&limits));
        accept_loop::spawn(thread::Builder::new(), move || {
            serve(stream, &room, &limits);
        })
    })
}

/// One connection: the page, a 404, or a chat member.
fn serve(stream: TcpStream, room: &Room, limits: &Limits) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let _ = stream.set_nodelay(true);
    // The handshake deadline is checked between reads, so reads must wake up.
    let _ = stream.set_read_timeout(Some(limits.handshake_timeout));
    let _ = stream.set_write_timeout(Some(limits.write_timeout));
    let options = ServerOptions {
        config: Config::default()
            .max_message_size(limits.max_message)
            .max_frame_size(limits.max_message),
        handshake_timeout: Some(limits.handshake_timeout),
        // `relay` pings through the member's own queue and surfaces the
        // socket's read timeout itself, so the built-in keepalive is off.
        keepalive: None,
        ..Default::default()
    };
    match blocking::accept_with(stream, &options, decide) {
        Ok(Accepted::Http {
            request, stream, ..
        }) => serve_http(&request, stream, &peer),
        Ok(Accepted::WebSocket(ws, _)) => {
            if let Err(e) = chat(ws, room, limits, &peer) {
                eprintln!("chat: {peer}: could not join, dropped: {e}");
            }
        }
        Err(e) => eprintln!("chat: {peer}: handshake failed: {e}"),
    }
}

/// Accepts upgrades on `/ws` from pages of this server (or from clients that
/// send no `Origin`, i.e. not browsers); refuses others (§10.2).
fn decide(request: &UpgradeRequest) -> Decision {
    if request.path() != "/ws" {
        return Decision::reject(404, "The chat's WebSocket endpoint is /ws.\n");
    }
    let host = request.host().to_ascii_lowercase();
    let same_site =
        |origin: &str| origin == format!("http://{host}") || origin == format!("https://{host}");
    match request.origin() {
        Some(origin) if !same_site(origin) => {
            Decision::reject(403, "Cross-origin WebSocket connections are refused.\n")
        }
        _ => Decision::accept(),
    }
}

/// Answers a plain HTTP request: the page for `GET /`, else 404 or 405.
fn serve_http(request: &HttpRequest, mut stream: TcpStream, peer: &str) {
    let (status, content_type, body): (u16, &str, &[u8]) = match (request.method(), request.path())
    {
        ("GET", "/" | "/index.html") => (200, "text/html; charset=utf-8", PAGE.as_bytes()),
        ("GET", _) => (404, "text/plain; charset=utf-8", b"Not found.\n"),
        _ => (
            405,
            "text/plain; charset=utf-8",
            b"Only GET is served here.\n",
        ),
    };
    let mut headers = vec![
        Header::new("Content-Type", content_type),
        Header::new("Cache-Control", "no-store"),
        Header::new("Connection", "close"),
    ];
    if status == 405 {
        headers.push(Header::new("Allow", "GET"));
    }
    eprintln!(
        "chat: {peer}: HTTP {} {} -> {status}",
        request.method(),
        request.target()
    );
    let written = reject_response(status, &headers, body)
        .map_err(io::Error::other)
        .and_then(|response| stream.write_all(&response))
        .and_then(|()| stream.flush());
    if let Err(e) = written {
        eprintln!("chat: {peer}: HTTP answer failed: {e}");
    }
}

/// A chat member, from joining the room to leaving it.
fn chat(
    mut ws: WebSocket<TcpStream>,
    room: &Room,
    limits: &Limits,
    peer: &str,
) -> Result<(), blocking::Error> {
    ws.get_mut().set_read_timeout(Some(limits.idle))?;
    // A handle for disconnecting the client from the room.
    let socket = ws.get_ref().try_clone()?;
    let (reader, writer) = ws.split()?;
    let (id, online, outbox) = room.join(writer, socket)?;
    eprintln!("chat: #{id} ({peer}) joined; {online} online");
    let why = relay(reader, id, &outbox, room);
    let online = room.leave(id);
    eprintln!("chat: #{id} ({peer}) left: {why}; {online} online");
    Ok(())
}

/// Hands the member's Text messages to the room until the client leaves,
/// times out or fails; returns why it ended. Pings and the idle Close go
/// through the member's own queue, like everything it is sent.
fn relay(
    mut reader: ReadHalf<TcpStream>,
    id: u64,
    outbox: &SyncSender<Outgoing>,
    room: &Room,
) -> String {
    let mut pinged = false;
    loop {
        match reader.read() {
            Ok(Message::Text(text)) => {
                pinged = false;
                room.say(id, &text);
            }
            Ok(Message::Binary(_)) => pinged = false, // not part of this chat
            Ok(Message::Ping(_) | Message::Pong(_)) => pinged = false,
            Ok(Message::Close(frame)) => {
                // `read` has queued (and usually sent) the Close reply.
                return match frame {
                    Some(f) => format!("closed with {} {:?}", f.code, f.reason),
                    None => "closed".to_string(),
                };
            }
            // The socket's read timeout: nothing heard for `idle`. Ping once;
            // if the next `idle` passes silently too, give up. A full queue
            // means the room is about to drop this client anyway.
            Err(e) if e.is_timeout() && !pinged => {
                pinged = true;
                let _ = outbox.try_send(Outgoing::Ping);
            }
            Err(e) if e.is_timeout() => {
                let _ = outbox.try_send(Outgoing::Close(CloseCode::GOING_AWAY, "idle timeout"));
                return "idle timeout".to_string();
            }
            Err(e) => return e.to_string(),
        }
    }
}
