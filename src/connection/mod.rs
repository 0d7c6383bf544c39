//! The per-connection protocol state machine (RFC 6455 §5–§8), without I/O.

mod assemble;
mod close;
mod compress;
mod event;
mod input;
mod output;
mod recv;
mod send;
mod state;
mod transform;
pub(crate) mod utf8;

#[cfg(all(test, feature = "deflate"))]
mod deflate_tests;

pub use close::{CloseCode, CloseFrame};
pub use event::{Event, Message, MessageKind};
pub use send::Sender;

use crate::config::Config;
use crate::extension::Negotiated;
use assemble::Assembly;
use compress::Compress;
use input::Input;
use output::Output;
use state::{Ending, Incoming, Lifecycle};
use transform::Transform;
use utf8::Utf8Validator;

/// Which end of the connection this is (§5.1: clients mask, servers do not).
// exhaustive: RFC 6455 has exactly two endpoints, client and server (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The side that opened the connection; masks every frame it sends.
    Client,
    /// The side that accepted the connection; requires masked frames.
    Server,
}

/// Where the connection is in its life (§7).
// exhaustive: the stages of §7 as the caller sees them; Closing splits no further here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// This side sent a Close frame and awaits the peer's (§7.1.2, §7.1.3).
    /// Data from the peer is still delivered.
    Closing,
    /// The closing handshake completed, the connection failed, or the transport ended.
    /// Nothing more is sent or delivered.
    Closed,
}

/// One WebSocket connection's protocol state: framing, masking, fragmentation,
/// UTF-8, ping/pong and the closing handshake. Owns no socket and reads no clock.
///
/// The caller moves bytes between the connection and the transport. The methods
/// fall into four groups:
///
/// - **Inputs**: [`receive`](Self::receive) (or [`read_buf`](Self::read_buf) +
///   [`commit_read`](Self::commit_read) to read straight into the connection's
///   buffer) and [`receive_eof`](Self::receive_eof).
/// - **Events**: [`poll_event`](Self::poll_event) streams data chunk by chunk;
///   [`poll_message`](Self::poll_message) assembles whole messages up to
///   [`Config::max_message_size`]. Use one of the two per connection.
/// - **Commands**: [`send_text`](Self::send_text), [`send_binary`](Self::send_binary),
///   [`send_fragment`](Self::send_fragment), [`send_ping`](Self::send_ping),
///   [`send_pong`](Self::send_pong), [`close`](Self::close).
/// - **Outputs**: [`poll_output`](Self::poll_output) + [`advance_output`](Self::advance_output)
///   give the bytes to write; [`wants_transport_close`](Self::wants_transport_close)
///   says when to shut the transport down.
///
/// After each input, drain events until `None`, then write the output, then
/// check `wants_transport_close`. After each command, write the output.
///
/// ```
/// use rfc6455::{Connection, Config, Message, Role};
///
/// let mut client = Connection::new(Role::Client, Config::default());
/// let mut server = Connection::new(Role::Server, Config::default());
///
/// client.send_text("hello").unwrap();
/// let wire = client.poll_output().to_vec();
/// client.advance_output(wire.len()).unwrap();
///
/// server.receive(&wire);
/// match server.poll_message().unwrap() {
///     Some(Message::Text(text)) => assert_eq!(text, "hello"),
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
///
/// A protocol violation by the peer makes the next `poll_*` return an
/// [`Error`](crate::Error) whose [`close_code`](crate::Error::close_code) is
/// already queued in a Close frame in the output: write it, then close the
/// transport. Further input is discarded.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,

    // Receive side, in the order data flows: the buffer the transport
    // fills (`input`), the data message being received (`incoming`, the
    // frame decoder's position inside it), the per-message transform, the
    // UTF-8 check, and `poll_message`'s assembly buffers.
    input: Input,
    incoming: Incoming,
    transform: Transform,
    recv_utf8: Utf8Validator,
    assembly: Assembly,

    // Send side: the extension's compression, then the frame queue.
    compress: Compress,
    tx: Output,
    /// The kind of the streamed message being sent, if any.
    outgoing: Option<MessageKind>,
    send_utf8: Utf8Validator,

    /// The closing handshake; every transition is in `state.rs`.
    life: Lifecycle,

    /// The extensions in use (§9), as given to `with_extensions`.
    extensions: Negotiated,
}

