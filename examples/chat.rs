//! Chat room: `cargo run --release --example chat -- [ADDR]` (default
//! 127.0.0.1:8080), then open `http://ADDR/` in several browser tabs.
//!
//! One port serves both the page (plain HTTP, `GET /`) and the WebSocket
//! endpoint (`/ws`): [`blocking::accept_with`] hands plain HTTP requests back
//! with their stream. Each connection runs on its own thread. A WebSocket is
//! [`split`](rfc6455::blocking::WebSocket::split): its [`WriteHalf`] goes into a
//! shared registry, and its thread keeps the [`ReadHalf`] and broadcasts every
//! Text message to all registered writers, dropping those whose send fails.
//!
//! The server sends JSON events (`welcome`, `message`, `join`, `leave`); the
//! page shows them with a timestamp, shows the connection state and
//! reconnects with exponential backoff. Messages are limited to 64 KiB.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rfc6455::blocking::{self, Accepted, Decision, ReadHalf, ServerOptions, WriteHalf};
use rfc6455::handshake::{Header, HttpRequest, reject_response};
use rfc6455::{CloseCode, Config, Message, UpgradeRequest};

/// The largest message a client may send (Close 1009 beyond it).
const MAX_MESSAGE: usize = 64 * 1024;
/// Bounds the opening handshake (slowloris).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// After this long without hearing from a client, ping it; after twice
/// this long, drop it.
const IDLE: Duration = Duration::from_secs(30);
/// A client that does not take our data for this long is dropped, so one
/// stuck tab cannot stall the broadcast.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// A registered client: the sending half, and a handle to shut its socket
/// down (which also ends its reader thread) when it is dropped.
struct Client {
    writer: WriteHalf<TcpStream>,
    socket: TcpStream,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

/// Every connected client by id.
type Registry = Arc<Mutex<HashMap<u64, Client>>>;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = TcpListener::bind(&addr)?;
    eprintln!(
        "chat: open http://{}/ in several tabs",
        listener.local_addr()?
    );
    let registry = Registry::default();
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let registry = Arc::clone(&registry);
                thread::spawn(move || serve(stream, &registry));
            }
            Err(e) => eprintln!("chat: accept failed: {e}"),
        }
    }
    Ok(())
}

