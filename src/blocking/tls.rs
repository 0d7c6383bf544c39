//! [`TlsStream`]: rustls over a `TcpStream`, with timeouts and a second
//! handle for [`WebSocket::split`](super::WebSocket::split).

use std::prelude::rust_2024::*;
use std::vec;

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

use super::split::TryClone;
use super::tls_session::{Send, Session, Shared, Waits, lock};
use super::transport::Timeouts;

/// Bytes read from the socket per wait: one TLS record at its largest
/// (RFC 8446 §5.2: a 5-byte header and at most 2^14 + 256 bytes).
const READ_CHUNK: usize = 5 + (1 << 14) + 256;

/// A TLS connection (rustls) over a `TcpStream` that, unlike rustls's
/// `StreamOwned`, splits: [`TryClone`] gives another handle to the same
/// connection, so [`WebSocket::split`](super::WebSocket::split) runs a
/// reader and a writer on two threads over TLS as over TCP.
///
/// The handles share the rustls connection behind a lock and the one socket.
/// A read waits on the socket without the lock and locks only to decrypt, so
/// the writer is never held up by a reader waiting for data; records are
/// written to the socket in order, under a second lock. Only one handle
/// should read at a time (a [`ReadHalf`](super::ReadHalf) does).
///
/// - Timeouts ([`Timeouts`]) are the socket's, so every deadline of the
///   adapters holds. A `read` that needs several socket reads for one record
///   waits at most the read timeout in all.
/// - The TLS handshake runs in reads (a server's first `read` runs it), or
///   eagerly with [`complete_handshake`](Self::complete_handshake) and a
///   deadline ([`connect`](super::connect) does that). Writes never read.
/// - A TLS failure (an untrusted, expired or wrong-host certificate, an alert
///   from the peer, a malformed record) is an `io::Error` of kind
///   `InvalidData` carrying the `rustls::Error`; the blocking adapters report
///   it as [`Error::Tls`](super::Error::Tls).
/// - `read` returns `Ok(0)` only after the peer's `close_notify`. A TCP EOF
///   without it is an `UnexpectedEof` error: the data may have been cut
///   short by an attacker (RFC 8446 §6.1).
/// - When the last handle is dropped a `close_notify` is sent, if the
///   socket takes it without waiting.
///
/// A TLS server over it, accepting WebSocket connections:
///
/// ```no_run
/// use std::net::TcpListener;
/// use std::sync::Arc;
/// use rfc6455::blocking::{self, TlsStream};
/// use rfc6455::rustls::ServerConfig;
/// use rfc6455::rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
///
/// let certs = CertificateDer::pem_file_iter("cert.pem")?.collect::<Result<Vec<_>, _>>()?;
/// let key = PrivateKeyDer::from_pem_file("key.pem")?;
/// let config = ServerConfig::builder_with_provider(blocking::crypto_provider())
///     .with_safe_default_protocol_versions()?
///     .with_no_client_auth()
///     .with_single_cert(certs, key)?;
/// let config = Arc::new(config);
/// for tcp in TcpListener::bind("127.0.0.1:9443")?.incoming() {
///     let tls = TlsStream::server(tcp?, Arc::clone(&config))?;
///     let mut ws = blocking::accept(tls)?; // the TLS handshake runs inside, by its deadline
///     ws.send_text("hello over TLS")?;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TlsStream {
    shared: Arc<Shared>,
    /// Raw input; allocated on the first read (a write handle never reads).
    scratch: Vec<u8>,
}

