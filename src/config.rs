//! Limits and behaviour switches for a [`Connection`](crate::Connection).

/// Settings for one [`Connection`](crate::Connection). Every limit has a safe default.
///
/// Built by chaining setters on [`Config::default()`]:
///
/// ```
/// let config = rfc6455::Config::default()
///     .max_message_size(1 << 20)
///     .max_frame_size(1 << 20)
///     .fragment_size(Some(64 * 1024));
/// assert_eq!(config.get_max_message_size(), 1 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    max_frame_size: usize,
    max_message_size: usize,
    auto_pong: bool,
    fragment_size: Option<usize>,
    accept_unmasked_frames: bool,
    read_buffer_size: usize,
    idle_buffer_size: usize,
}

impl Default for Config {
    /// 16 MiB frames, 64 MiB messages, automatic pongs, no outgoing fragmentation,
    /// unmasked client frames refused, 4 KiB read buffer, 64 KiB kept when idle.
    ///
    /// The size limits match tungstenite's defaults, so that a drop-in user sees
    /// the same behaviour; a server facing untrusted clients with small messages
    /// should lower them (Python `websockets` uses 1 MiB). They bound memory per
    /// connection: the core never holds more than one message of
    /// `max_message_size` plus one read buffer.
    fn default() -> Self {
        Self {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            auto_pong: true,
            fragment_size: None,
            accept_unmasked_frames: false,
            read_buffer_size: 4096,
            idle_buffer_size: 64 << 10,
        }
    }
}

impl Config {
    /// The largest payload length a single received frame may declare.
    ///
    /// A larger header is refused with close code 1009 before any of its payload
    /// is buffered, so a peer cannot make the connection allocate by declaring a
    /// length (§10.4).
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// The largest received message, summed over its fragments (close code 1009).
    ///
    /// Applies to the message as delivered to the application, i.e. after any
    /// extension has transformed it (§10.4).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Whether a received Ping queues a Pong with the same payload (§5.5.2). Default `true`.
    ///
    /// With it off, the application must answer Pings itself with `send_pong`;
    /// RFC 6455 requires an answer.
    pub fn auto_pong(mut self, on: bool) -> Self {
        self.auto_pong = on;
        self
    }

    /// Splits outgoing whole messages into frames of at most this many payload bytes (§5.4).
    ///
    /// `None` (the default) sends each message as one frame. `Some(0)` is treated as `None`.
    pub fn fragment_size(mut self, bytes: Option<usize>) -> Self {
        self.fragment_size = bytes.filter(|&n| n > 0);
        self
    }

    /// Lets a server accept unmasked frames from its client, against §5.1. Default `false`.
    ///
    /// RFC 6455 requires a server to fail the connection on an unmasked client
    /// frame; masking protects intermediaries from cache poisoning (§10.3). Turn
    /// this on only for peers known to be broken and never behind a proxy.
    pub fn dangerous_accept_unmasked_frames(mut self, on: bool) -> Self {
        self.accept_unmasked_frames = on;
        self
    }

    /// The initial size of the receive buffer, and how much [`Connection::read_buf`](crate::Connection::read_buf)
    /// offers at least. Default 4 KiB. It grows only as data actually arrives:
    /// while reads fill it, the offer doubles up to 64 KiB (or
    /// [`idle_buffer_size`](Self::idle_buffer_size) if smaller), and
    /// [`Connection::shrink_buffers`](crate::Connection::shrink_buffers) brings it back.
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.read_buffer_size = bytes.max(crate::frame::MAX_HEADER_LEN);
        self
    }

    /// The most buffer capacity ([`Connection::buffered_capacity`](crate::Connection::buffered_capacity))
    /// a connection keeps once idle. Default 64 KiB; never less than
    /// [`read_buffer_size`](Self::read_buffer_size), which `read_buf` offers.
    ///
    /// A buffer that empties while the total is above this is released without
    /// a call to [`Connection::shrink_buffers`](crate::Connection::shrink_buffers):
    /// the receive buffer and the assembly buffer of a delivered message at the
    /// next `read_buf` or `receive` once their bytes are consumed (never while a
    /// fragmented message is being assembled), the output queue once all of it
    /// is written. So one large message does not pin its memory
    /// on a connection that then goes quiet; the price is that the next large
    /// message grows its buffer again. Raise it to keep buffers for messages of
    /// a known size.
    pub fn idle_buffer_size(mut self, bytes: usize) -> Self {
        self.idle_buffer_size = bytes;
        self
    }

    /// See [`Config::max_frame_size`].
    pub fn get_max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    /// See [`Config::max_message_size`].
    pub fn get_max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// See [`Config::auto_pong`].
    pub fn get_auto_pong(&self) -> bool {
        self.auto_pong
    }

    /// See [`Config::fragment_size`].
    pub fn get_fragment_size(&self) -> Option<usize> {
        self.fragment_size
    }

    /// See [`Config::dangerous_accept_unmasked_frames`].
    pub fn get_dangerous_accept_unmasked_frames(&self) -> bool {
        self.accept_unmasked_frames
    }

    /// See [`Config::read_buffer_size`].
    pub fn get_read_buffer_size(&self) -> usize {
        self.read_buffer_size
    }

    /// See [`Config::idle_buffer_size`]; at least `read_buffer_size`.
    pub fn get_idle_buffer_size(&self) -> usize {
        self.idle_buffer_size.max(self.read_buffer_size)
    }
}
