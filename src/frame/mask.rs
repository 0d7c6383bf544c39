//! Payload masking (RFC 6455 §5.3).
//!
//! Octet *i* of the payload is XORed with octet *i* mod 4 of the masking key.
//! Unmasking is the same operation. `apply_mask` takes the position of the
//! first byte within the payload, so a payload can be unmasked chunk by chunk as
//! it arrives.

/// XORs `buf` with `key`, where `buf[0]` is byte `offset` of the frame payload (§5.3).
///
/// Written as a loop over 32-byte blocks XORed with a pre-rotated copy of the
/// key, which the compiler turns into wide vector operations without `unsafe`.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: u64) {
    let rotated = rotate_key(key, offset);
    let mut block_key = [0u8; 32];
    for (i, b) in block_key.iter_mut().enumerate() {
        *b = rotated[i % 4];
    }
    let mut blocks = buf.chunks_exact_mut(32);
    for block in &mut blocks {
        for (b, k) in block.iter_mut().zip(block_key.iter()) {
            *b ^= k;
        }
    }
    for (b, k) in blocks.into_remainder().iter_mut().zip(block_key.iter()) {
        *b ^= k;
    }
}

/// The key as seen from payload position `offset`.
fn rotate_key(key: [u8; 4], offset: u64) -> [u8; 4] {
    let mut k = key;
    k.rotate_left((offset % 4) as usize);
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn naive(buf: &mut [u8], key: [u8; 4], offset: u64) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[((offset + i as u64) % 4) as usize];
        }
    }

    #[test]
    fn rfc_5_7_masked_hello() {
        let mut payload = *b"Hello";
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    proptest! {
        #[test]
        fn matches_bytewise_definition_from_any_offset(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            key in any::<[u8; 4]>(),
            offset in 0u64..1000,
        ) {
            let mut fast = data.clone();
            let mut slow = data.clone();
            apply_mask(&mut fast, key, offset);
            naive(&mut slow, key, offset);
            prop_assert_eq!(&fast, &slow);
        }

        #[test]
        fn chunked_unmasking_equals_whole(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            key in any::<[u8; 4]>(),
            cuts in proptest::collection::vec(0usize..300, 0..6),
        ) {
            let mut whole = data.clone();
            apply_mask(&mut whole, key, 0);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut chunked = data.clone();
            let mut start = 0;
            for end in cuts.into_iter().chain([data.len()]) {
                apply_mask(&mut chunked[start..end], key, start as u64);
                start = end;
            }
            prop_assert_eq!(whole, chunked);
        }
    }
}
