//! Extensions in use on a connection (§9), as the opening handshake agreed
//! them and the [`Connection`](crate::Connection) applies them.
//!
//! The only extension built in is permessage-deflate (RFC 7692, feature
//! `deflate`, on by default). The handshake negotiates it
//! ([`AcceptOptions::deflate`](crate::AcceptOptions::deflate) on a server,
//! [`ClientRequest::deflate`](crate::ClientRequest::deflate) on a client) and
//! hands back a [`Negotiated`]; the connection takes it with
//! [`Connection::with_extensions`](crate::Connection::with_extensions).
//!
//! ```text
//! server: UpgradeRequest::accept(&AcceptOptions) ─▶ Acceptance { response bytes, Negotiated }
//! client: ResponseParser::feed(..)               ─▶ AcceptedResponse { .., Negotiated }
//!                                                        │
//!             Connection::new(role, config).with_extensions(&negotiated)
//! ```
//!
//! This module sits below both `handshake` and `connection` (it names
//! neither), so that the two stay independent of each other.

#[cfg(feature = "deflate")]
pub(crate) mod deflate;
#[cfg(feature = "deflate")]
pub use deflate::{DeflateConfig, DeflateParams};

/// The extensions the opening handshake agreed on (§9.1 _Extensions In
/// Use_), for [`Connection::with_extensions`](crate::Connection::with_extensions).
///
/// Empty ([`Negotiated::default`]) when nothing was agreed; then a connection
/// refuses every RSV bit (§5.2), as without this call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Negotiated {
    #[cfg(feature = "deflate")]
    deflate: Option<DeflateParams>,
}

impl Negotiated {
    /// permessage-deflate with these parameters.
    #[cfg(feature = "deflate")]
    pub fn with_deflate(params: DeflateParams) -> Self {
        Self {
            deflate: Some(params),
        }
    }

    /// The agreed permessage-deflate parameters, if it was negotiated.
    #[cfg(feature = "deflate")]
    pub fn deflate(&self) -> Option<&DeflateParams> {
        self.deflate.as_ref()
    }

    /// Whether no extension was agreed.
    pub fn is_empty(&self) -> bool {
        #[cfg(feature = "deflate")]
        if self.deflate.is_some() {
            return false;
        }
        true
    }
}
