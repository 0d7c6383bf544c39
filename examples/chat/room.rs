//! The chat room: who is in it, and each member's own outgoing queue.
//!
//! Broadcasting never writes to a socket. It puts the event (one shared
//! `Arc<str>` for all members) on each member's bounded queue with
//! `try_send`, and each member's writer thread drains its queue into its
//! socket. So a member whose socket is stuck only fills its own queue; when
//! that is full it is a slow consumer and is disconnected, and the room never
//! waits for it. Memory per member is bounded by the queue's capacity.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use rfc6455::blocking::{self, WriteHalf};
use rfc6455::{CloseCode, Message};

use super::accept_loop::spawn;
use super::events;

/// What a member's writer thread sends.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A JSON event.
    Text(Arc<str>),
    /// A keepalive Ping.
    Ping,
    /// Start the closing handshake.
    Close(CloseCode, &'static str),
}

struct Member {
    outbox: SyncSender<Outgoing>,
    /// To disconnect the member: shutting the socket down also wakes its
    /// reader and writer threads.
    socket: TcpStream,
}

/// Every member by id.
pub(crate) struct Room {
    members: Mutex<HashMap<u64, Member>>,
    next_id: AtomicU64,
    /// How many events a member may be behind before it is dropped.
    queue: usize,
}

impl Room {
    pub(crate) fn new(queue: usize) -> Self {
        Self {
            members: Mutex::default(),
            next_id: AtomicU64::new(1),
            queue,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Member>> {
        self.members
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a member whose messages go out through `writer` on a thread of
    /// its own; `socket` is a handle to the same connection. Returns its id,
    /// how many are online, and its queue (for its Pings and Close). Fails
    /// if no writer thread can be started; the connection is then dropped.
    pub(crate) fn join(
        &self,
        writer: WriteHalf<TcpStream>,
        socket: TcpStream,
    ) -> io::Result<(u64, usize, SyncSender<Outgoing>)> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (outbox, queue) = sync_channel(self.queue);
        let hangup = socket.try_clone()?;
        let name = format!("chat-writer-{id}");
        spawn(thread::Builder::new().name(name), move || {
            write_out(id, writer, &queue, &hangup);
        })?;
        let mut members = self.lock();
        // A new queue has room for the welcome.
        let _ = outbox.try_send(Outgoing::Text(
            events::welcome(id, members.len() + 1).into(),
        ));
        members.insert(
            id,
            Member {
                outbox: outbox.clone(),
                socket,
            },
        );
        let online = members.len();
        broadcast(&mut members, events::presence("join", id, online));
        Ok((id, online, outbox))
    }

    /// Sends member `from`'s Text message to everyone.
    pub(crate) fn say(&self, from: u64, text: &str) {
        broadcast(&mut self.lock(), events::message(from, text));
    }

    /// Removes member `id` (if it is still in the room) and tells the others;
    /// returns how many are left. Its writer thread sends what is queued for
    /// it, then ends.
    pub(crate) fn leave(&self, id: u64) -> usize {
        let mut members = self.lock();
        members.remove(&id);
        let online = members.len();
        broadcast(&mut members, events::presence("leave", id, online));
        online
    }
}

/// Queues `event` for every member; disconnects those whose queue is full
/// (slow consumers) or whose writer has ended. Never blocks.
fn broadcast(members: &mut HashMap<u64, Member>, event: String) {
    let event: Arc<str> = event.into();
    members.retain(|id, member| {
        let why = match member.outbox.try_send(Outgoing::Text(Arc::clone(&event))) {
            Ok(()) => return true,
            Err(TrySendError::Full(_)) => "too far behind (slow consumer)",
            Err(TrySendError::Disconnected(_)) => "its writer has ended",
        };
        eprintln!("chat: #{id}: {why}; disconnecting it");
        // Its reader thread then fails, and announces that it left.
        let _ = member.socket.shutdown(Shutdown::Both);
        false
    });
}

/// A member's writer thread: sends what is queued until the queue is closed
/// (the member left) or a send fails (then the connection is shut down).
fn write_out(
    id: u64,
    mut writer: WriteHalf<TcpStream>,
    queue: &Receiver<Outgoing>,
    socket: &TcpStream,
) {
    for outgoing in queue {
        let sent = match outgoing {
            Outgoing::Text(event) => writer.send_text(&event),
            Outgoing::Ping => writer.send(Message::Ping(b"idle?"[..].into())),
            Outgoing::Close(code, reason) => writer.close(code, reason),
        };
        match sent {
            Ok(()) => {}
            // The closing handshake is done: what is left for it is moot.
            Err(blocking::Error::Closed) => return,
            Err(e) => {
                eprintln!("chat: #{id}: send failed ({e}); disconnecting it");
                let _ = socket.shutdown(Shutdown::Both);
                return;
            }
        }
    }
    // Whatever the reader queued last, e.g. the reply to the client's Close.
    let _ = writer.flush();
}