fn lock(registry: &Registry) -> MutexGuard<'_, HashMap<u64, Client>> {
    registry
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One connection: the page, a 404, or a chat member.
fn serve(stream: TcpStream, registry: &Registry) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let _ = stream.set_nodelay(true);
    // The handshake deadline is checked between reads, so reads must wake up.
    let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let options = ServerOptions {
        config: Config::default()
            .max_message_size(MAX_MESSAGE)
            .max_frame_size(MAX_MESSAGE),
        handshake_timeout: Some(HANDSHAKE_TIMEOUT),
        ..Default::default()
    };
    match blocking::accept_with(stream, &options, decide) {
        Ok(Accepted::Http {
            request, stream, ..
        }) => serve_http(&request, stream, &peer),
        Ok(Accepted::WebSocket(mut ws, _)) => {
            let socket = ws.get_mut().set_read_timeout(Some(IDLE)).and_then(|()| {
                // A handle for shutting the socket down from the registry.
                ws.get_ref().try_clone()
            });
            match (socket, ws.split()) {
                (Ok(socket), Ok((reader, writer))) => {
                    chat(reader, Client { writer, socket }, registry, &peer);
                }
                (Err(e), _) => eprintln!("chat: {peer}: {e}"),
                (_, Err(e)) => eprintln!("chat: {peer}: {e}"),
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

/// A chat member: registers the writer, then reads and broadcasts until the
/// client leaves, times out or fails.
fn chat(mut reader: ReadHalf<TcpStream>, client: Client, registry: &Registry, peer: &str) {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let online = {
        let mut clients = lock(registry);
        clients.insert(id, client);
        let online = clients.len();
        send_to(&mut clients, id, &welcome_event(id, online));
        broadcast(&mut clients, &presence_event("join", id, online));
        online
    };
    eprintln!("chat: #{id} ({peer}) joined; {online} online");

    let mut pinged = false;
    let why = loop {
        match reader.read() {
            Ok(Message::Text(text)) => {
                pinged = false;
                broadcast(&mut lock(registry), &message_event(id, &text));
            }
            Ok(Message::Binary(_)) => pinged = false, // not part of this chat
            Ok(Message::Ping(_) | Message::Pong(_)) => pinged = false,
            Ok(Message::Close(frame)) => {
                // `read` has queued (and usually sent) the Close reply.
                break match frame {
                    Some(f) => format!("closed with {} {:?}", f.code, f.reason),
                    None => "closed".to_string(),
                };
            }
            // The socket's read timeout: nothing heard for IDLE. Ping once;
            // if the next IDLE passes silently too, give up.
            Err(e) if e.is_timeout() && !pinged => {
                pinged = true;
                if let Some(client) = lock(registry).get_mut(&id) {
                    let _ = client.writer.send(Message::Ping(b"idle?"[..].into()));
                }
            }
            Err(e) if e.is_timeout() => {
                if let Some(client) = lock(registry).get_mut(&id) {
                    let _ = client.writer.close(CloseCode::GOING_AWAY, "idle timeout");
                }
                break "idle timeout".to_string();
            }
            Err(e) => break e.to_string(),
        }
    };

    let online = {
        let mut clients = lock(registry);
        clients.remove(&id);
        let online = clients.len();
        broadcast(&mut clients, &presence_event("leave", id, online));
        online
    };
    eprintln!("chat: #{id} ({peer}) left: {why}; {online} online");
}

/// Sends `event` to every client, dropping those whose send fails.
fn broadcast(clients: &mut HashMap<u64, Client>, event: &str) {
    clients.retain(|id, client| match client.writer.send_text(event) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("chat: #{id}: send failed ({e}); dropping it");
            false
        }
    });
}

/// Sends `event` to one client, dropping it if that fails.
fn send_to(clients: &mut HashMap<u64, Client>, id: u64, event: &str) {
    let failed = clients
        .get_mut(&id)
        .is_some_and(|client| client.writer.send_text(event).is_err());
    if failed {
        clients.remove(&id);
    }
}

/// Milliseconds since the Unix epoch, for the page's timestamps.
fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn welcome_event(id: u64, online: usize) -> String {
    format!(
        r#"{{"type":"welcome","you":{id},"online":{online},"time":{}}}"#,
        now_ms()
    )
}

fn presence_event(kind: &str, id: u64, online: usize) -> String {
    format!(
        r#"{{"type":"{kind}","who":{id},"online":{online},"time":{}}}"#,
        now_ms()
    )
}

fn message_event(id: u64, text: &str) -> String {
    format!(
        r#"{{"type":"message","from":{id},"text":{},"time":{}}}"#,
        json_string(text),
        now_ms()
    )
}

/// `s` as a JSON string literal (RFC 8259 §7).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The whole client: HTML, CSS and JavaScript in one page.
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rfc6455 chat</title>
<style>
  :root { --bg: #f4f5f7; --panel: #fff; --ink: #1d2330; --muted: #6b7383; --accent: #2f6fed;
          --mine: #e3ecff; --theirs: #fff; --line: #dde1e8; }
  * { box-sizing: border-box; }
  html, body { height: 100%; margin: 0; }
  body { font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
         background: var(--bg); display: flex; flex-direction: column; }
  header { display: flex; align-items: center; gap: 12px; padding: 10px 16px; background: var(--panel);
           border-bottom: 1px solid var(--line); }
  header h1 { font-size: 17px; margin: 0; flex: 1; }
  #online { color: var(--muted); font-size: 13px; }
  #state { font-size: 13px; padding: 3px 10px; border-radius: 999px; white-space: nowrap; }
  #state::before { content: "●"; margin-right: 6px; }
  #state.connecting { background: #fff4d6; color: #8a6100; }
  #state.open { background: #ddf5e3; color: #17692f; }
  #state.closed { background: #fde2e2; color: #9b1c1c; }
  #log { flex: 1; overflow-y: auto; list-style: none; margin: 0; padding: 16px; display: flex;
         flex-direction: column; gap: 8px; }
  #log li { max-width: 75%; padding: 6px 10px; border-radius: 10px; background: var(--theirs);
            border: 1px solid var(--line); align-self: flex-start; overflow-wrap: anywhere; }
  #log li.mine { background: var(--mine); border-color: #c7d7fb; align-self: flex-end; }
  #log li.info { background: none; border: none; color: var(--muted); font-size: 13px;
                 align-self: center; padding: 0; }
  #log .meta { display: block; font-size: 12px; color: var(--muted); margin-bottom: 2px; }
  #log .text { white-space: pre-wrap; }
  form { display: flex; gap: 8px; padding: 12px 16px; background: var(--panel);
         border-top: 1px solid var(--line); }
  #input { flex: 1; font: inherit; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px; }
  #input:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
  #send { font: inherit; padding: 8px 18px; border: 0; border-radius: 8px; background: var(--accent);
          color: #fff; cursor: pointer; }
  #send:disabled, #input:disabled { opacity: .5; cursor: not-allowed; }