/// The receive side's buffers, borrowed apart from the [`Sender`] (see
/// `Connection::split`).
pub(super) struct ReceiveParts<'a> {
    input: &'a Input,
    transform: &'a Transform,
    assembly: &'a Assembly,
}

/// Where masking keys come from (§5.3: unpredictable, from a strong source of entropy).
pub(crate) enum KeySource {
    /// Keys drawn 16 at a time from the thread-local CSPRNG, which is
    /// reseeded from the OS: one generator call per 16 frames.
    #[cfg(feature = "std")]
    Thread {
        pool: [u8; KEY_POOL],
        next: usize,
    },
    Seeded(alloc::boxed::Box<rand::rngs::StdRng>),
}

/// Bytes of masking keys drawn at once.
#[cfg(feature = "std")]
const KEY_POOL: usize = 64;

impl core::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeySource")
    }
}

impl KeySource {
    pub(crate) fn next_key(&mut self) -> [u8; 4] {
        use rand::Rng as _;
        let mut key = [0u8; 4];
        match self {
            #[cfg(feature = "std")]
            Self::Thread { pool, next } => {
                if *next + 4 > KEY_POOL {
                    rand::rng().fill_bytes(pool);
                    *next = 0;
                }
                key.copy_from_slice(&pool[*next..*next + 4]);
                *next += 4;
            }
            Self::Seeded(rng) => rng.fill_bytes(&mut key),
        }
        key
    }
}

impl Connection {
    /// A connection in the Open state, for a transport whose opening handshake
    /// has completed. Masking keys come from the thread-local CSPRNG.
    ///
    /// If the handshake left bytes over (a peer may send frames right behind
    /// its handshake), pass them to [`receive`](Self::receive) first.
    #[cfg(feature = "std")]
    pub fn new(role: Role, config: Config) -> Self {
        let keys = KeySource::Thread {
            pool: [0; KEY_POOL],
            next: KEY_POOL,
        };
        Self::with_keys(role, config, keys)
    }

    /// Like [`new`](Self::new), but masking keys come from a ChaCha generator
    /// seeded with `seed`, for targets without `std`. The seed MUST come from a
    /// strong source of entropy (§10.3): predictable keys let a malicious page
    /// poison proxy caches.
    pub fn with_mask_seed(role: Role, config: Config, seed: [u8; 32]) -> Self {
        use rand::SeedableRng as _;
        Self::with_keys(
            role,
            config,
            KeySource::Seeded(alloc::boxed::Box::new(rand::rngs::StdRng::from_seed(seed))),
        )
    }

    fn with_keys(role: Role, config: Config, keys: KeySource) -> Self {
        Self {
            role,
            input: Input::new(config.get_read_buffer_size()),
            config,
            incoming: None,
            transform: Transform::default(),
            recv_utf8: Utf8Validator::default(),
            assembly: Assembly::default(),
            compress: Compress::default(),
            tx: Output::new(keys, role == Role::Client),
            outgoing: None,
            send_utf8: Utf8Validator::default(),
            life: Lifecycle::Open,
            extensions: Negotiated::default(),
        }
    }

    /// Applies the extensions the opening handshake agreed on (§9): from
    /// [`Acceptance::negotiated`](crate::handshake::Acceptance::negotiated) on
    /// a server, [`AcceptedResponse::negotiated`](crate::AcceptedResponse::negotiated)
    /// on a client. Call it before any data is sent or received.
    ///
    /// With permessage-deflate (RFC 7692), outgoing Text and Binary messages
    /// are compressed (RSV1 set on their first frame) and incoming ones with
    /// RSV1 are decompressed, chunk by chunk: [`Event::Data`] payloads are
    /// the decompressed bytes, and [`Config::max_message_size`] and
    /// [`Config::max_frame_size`] apply to them as they are produced.
    ///
    /// ```
    /// use rfc6455::extension::{DeflateConfig, DeflateParams, Negotiated};
    /// use rfc6455::{Config, Connection, Message, Role};
    ///
    /// let deflate = Negotiated::with_deflate(DeflateParams::new(&DeflateConfig::default()));
    /// let mut client = Connection::new(Role::Client, Config::default()).with_extensions(&deflate);
    /// let mut server = Connection::new(Role::Server, Config::default()).with_extensions(&deflate);
    ///
    /// let text = "a message that repeats itself, repeats itself, repeats itself";
    /// client.send_text(text)?;
    /// let wire = client.poll_output().to_vec();
    /// assert!(wire.len() < text.len(), "compressed: {} bytes", wire.len());
    /// assert_eq!(wire[0] & 0x40, 0x40, "RSV1 marks it");
    /// server.receive(&wire);
    /// assert_eq!(server.poll_message()?, Some(Message::Text(text.into())));
    /// # Ok::<(), rfc6455::Error>(())
    /// ```
    #[must_use]
    pub fn with_extensions(mut self, negotiated: &Negotiated) -> Self {
        #[cfg(feature = "deflate")]
        if let Some(p) = negotiated.deflate() {
            use crate::extension::deflate::codec::{Compressor, Decompressor};
            let is_server = self.role == Role::Server;
            let (bits, reset) = p.receiving(is_server);
            self.transform = Transform::deflate(Decompressor::new(bits, reset));
            let (bits, reset) = p.sending(is_server);
            let compressor = Compressor::new(bits, p.level(), p.mem_level(), reset);
            self.compress = Compress::deflate(compressor, p.threshold());
        }
        self.extensions = negotiated.clone();
        self
    }

