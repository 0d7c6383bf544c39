//! Splitting a [`WebSocket`] into halves for two threads.
//!
//! Both halves share the one [`Connection`] behind a mutex, and the write side
//! of the stream behind another. The reader never holds the connection lock
//! while it waits on the socket. Output the reader produces (Pongs, the Close
//! reply) is written by whichever half gets the writer lock: the reader tries
//! it without waiting, and the writer re-checks for queued output each time it
//! releases it, so a Pong is never stranded and a blocked write never stalls
//! the reader.

use std::prelude::rust_2024::*;
use std::vec;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Instant;

use super::driver::{self, Link, Liveness};
use super::error::Error;
use super::socket::{Keepalive, WebSocket};
use super::transport::{ReadOutcome, Timeouts, read_by, wake_for_keepalive};
use crate::connection::{CloseCode, Connection, Event, Message, Sender};

/// Streams that can be duplicated into a read handle and a write handle.
pub trait TryClone: Sized {
    /// Another handle to the same stream.
    fn try_clone(&self) -> io::Result<Self>;
}

impl TryClone for TcpStream {
    fn try_clone(&self) -> io::Result<Self> {
        Self::try_clone(self)
    }
}

#[cfg(unix)]
impl TryClone for std::os::unix::net::UnixStream {
    fn try_clone(&self) -> io::Result<Self> {
        Self::try_clone(self)
    }
}

#[derive(Debug)]
struct Shared<S> {
    conn: Mutex<Connection>,
    writer: Mutex<S>,
}

/// The receiving half from [`WebSocket::split`]; use from one thread.
#[derive(Debug)]
pub struct ReadHalf<S> {
    stream: S,
    shared: Arc<Shared<S>>,
    buf: Vec<u8>,
    live: Liveness,
}