</style>
</head>
<body>
<header>
  <h1>rfc6455 chat</h1>
  <span id="online"></span>
  <span id="state" class="connecting">connecting…</span>
</header>
<ul id="log" aria-live="polite"></ul>
<form id="form" autocomplete="off">
  <input id="input" placeholder="Type a message and press Enter" maxlength="16000" disabled>
  <button id="send" type="submit" disabled>Send</button>
</form>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const log = $("log"), input = $("input"), send = $("send"), state = $("state"), online = $("online");
const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
let ws = null, me = null, delay = 1, timer = null;

function setState(kind, text) {
  state.className = kind;
  state.textContent = text;
  input.disabled = send.disabled = kind !== "open";
}

function add(kind, meta, text, time) {
  const li = document.createElement("li");
  li.className = kind;
  const stamp = new Date(time || Date.now()).toLocaleTimeString();
  if (kind === "info") {
    li.textContent = stamp + " · " + text;
  } else {
    const m = document.createElement("span");
    m.className = "meta";
    const t = document.createElement("time");
    t.dateTime = new Date(time || Date.now()).toISOString();
    t.textContent = stamp;
    m.append(meta + " · ", t);
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;   // text, never HTML
    li.append(m, body);
  }
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
  log.append(li);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function connect() {
  clearTimeout(timer);
  setState("connecting", "connecting…");
  ws = new WebSocket(url);
  ws.onopen = () => {
    delay = 1;
    setState("open", "open");
    input.focus();
  };
  ws.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch { return; }
    if (typeof m.online === "number") online.textContent = m.online + " online";
    switch (m.type) {
      case "welcome": me = m.you; add("info", "", "you are #" + m.you, m.time); break;
      case "join": if (m.who !== me) add("info", "", "#" + m.who + " joined", m.time); break;
      case "leave": add("info", "", "#" + m.who + " left", m.time); break;
      case "message":
        add(m.from === me ? "mine" : "theirs", m.from === me ? "you" : "#" + m.from, m.text, m.time);
        break;
    }
  };
  ws.onclose = (e) => {
    ws = null;
    online.textContent = "";
    let left = delay;
    delay = Math.min(delay * 2, 30);
    const tick = () => {
      if (left <= 0) { connect(); return; }
      setState("closed", "closed (" + e.code + ") · reconnecting in " + left + " s");
      left -= 1;
      timer = setTimeout(tick, 1000);
    };
    tick();
  };
}

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value;
  if (!text.trim() || !ws || ws.readyState !== WebSocket.OPEN) return;
  ws.send(text);
  input.value = "";
  input.focus();
});

connect();
</script>
</body>
</html>
"##;