impl TlsStream {
    /// The client side of a TLS connection to `server_name` (sent as SNI and
    /// checked against the certificate) over `tcp`. Nothing is sent until
    /// the first read, write or [`complete_handshake`](Self::complete_handshake).
    ///
    /// [`connect`](super::connect) does all of this for `wss://` URLs.
    pub fn client(
        tcp: TcpStream,
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<Self, rustls::Error> {
        let conn = ClientConnection::new(config, server_name)?;
        Ok(Self::new(tcp, Connection::Client(conn)))
    }

    /// The server side of a TLS connection over an accepted `tcp`.
    pub fn server(tcp: TcpStream, config: Arc<ServerConfig>) -> Result<Self, rustls::Error> {
        let conn = ServerConnection::new(config)?;
        Ok(Self::new(tcp, Connection::Server(conn)))
    }

    fn new(tcp: TcpStream, conn: Connection) -> Self {
        Self {
            shared: Arc::new(Shared {
                tcp,
                session: Mutex::new(Session::new(conn)),
                out: Mutex::new(Vec::new()),
            }),
            scratch: Vec::new(),
        }
    }

    /// Runs the TLS handshake to its end, within `timeout` in all (`None`:
    /// the socket's own timeouts bound each wait). Does nothing if it is done.
    ///
    /// Errors: a timeout is [`io::ErrorKind::TimedOut`]; the peer closing the
    /// connection is `UnexpectedEof`; a TLS failure is `InvalidData` with the
    /// `rustls::Error` (e.g. the certificate). The socket's timeouts are
    /// restored afterwards.
    pub fn complete_handshake(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let tcp = &self.shared.tcp;
        let saved = match deadline {
            Some(_) => Some((tcp.read_timeout()?, tcp.write_timeout()?)),
            None => None,
        };
        let result = self.handshake_by(deadline);
        if let Some((read, write)) = saved {
            let _ = self.shared.tcp.set_read_timeout(read);
            let _ = self.shared.tcp.set_write_timeout(write);
        }
        result
    }

    fn handshake_by(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        // Bounded: each pass sends, then waits on the socket by the deadline.
        loop {
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the TLS handshake timed out",
                    ));
                }
                self.shared.tcp.set_read_timeout(Some(left))?;
                self.shared.tcp.set_write_timeout(Some(left))?;
            }
            lock(&self.shared.session).absorb()?;
            self.shared.send(Send::Wait)?;
            {
                let session = lock(&self.shared.session);
                if !session.conn.is_handshaking() {
                    return Ok(());
                }
                if session.at_eof() {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the peer closed the connection during the TLS handshake",
                    ));
                }
            }
            match self.receive(&mut Waits::new()) {
                Ok(()) => {}
                Err(e) if deadline.is_some() && super::error::is_timeout(&e) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// One wait on the socket; what it gave goes to the session.
    fn receive(&mut self, waits: &mut Waits) -> io::Result<()> {
        if self.scratch.is_empty() {
            self.scratch = vec![0; READ_CHUNK];
        }
        let n = waits.read(&self.shared.tcp, &mut self.scratch)?;
        lock(&self.shared.session).received(&self.scratch[..n]);
        Ok(())
    }

    /// Sends a `close_notify` alert: nothing more will be written, and the
    /// peer's reads end cleanly (`Ok(0)`) rather than with an unexpected EOF.
    /// Dropping the last handle does this too, if the socket does not block.
    pub fn send_close_notify(&mut self) -> io::Result<()> {
        lock(&self.shared.session).conn.send_close_notify();
        self.shared.send(Send::Wait)
    }

    /// Runs `f` on the rustls connection, e.g. for the negotiated protocol
    /// version, ALPN protocol or the peer's certificates.
    pub fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&lock(&self.shared.session).conn)
    }

    /// The TCP socket beneath. Reading or writing it directly corrupts the
    /// connection. (Dropping the last handle makes the socket non-blocking
    /// to send the `close_notify`, which a clone of it would see.)
    pub fn get_ref(&self) -> &TcpStream {
        &self.shared.tcp
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut waits = Waits::new();
        // Bounded: each pass returns or waits on the socket, and the waits
        // share the read timeout.
        let result = loop {
            let step = lock(&self.shared.session).take_plaintext(buf);
            // Handshake messages and alerts the input asked for go out now,
            // unless a writer holds the socket (it sends them when done).
            let sent = self.shared.send(Send::IfIdle);
            match step {
                Ok(Some(n)) => break Ok(n),
                Ok(None) => {}
                Err(e) => break Err(e),
            }
            if let Err(e) = sent.and_then(|()| self.receive(&mut waits)) {
                break Err(e);
            }
        };
        waits.restore(&self.shared.tcp);
        result
    }
}

impl Write for TlsStream {
    /// Encrypts `buf` (or as much as rustls takes) and writes the records.
    /// Records left over from an earlier write go first; if they cannot be
    /// written, nothing of `buf` is taken. Once `buf` is taken, a failure to
    /// write its records is reported by the next `flush` or `write`.
    ///
    /// Never reads: before the TLS handshake is done, `buf` is kept (up to
    /// 64 KiB) and sent when a read or [`complete_handshake`](Self::complete_handshake)
    /// finishes it. So a server's answer to a client that never completes
    /// the handshake (the `408` of [`accept`](super::accept)) is dropped,
    /// not waited on.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = lock(&self.shared.out);
        self.shared.write_out(&mut out)?;
        let taken = lock(&self.shared.session).conn.writer().write(buf)?;
        let _ = self.shared.write_out(&mut out);
        drop(out);
        // Records a reader queued while this write held the socket.
        let _ = self.shared.send(Send::IfIdle);
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.shared.send(Send::Wait)
    }
}

/// The socket's timeouts: each wait of a read or write is bounded by them.
impl Timeouts for TlsStream {
    fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.shared.tcp.read_timeout()
    }

    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.shared.tcp.set_read_timeout(timeout)
    }

    fn write_timeout(&self) -> io::Result<Option<Duration>> {
        self.shared.tcp.write_timeout()
    }

    fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.shared.tcp.set_write_timeout(timeout)
    }
}

/// Another handle to the same TLS connection; never fails.
impl TryClone for TlsStream {
    fn try_clone(&self) -> io::Result<Self> {
        Ok(Self {
            shared: Arc::clone(&self.shared),
            scratch: Vec::new(),
        })
    }
}

impl fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream")
            .field("tcp", &self.shared.tcp)
            .finish_non_exhaustive()
    }
}

impl Drop for Shared {
    /// The last handle is gone: a `close_notify` after the records still
    /// queued, written only as far as the socket takes it without waiting.
    fn drop(&mut self) {
        let session = self.session.get_mut().unwrap_or_else(|p| p.into_inner());
        let out = self.out.get_mut().unwrap_or_else(|p| p.into_inner());
        session.conn.send_close_notify();
        while session.conn.wants_write() {
            if session.conn.write_tls(out).is_err() {
                return;
            }
        }
        if self.tcp.set_nonblocking(true).is_ok() {
            let _ = (&self.tcp).write_all(out);
        }
    }
}