    /// The extensions in use (§9.1 _Extensions In Use_): what
    /// [`with_extensions`](Self::with_extensions) applied, empty otherwise.
    pub fn extensions(&self) -> &Negotiated {
        &self.extensions
    }

    /// This side's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Open, Closing or Closed (§7).
    pub fn state(&self) -> State {
        self.life.state()
    }

    /// Whether this side sent a Close frame and still awaits the peer's (§7.1.3).
    pub fn is_awaiting_close(&self) -> bool {
        self.state() == State::Closing
    }

    /// Whether the connection failed (§7.1.7) because of an error returned earlier.
    pub fn is_failed(&self) -> bool {
        self.life == Lifecycle::Closed(Ending::Failed)
    }

    /// Whether a streamed outgoing message ([`send_fragment`](Self::send_fragment)) is unfinished.
    pub fn is_sending_message(&self) -> bool {
        self.outgoing.is_some()
    }

    /// Releases all buffer capacity not holding data and resets the read offer
    /// to [`Config::read_buffer_size`]. With permessage-deflate, also frees
    /// the zlib state between messages (about 210 KiB with the defaults),
    /// keeping only the last window of each direction that context takeover
    /// needs (4 KiB each by default); the next message rebuilds it.
    ///
    /// Not needed to bound the buffers: those that empty while the total is
    /// over [`Config::idle_buffer_size`] are released by themselves. This goes
    /// further, for a connection about to sleep for long; the blocking
    /// adapters call it when keepalive finds the connection silent.
    pub fn shrink_buffers(&mut self) {
        self.input.reset_room(self.config.get_read_buffer_size());
        self.input.release();
        self.assembly.release();
        self.transform.release();
        self.transform.park();
        self.compress.release();
        self.compress.park();
        self.tx.shrink();
    }

    /// Releases empty buffers while the total capacity is over
    /// [`Config::idle_buffer_size`]: the output queue, the transform's and the
    /// assembly buffers first (the receive buffer is what `read_buf` offers
    /// next), then the receive buffer. Called where buffers empty:
    /// `read_buf`/`receive` (input consumed) and `advance_output` (all output
    /// written). Buffers holding data are kept, and nothing is trimmed while
    /// `poll_message` assembles a fragmented message (the connection is not idle).
    fn trim_idle(&mut self) {
        let budget = self.config.get_idle_buffer_size();
        if self.assembly.is_assembling() || self.buffered_capacity() <= budget {
            return;
        }
        self.assembly.release();
        self.transform.release();
        self.compress.release();
        self.tx.shrink();
        let over = self.buffered_capacity().saturating_sub(budget);
        self.input.shrink_by(over);
    }

    /// The most `read_buf` offers by itself under load.
    fn max_read_room(&self) -> usize {
        input::MAX_READ_ROOM
            .min(self.config.get_idle_buffer_size())
            .max(self.config.get_read_buffer_size())
    }

    /// Bytes of heap this connection holds in its buffers (capacity, not length).
    ///
    /// For monitoring idle-connection cost; the struct itself is not counted,
    /// nor is permessage-deflate's zlib state (its compressor and
    /// decompressor windows and tables: see
    /// [`DeflateConfig`](crate::extension::DeflateConfig) for their size).
    pub fn buffered_capacity(&self) -> usize {
        self.input.capacity()
            + self.tx.capacity()
            + self.transform.capacity()
            + self.compress.capacity()
            + self.assembly.capacity()
    }
}
