//! Placeholder until the handshake module lands.
/// Placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {}
impl core::fmt::Display for HandshakeError {
    fn fmt(&self, _: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {}
    }
}
