//! The `Sec-WebSocket-Key` nonce and the `Sec-WebSocket-Accept` proof
//! (§1.3, §4.1 step 7, §4.2.2 step 5.4).

use alloc::string::String;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest as _, Sha1};

use super::tokens::trim_ows;

/// The GUID appended to the key before hashing (§1.3, §4.2.2).
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Computes `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` value:
/// base64(SHA-1(key + GUID)), the key taken as sent minus leading and trailing
/// whitespace and not base64-decoded (§4.2.2 step 5.4, §4.1 response step 4).
///
/// `accept_key(b"dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="`.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha = Sha1::new();
    sha.update(trim_ows(key));
    sha.update(WEBSOCKET_GUID.as_bytes());
    STANDARD.encode(sha.finalize())
}

/// Encodes a 16-byte nonce as a `Sec-WebSocket-Key` value (§4.1 step 7). The
/// nonce MUST be random and fresh for each connection; see [`generate_key`].
pub fn encode_key(nonce: [u8; 16]) -> String {
    STANDARD.encode(nonce)
}

/// A fresh `Sec-WebSocket-Key` from the thread-local CSPRNG (§4.1 step 7:
/// "randomly selected 16-byte value ... selected randomly for each
/// connection"). Without the `std` feature, pass 16 random bytes to
/// [`encode_key`] instead.
#[cfg(feature = "std")]
pub fn generate_key() -> String {
    use rand::Rng as _;
    let mut nonce = [0u8; 16];
    rand::rng().fill_bytes(&mut nonce);
    encode_key(nonce)
}

/// Whether a `Sec-WebSocket-Key` value (after trimming OWS) is base64 of
/// exactly 16 bytes (§4.2.1 item 5): 22 base64 characters then `==`. The
/// unused low bits of the 22nd character are not checked, as the server
/// never decodes the key (§4.2.2 /key/).
pub(crate) fn is_valid_key(value: &[u8]) -> bool {
    let key = trim_ows(value);
    let b64 = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    key.len() == 24 && key[..22].iter().all(b64) && &key[22..] == b"=="
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example_of_section_1_3() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(
            accept_key(b" dGhlIHNhbXBsZSBub25jZQ==\t"),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn key_encoding_of_section_4_1() {
        let nonce = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        // The RFC prints "AQIDBAUGBwgJCgsMDQ4PEC==", whose unused bits are set.
        assert_eq!(encode_key(nonce), "AQIDBAUGBwgJCgsMDQ4PEA==");
        assert!(is_valid_key(b"AQIDBAUGBwgJCgsMDQ4PEC=="));
        assert!(is_valid_key(encode_key(nonce).as_bytes()));
    }

    #[test]
    fn key_validation() {
        assert!(is_valid_key(b"  dGhlIHNhbXBsZSBub25jZQ== "));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=a"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25j*Q=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ==AAAA"));
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25jZé==".as_bytes()));
    }

    #[cfg(feature = "std")]
    #[test]
    fn generated_keys_are_valid_and_fresh() {
        let (a, b) = (generate_key(), generate_key());
        assert!(is_valid_key(a.as_bytes()));
        assert_ne!(a, b);
    }
}
