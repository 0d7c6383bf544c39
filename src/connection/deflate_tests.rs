//! permessage-deflate (RFC 7692) through whole connections: the RFC's
//! examples, the bounds on a bomb, the RSV1 rules, window sizes, and the
//! property that anything sent arrives intact under any parameters.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::transform::{RSV1, STEP};
use super::{Connection, Event, Message, MessageKind, Role, State};
use crate::config::Config;
use crate::error::{Error, LimitError, ProtocolError};
use crate::extension::{DeflateConfig, DeflateParams, Negotiated};
use crate::frame::{FrameHeader, MAX_HEADER_LEN, OpCode};

fn with(config: &DeflateConfig) -> Negotiated {
    Negotiated::with_deflate(DeflateParams::new(config))
}

fn pair(deflate: &DeflateConfig, config: &Config) -> (Connection, Connection) {
    let n = with(deflate);
    let seed = [3; 32];
    let client = Connection::with_mask_seed(Role::Client, config.clone(), seed).with_extensions(&n);
    let server = Connection::with_mask_seed(Role::Server, config.clone(), seed).with_extensions(&n);
    (client, server)
}

fn take_output(c: &mut Connection) -> Vec<u8> {
    let out = c.poll_output().to_vec();
    c.advance_output(out.len()).unwrap();
    out
}

/// An unmasked (server) frame.
fn frame(opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) -> Vec<u8> {
    let h = FrameHeader {
        fin,
        rsv,
        opcode,
        mask: None,
        payload_len: payload.len() as u64,
    };
    let mut head = [0u8; MAX_HEADER_LEN];
    let n = h.encode(&mut head);
    let mut out = head[..n].to_vec();
    out.extend_from_slice(payload);
    out
}

fn wide() -> DeflateConfig {
    DeflateConfig::default()
        .server_max_window_bits(15)
        .client_max_window_bits(15)
}

