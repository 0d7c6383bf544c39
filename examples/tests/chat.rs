//! The chat example (`examples/chat.rs`), run in-process on an ephemeral
//! loopback port and driven by real WebSocket clients.

#[allow(dead_code)]
#[path = "../chat.rs"]
mod chat;

use std::net::{SocketAddr, TcpListener};
use std::thread;
use std::time::Duration;

use rfc6455::Message;
use rfc6455::blocking::{self, ClientStream, WebSocket};

/// Every read in these tests gives up after this long.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

fn start(limits: chat::Limits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || chat::run(&listener, limits));
    addr
}

/// The number after `"name":` in a JSON event.
fn number(event: &str, name: &str) -> Option<u64> {
    let at = event.find(&format!("\"{name}\":"))? + name.len() + 3;
    let digits: String = event[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn kind(event: &str) -> &str {
    let at = event.find(r#""type":""#).expect("an event type") + 8;
    let len = event[at..].find('"').unwrap();
    &event[at..at + len]
}

/// The next Text message; panics on anything else or after [`READ_TIMEOUT`].
fn next_event(ws: &mut WebSocket<ClientStream>) -> String {
    loop {
        match ws.read().expect("an event within the read timeout") {
            Message::Text(text) => return text.into_owned(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Connects a member and reads its welcome; returns it with its id.
fn join(addr: SocketAddr) -> (WebSocket<ClientStream>, u64) {
    let (mut ws, _) = blocking::connect(&format!("ws://{addr}/ws")).unwrap();
    ws.get_mut().set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    let welcome = next_event(&mut ws);
    assert_eq!(kind(&welcome), "welcome", "{welcome}");
    let id = number(&welcome, "you").unwrap();
    (ws, id)
}

/// Reads `ws`'s events until the message `text` from `from`; returns whether
/// a `leave` of `who` came on the way.
fn read_until_message(ws: &mut WebSocket<ClientStream>, from: u64, text: &str, who: u64) -> bool {
    let mut left = false;
    loop {
        let event = next_event(ws);
        match kind(&event) {
            "message" if number(&event, "from") == Some(from) && event.contains(text) => {
                return left;
            }
            "leave" if number(&event, "who") == Some(who) => left = true,
            _ => {}
        }
    }
}

#[test]
fn chat_members_see_each_others_messages() {
    let addr = start(chat::Limits::default());
    let (mut a, a_id) = join(addr);
    let (mut b, b_id) = join(addr);
    a.send_text("héllo \"b\"\n").unwrap();
    read_until_message(&mut b, a_id, r#""text":"héllo \"b\"\n""#, 0);
    b.send_text("hi a").unwrap();
    read_until_message(&mut a, b_id, r#""text":"hi a""#, 0);
}

/// Defect: the room wrote to every client while holding its lock, so one
/// client that stopped reading stalled everyone for its write timeout. Here
/// that timeout is an hour: the room must not wait for the stuck client at
/// all, only queue for it until its queue is full, then drop it.
#[test]
fn chat_slow_consumer_is_dropped_without_stalling_the_room() {
    let addr = start(chat::Limits {
        write_timeout: Duration::from_secs(3600),
        ..chat::Limits::default()
    });
    // Reads its welcome, then never reads again.
    let (_stuck, stuck_id) = join(addr);
    let (mut a, a_id) = join(addr);
    let (mut b, b_id) = join(addr);

    // 60 KB messages from A, each read by A and B before the next, fill the
    // stuck client's socket buffers (a few MB on loopback), then its queue.
    // Random letters: permessage-deflate (on by default) would shrink a
    // repeated letter to almost nothing and never fill anything.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut letters = |n: usize| -> String {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                char::from(b'a' + (seed % 26) as u8)
            })
            .collect()
    };
    let (mut a_saw_it_leave, mut b_saw_it_leave) = (false, false);
    for round in 0..2_000 {
        let text = format!("{round} {}", letters(60_000));
        a.send_text(&text).unwrap();
        let needle = format!(r#""text":"{text}""#);
        a_saw_it_leave |= read_until_message(&mut a, a_id, &needle, stuck_id);
        b_saw_it_leave |= read_until_message(&mut b, a_id, &needle, stuck_id);
        if a_saw_it_leave && b_saw_it_leave {
            break;
        }
    }
    assert!(
        a_saw_it_leave && b_saw_it_leave,
        "the stuck client #{stuck_id} was never dropped (A saw it leave: {a_saw_it_leave}, B: {b_saw_it_leave})"
    );

    // And the two still talk both ways.
    b.send_text("still here").unwrap();
    read_until_message(&mut a, b_id, "still here", 0);
    a.send_text("me too").unwrap();
    read_until_message(&mut b, a_id, "me too", 0);
}