/// The sending half from [`WebSocket::split`]; clone-free, use from one thread
/// (wrap it in a mutex to share it further).
#[derive(Debug)]
pub struct WriteHalf<S> {
    shared: Arc<Shared<S>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<S: Read + Write + Timeouts + TryClone> WebSocket<S> {
    /// Splits into a reading half and a writing half usable from two threads
    /// at once (the stream is duplicated with [`TryClone`]). The keepalive
    /// set with [`set_keepalive`](WebSocket::set_keepalive) goes on in the
    /// [`ReadHalf`].
    ///
    /// ```no_run
    /// let (ws, _) = rfc6455::blocking::connect("ws://127.0.0.1:9001")?;
    /// let (mut reader, mut writer) = ws.split()?;
    /// let sender = std::thread::spawn(move || writer.send_text("from another thread"));
    /// println!("{:?}", reader.read()?);
    /// sender.join().unwrap()?;
    /// # Ok::<(), rfc6455::blocking::Error>(())
    /// ```
    pub fn split(self) -> Result<(ReadHalf<S>, WriteHalf<S>), Error> {
        let live = self.live;
        let (stream, conn) = self.into_parts();
        let writer = stream.try_clone()?;
        let buf = vec![0; conn.config().get_read_buffer_size()];
        let shared = Arc::new(Shared {
            conn: Mutex::new(conn),
            writer: Mutex::new(writer),
        });
        Ok((
            ReadHalf {
                stream,
                shared: Arc::clone(&shared),
                buf,
                live,
            },
            WriteHalf { shared },
        ))
    }
}

/// Writes all queued output; the caller holds the writer lock. Output is
/// advanced only by what the stream took, so a timeout leaves the rest queued.
fn flush_locked<S: Write>(writer: &mut S, conn: &Mutex<Connection>) -> Result<(), Error> {
    loop {
        let chunk = {
            let mut conn = lock(conn);
            let out = conn.poll_output();
            out[..out.len().min(64 * 1024)].to_vec()
        };
        if chunk.is_empty() {
            break;
        }
        let mut written = 0;
        while written < chunk.len() {
            match writer.write(&chunk[written..]) {
                Ok(0) => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    written += n;
                    lock(conn).advance_output(n)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }
    writer.flush()?;
    Ok(())
}

impl<S: Write> Shared<S> {
    /// Writes queued output unless the other half is writing (it will pick it up).
    fn try_flush(&self) -> Result<(), Error> {
        let mut writer = match self.writer.try_lock() {
            Ok(w) => w,
            Err(TryLockError::WouldBlock) => return Ok(()),
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
        };
        flush_locked(&mut *writer, &self.conn)
    }

    /// Writes queued output, waiting for the writer lock; re-checks after
    /// releasing it for output the reader queued meanwhile.
    fn flush(&self) -> Result<(), Error> {
        loop {
            flush_locked(&mut *lock(&self.writer), &self.conn)?;
            if !lock(&self.conn).wants_write() {
                return Ok(());
            }
        }
    }
}

impl<S: Read + Write + Timeouts> Link for ReadHalf<S> {
    fn with_conn<T>(&mut self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut lock(&self.shared.conn))
    }

    fn flush_answers(&mut self) -> Result<(), Error> {
        // A busy writer picks the answers up when it releases the stream.
        self.shared.try_flush()
    }

    fn flush_all(&mut self) -> Result<(), Error> {
        self.shared.flush()
    }

    fn read_input(&mut self, deadline: Option<Instant>) -> Result<ReadOutcome, Error> {
        // Never holds the connection lock while waiting on the socket.
        let buf = &mut self.buf;
        let read = read_by(&mut self.stream, deadline, |s| s.read(buf))?;
        if let ReadOutcome::Data(n @ 1..) = read {
            lock(&self.shared.conn).receive(&self.buf[..n]);
        }
        Ok(read)
    }

    fn liveness(&mut self) -> &mut Liveness {
        &mut self.live
    }
}

impl<S: Read + Write + Timeouts> ReadHalf<S> {
    /// Reads the next whole message, as [`WebSocket::read`] does, with the
    /// same keepalive: Pings while idle, [`Error::IdleTimeout`] after a silence.
    pub fn read(&mut self) -> Result<Message<'static>, Error> {
        driver::read_message(self)
    }

    /// Lends the next whole message to `f`, as [`WebSocket::read_with`]
    /// does. `f` runs under the lock the halves share, so the writer waits
    /// for it: keep it short.
    pub fn read_with<T>(
        &mut self,
        f: impl FnOnce(Message<'_>, Sender<'_>) -> T,
    ) -> Result<T, Error> {
        driver::read_with(self, f)
    }

    /// Lends the next event to `f`, as [`WebSocket::read_event`] does, for
    /// messages too large to hold whole. `f` runs under the shared lock.
    pub fn read_event<T>(&mut self, f: impl FnOnce(Event<'_>) -> T) -> Result<T, Error> {
        driver::read_event(self, f)
    }

    /// Sends Pings while idle and gives up after a silence, as
    /// [`WebSocket::set_keepalive`] (which also sets the read timeout a
    /// `TcpStream` needs for it); `None` turns it off.
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>) {
        wake_for_keepalive(&self.stream, keepalive);
        self.live.keepalive = keepalive;
    }
}

impl<S: Write> WriteHalf<S> {
    /// Sends a message, as [`WebSocket::send`] does.
    pub fn send(&mut self, message: Message<'_>) -> Result<(), Error> {
        {
            let mut writer = lock(&self.shared.writer);
            lock(&self.shared.conn).sender().send(&message)?;
            flush_locked(&mut *writer, &self.shared.conn)?;
        }
        self.shared.flush()
    }

    /// Sends a Text message.
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send(Message::Text(text.into()))
    }

    /// Sends a Binary message.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send(Message::Binary(data.into()))
    }

    /// Writes out what is still queued, e.g. after a send returned a write timeout.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.shared.flush()
    }

    /// Starts the closing handshake; the [`ReadHalf`] then receives the peer's Close.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        lock(&self.shared.conn).close(code, reason)?;
        self.shared.flush()
    }
}