/// RFC 7692 §7.2.3.1–§7.2.3.4 and §7.2.3.6, as a client receives them.
#[test]
fn rfc7692_examples_are_received() {
    let mut client =
        Connection::new(Role::Client, Config::default()).with_extensions(&with(&wide()));
    let hello = || Some(Message::text("Hello"));
    // §7.2.3.1: a compressed message in one frame.
    client.receive(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    assert_eq!(client.poll_message(), Ok(hello()));
    // §7.2.3.2: the same again, as a back-reference into the kept window.
    client.receive(&[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
    assert_eq!(client.poll_message(), Ok(hello()));
    // §7.2.3.1: fragmented; RSV1 on the first frame only.
    client.receive(&[
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ]);
    assert_eq!(client.poll_message(), Ok(hello()));
    // §7.2.3.3: a stored (uncompressed) DEFLATE block.
    client.receive(&[
        0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ]);
    assert_eq!(client.poll_message(), Ok(hello()));
    // §7.2.3.4: a final block (BFINAL) and a byte after it.
    client.receive(&[0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]);
    assert_eq!(client.poll_message(), Ok(hello()));
    // §7.2.3.6: an empty message is one 0x00 byte.
    client.receive(&[0xc1, 0x01, 0x00]);
    assert_eq!(client.poll_message(), Ok(Some(Message::text(""))));
    // An uncompressed message between compressed ones (§6: per message).
    client.receive(&frame(OpCode::Text, true, 0, b"plain"));
    assert_eq!(client.poll_message(), Ok(Some(Message::text("plain"))));
}

/// §7.2.3.1 and §7.2.3.2 as the server sends them: the same bytes.
#[test]
fn rfc7692_examples_are_sent() {
    let mut server =
        Connection::new(Role::Server, Config::default()).with_extensions(&with(&wide()));
    server.send_text("Hello").unwrap();
    assert_eq!(
        take_output(&mut server),
        [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    );
    server.send_text("Hello").unwrap();
    assert_eq!(
        take_output(&mut server),
        [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]
    );
    // Control frames are never compressed (§6.1).
    server.send_ping(b"Hello").unwrap();
    assert_eq!(
        take_output(&mut server),
        frame(OpCode::Ping, true, 0, b"Hello")
    );
}

/// Many MiB of zeros compress to a few KiB: the receiver stops at the limit
/// having produced at most one step past it, and never holds more.
#[test]
fn a_decompression_bomb_gets_1009_within_one_step_of_the_limit() {
    const LIMIT: usize = 1 << 20;
    let deflate = DeflateConfig::default();
    let config = Config::default().max_message_size(LIMIT);
    let bomb = vec![0u8; 16 << 20];
    for stream in [false, true] {
        let (mut client, mut server) = pair(&deflate, &Config::default());
        client.send_binary(&bomb).unwrap();
        let wire = take_output(&mut client);
        assert!(
            wire.len() < 64 << 10,
            "16 MiB of zeros in {} bytes",
            wire.len()
        );
        server = Connection::new(Role::Server, config.clone()).with_extensions(server.extensions());
        server.receive(&wire);
        let mut delivered = 0;
        let mut peak = 0;
        let err = loop {
            let step = if stream {
                server.poll_event().map(|e| match e {
                    Some(Event::Data { payload, .. }) => payload.len(),
                    _ => 0,
                })
            } else {
                server.poll_message().map(|_| 0)
            };
            peak = peak.max(server.buffered_capacity());
            match step {
                Ok(n) => delivered += n,
                Err(e) => break e,
            }
        };
        assert_eq!(err, LimitError::MessageTooLarge { limit: LIMIT }.into());
        assert!(delivered <= LIMIT, "{delivered}");
        // The assembly buffer may hold up to a quarter more than the limit
        // (it grows ahead of what arrives, within the limit's bound).
        let bound = if stream {
            wire.len() + 2 * STEP
        } else {
            LIMIT * 5 / 4 + wire.len() + 2 * STEP
        };
        assert!(peak <= bound, "stream {stream}: peak {peak} over {bound}");
        assert_eq!(server.state(), State::Closed);
        let close = take_output(&mut server);
        assert_eq!(&close[2..4], &1009u16.to_be_bytes());
    }
}

#[test]
fn a_frame_that_decompresses_past_max_frame_size_is_refused() {
    let (mut client, _) = pair(&DeflateConfig::default(), &Config::default());
    client.send_binary(&[7; 100_000]).unwrap();
    let wire = take_output(&mut client);
    let config = Config::default().max_frame_size(64 << 10);
    let mut server = Connection::new(Role::Server, config).with_extensions(client.extensions());
    server.receive(&wire);
    assert_eq!(
        server.poll_message(),
        Err(LimitError::DecompressedFrameTooLarge { limit: 64 << 10 }.into())
    );
}

#[test]
fn rsv1_rules_and_corrupt_data() {
    let new = || Connection::new(Role::Client, Config::default()).with_extensions(&with(&wide()));
    let reserved = |bits| Err(Error::from(ProtocolError::ReservedBits(bits)));
    // RSV1 on a continuation frame (§6.1 of RFC 7692).
    let mut c = new();
    c.receive(&frame(OpCode::Text, false, RSV1, &[0xf2, 0x48]));
    c.receive(&frame(
        OpCode::Continuation,
        true,
        RSV1,
        &[0xcd, 0xc9, 0xc9, 0x07, 0x00],
    ));
    assert_eq!(c.poll_message(), reserved(RSV1));
    // RSV1 on a control frame.
    let mut c = new();
    c.receive(&frame(OpCode::Ping, true, RSV1, b""));
    assert_eq!(c.poll_message(), reserved(RSV1));
    // RSV2 and RSV3 stay reserved.
    let mut c = new();
    c.receive(&frame(OpCode::Text, true, 0b010, b"x"));
    assert_eq!(c.poll_message(), reserved(0b010));
    // Not DEFLATE (BTYPE 11 is reserved): 1007.
    let mut c = new();
    c.receive(&frame(OpCode::Binary, true, RSV1, &[0xff, 0xff]));
    let err = c.poll_message().unwrap_err();
    assert_eq!(err, ProtocolError::InvalidCompressedData.into());
    assert_eq!(
        err.close_code(),
        Some(crate::connection::CloseCode::INVALID_PAYLOAD)
    );
    // Compressed text that is not UTF-8 once decompressed: 1007 too.
    let (mut client, mut server) = pair(&wide(), &Config::default());
    server.send_binary(&[0xc3, 0x28]).unwrap();
    let mut wire = take_output(&mut server);
    wire[0] = 0xc1; // Text, FIN, RSV1
    client.receive(&wire);
    assert_eq!(
        client.poll_message(),
        Err(ProtocolError::InvalidUtf8.into())
    );
}

/// Found by `frame_deflate_client`: 1010 bytes of output, then an invalid
/// block. Whatever the reads, the limit (1009) is what the receiver reports,
/// as the output before the invalid data is counted first.
#[test]
fn the_error_of_a_compressed_message_does_not_depend_on_the_reads() {
    let wire = [
        0xc2, 0x10, 0x4a, 0x4c, 0x1c, 0x05, 0xa3, 0x60, 0x14, 0x8c, 0x1c, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0x07,
    ];
    let config = Config::default().max_message_size(1000);
    for piece in [wire.len(), 7, 1] {
        let mut client =
            Connection::new(Role::Client, config.clone()).with_extensions(&with(&wide()));
        let mut err = None;
        for chunk in wire.chunks(piece) {
            client.receive(chunk);
            if let Err(e) = client.poll_message() {
                err = Some(e);
                break;
            }
        }
        assert_eq!(
            err,
            Some(LimitError::MessageTooLarge { limit: 1000 }.into()),
            "{piece}"
        );
    }
}

/// Invalid data right after valid output in the same frame: the output may
/// stream out (not as the message's last chunk), then the error. The case
/// where the error comes in the very call that feeds the §7.2.2 tail, which
/// would otherwise complete the message (`Transform::step`'s `error_next`),
/// is kept by the fuzzers' `regression-invalid-data-after-output-completes-no-message`
/// seeds, which `cargo test -p rfc6455-fuzz-harness` replays.
#[test]
fn invalid_data_after_output_streams_the_output_then_fails() {
    // A stored block "Hello", then a final block of the reserved type 11.
    let payload = [
        0x00, 0x05, 0x00, 0xfa, 0xff, b'H', b'e', b'l', b'l', b'o', 0x07,
    ];
    let wire = frame(OpCode::Text, true, RSV1, &payload);
    let new = || Connection::new(Role::Client, Config::default()).with_extensions(&with(&wide()));
    let mut c = new();
    c.receive(&wire);
    assert_eq!(
        c.poll_message(),
        Err(ProtocolError::InvalidCompressedData.into())
    );
    let mut c = new();
    c.receive(&wire);
    match c.poll_event() {
        Ok(Some(Event::Data {
            payload, is_last, ..
        })) => {
            assert_eq!((payload, is_last), (&b"Hello"[..], false));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.poll_event().unwrap_err(),
        ProtocolError::InvalidCompressedData.into()
    );
}

/// With a 9-bit window, back-references may reach 512 bytes: a 2 KiB block
/// repeated is not matched, and a receiver with a 512-byte window decodes it.
#[test]
fn small_windows_are_honoured_both_ways() {
    let mut block = vec![0u8; 2048];
    let mut x = 12345u32;
    for b in &mut block {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let message = block.repeat(4);
    for bits in [9u8, 10, 12] {
        let deflate = DeflateConfig::default()
            .server_max_window_bits(bits)
            .client_max_window_bits(bits);
        let (mut client, mut server) = pair(&deflate, &Config::default());
        client.send_binary(&message).unwrap();
        let wire = take_output(&mut client);
        if bits < 12 {
            assert!(
                wire.len() > 3 * block.len(),
                "{bits}: the repeats were not matched"
            );
        } else {
            assert!(
                wire.len() < 2 * block.len(),
                "{bits}: the repeats were matched"
            );
        }
        server.receive(&wire);
        assert_eq!(
            server.poll_message(),
            Ok(Some(Message::Binary(message.clone().into())))
        );
    }
}

#[test]
fn an_8_bit_window_is_met_and_a_short_message_is_sent_uncompressed() {
    // zlib makes no 256-byte window; this server compresses with 512 bytes,
    // whose references reach back at most 250 (see `codec::tests`).
    let deflate = DeflateConfig::default().server_max_window_bits(8);
    let (mut client, mut server) = pair(&deflate, &Config::default());
    server.send_text("hello hello hello").unwrap();
    let wire = take_output(&mut server);
    assert_eq!(wire[0], 0xc1, "RSV1 set");
    client.receive(&wire);
    assert_eq!(
        client.poll_message(),
        Ok(Some(Message::text("hello hello hello")))
    );

    let (mut client, _) = pair(&DeflateConfig::default().threshold(10), &Config::default());
    client.send_text("short").unwrap();
    assert_eq!(take_output(&mut client)[0], 0x81);
    client.send_text("long enough").unwrap();
    assert_eq!(take_output(&mut client)[0], 0xc1);
}

#[test]
fn without_context_takeover_no_zlib_state_outlives_a_message() {
    let deflate = DeflateConfig::default()
        .server_no_context_takeover(true)
        .client_no_context_takeover(true);
    let (mut client, mut server) = pair(&deflate, &Config::default());
    for text in ["one message", "another one", "one message"] {
        client.send_text(text).unwrap();
        assert!(!client.compress.is_compressor_allocated());
        server.receive(&take_output(&mut client));
        assert_eq!(server.poll_message(), Ok(Some(Message::text(text))));
        assert!(!server.transform.is_decompressor_allocated());
    }
    // With takeover, both are kept (the second message is smaller).
    let (mut client, mut server) = pair(&DeflateConfig::default(), &Config::default());
    let mut sizes = Vec::new();
    for _ in 0..2 {
        client.send_text("a message worth remembering").unwrap();
        assert!(client.compress.is_compressor_allocated());
        let wire = take_output(&mut client);
        sizes.push(wire.len());
        server.receive(&wire);
        assert!(server.poll_message().unwrap().is_some());
        assert!(server.transform.is_decompressor_allocated());
    }
    assert!(sizes[1] < sizes[0], "{sizes:?}");
}

#[test]
fn shrink_buffers_frees_zlib_state_and_keeps_the_context() {
    let (mut client, mut server) = pair(&DeflateConfig::default(), &Config::default());
    let text = "a message worth remembering, with a few more words in it";
    let mut sizes = Vec::new();
    for _ in 0..3 {
        client.send_text(text).unwrap();
        let wire = take_output(&mut client);
        sizes.push(wire.len());
        server.receive(&wire);
        assert_eq!(server.poll_message(), Ok(Some(Message::text(text))));
        client.shrink_buffers();
        server.shrink_buffers();
        assert!(!client.compress.is_compressor_allocated());
        assert!(!server.transform.is_decompressor_allocated());
    }
    // The second and third messages still refer back to the first.
    assert!(
        sizes[1] < sizes[0] / 2 && sizes[2] < sizes[0] / 2,
        "{sizes:?}"
    );
    // Mid-message (a streamed message unfinished), nothing is freed.
    client
        .send_fragment(MessageKind::Text, b"half", false)
        .unwrap();
    client.shrink_buffers();
    assert!(client.compress.is_compressor_allocated());
}

#[test]
fn control_frames_between_compressed_fragments() {
    let (mut client, mut server) = pair(&DeflateConfig::default(), &Config::default());
    client
        .send_fragment(MessageKind::Text, b"first half, ", false)
        .unwrap();
    client.send_ping(b"p").unwrap();
    client.send_fragment(MessageKind::Text, b"", false).unwrap();
    client
        .send_fragment(MessageKind::Text, b"second half", true)
        .unwrap();
    let wire = take_output(&mut client);
    server.receive(&wire);
    assert_eq!(
        server.poll_message(),
        Ok(Some(Message::Ping(b"p"[..].into())))
    );
    assert_eq!(
        server.poll_message(),
        Ok(Some(Message::text("first half, second half")))
    );
}

/// Messages of one kind of content, for the round trip.
fn content(kind: u8, len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    match kind % 3 {
        // Text-like: words from a small vocabulary.
        0 => {
            let words = [
                "the ", "quick ", "brown ", "fox ", "jumps ", "{\"id\":", "12, ", "é ",
            ];
            let mut s = String::new();
            while s.len() < len {
                s.push_str(words[next() as usize % words.len()]);
            }
            s.into_bytes()
        }
        // Random bytes (incompressible).
        1 => (0..len).map(|_| next() as u8).collect(),
        // A random block repeated from far back (tests the window).
        _ => {
            let block: Vec<u8> = (0..700).map(|_| next() as u8).collect();
            block.iter().copied().cycle().take(len).collect()
        }
    }
}

/// Sends `data` from `from` (whole, or streamed in three fragments with
/// `how == 3`) and receives it at `to` in pieces of `cuts`; returns what
/// arrived.
fn exchange(
    from: &mut Connection,
    to: &mut Connection,
    data: &[u8],
    text: bool,
    streamed: bool,
    cuts: &[usize],
    by_events: bool,
) -> Result<Vec<u8>, Error> {
    let mk = if text {
        MessageKind::Text
    } else {
        MessageKind::Binary
    };
    if streamed && !data.is_empty() {
        // Cut on char boundaries for Text.
        let (mut a, mut b) = (data.len() / 3, 2 * data.len() / 3);
        if text {
            let s = core::str::from_utf8(data).unwrap();
            while !s.is_char_boundary(a) {
                a -= 1;
            }
            while !s.is_char_boundary(b) {
                b -= 1;
            }
        }
        from.send_fragment(mk, &data[..a], false)?;
        from.send_fragment(mk, &data[a..b], false)?;
        from.send_fragment(mk, &data[b..], true)?;
    } else if text {
        from.send_text(core::str::from_utf8(data).unwrap())?;
    } else {
        from.send_binary(data)?;
    }
    let wire = take_output(from);
    let mut got = Vec::new();
    let mut at = 0;
    let mut cut = cuts.iter().cycle();
    while at < wire.len() {
        let n = (*cut.next().unwrap()).min(wire.len() - at);
        to.receive(&wire[at..at + n]);
        at += n;
        if by_events {
            while let Some(e) = to.poll_event()? {
                if let Event::Data { kind, payload, .. } = e {
                    assert_eq!(kind, mk);
                    got.extend_from_slice(payload);
                }
            }
        } else {
            while let Some(m) = to.poll_message()? {
                match m {
                    Message::Text(t) => got.extend_from_slice(t.as_bytes()),
                    Message::Binary(b) => got.extend_from_slice(&b),
                    other => panic!("{other:?}"),
                }
            }
        }
    }
    Ok(got)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    #[test]
    fn anything_sent_arrives_intact_under_any_parameters(
        bits in (8u8..=15, 8u8..=15),
        takeover in (proptest::prelude::any::<bool>(), proptest::prelude::any::<bool>()),
        level in 0u8..=9,
        mem in 1u8..=9,
        threshold in 0usize..200,
        fragment in proptest::option::of(1usize..3000),
        messages in proptest::collection::vec((0u8..3, 0usize..40_000, 0u8..4, proptest::prelude::any::<u32>()), 1..6),
        cuts in proptest::collection::vec(1usize..5000, 1..8),
        by_events in proptest::prelude::any::<bool>(),
        park in proptest::collection::vec(0u8..4, 1..6),
    ) {
        let deflate = DeflateConfig::default()
            .server_max_window_bits(bits.0)
            .client_max_window_bits(bits.1)
            .server_no_context_takeover(takeover.0)
            .client_no_context_takeover(takeover.1)
            .compression_level(level)
            .mem_level(mem)
            .threshold(threshold);
        let config = Config::default().fragment_size(fragment);
        let (mut client, mut server) = pair(&deflate, &config);
        for &(kind, len, how, seed) in &messages {
            let data = content(kind, len, seed);
            let (text, streamed) = (kind == 0, how == 3);
            let got = exchange(&mut client, &mut server, &data, text, streamed, &cuts, by_events);
            proptest::prop_assert_eq!(got.as_deref(), Ok(&data[..]));
            let got = exchange(&mut server, &mut client, &data, text, streamed, &cuts, by_events);
            proptest::prop_assert_eq!(got.as_deref(), Ok(&data[..]));
            // Free the zlib state on one side or both, as when idle.
            let p = park[data.len() % park.len()];
            if p & 1 != 0 {
                client.shrink_buffers();
            }
            if p & 2 != 0 {
                server.shrink_buffers();
            }
        }
    }
}
