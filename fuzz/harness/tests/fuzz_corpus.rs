//! Replays every input under `fuzz/corpus/` and `fuzz/artifacts/` through the
//! same `rfc6455_fuzz_harness` function its fuzz target calls, so that whatever the
//! fuzzer once found stays fixed on stable, without cargo-fuzz.
//!
//! A crash worth keeping goes into `fuzz/corpus/<target>/regression-<name>`
//! (minimised with `cargo +nightly fuzz tmin`); `fuzz/.gitignore` keeps only
//! `seed-*` and `regression-*` files, so fuzzing runs leave git clean.
//!
//! Also owns the seed corpus: `seed_corpus_is_current` checks that the
//! committed `seed-*` files are exactly what `seeds()` builds. To change them,
//! edit `seeds()` and run
//! `RFC6455_WRITE_SEEDS=1 cargo test -p rfc6455-fuzz-harness --test fuzz_corpus`.

use std::collections::BTreeMap;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rfc6455::MessageKind::{Binary, Text};
use rfc6455::extension::DeflateConfig;
use rfc6455_fuzz_harness::{
    DEFLATE_LIMITS, EnvCase, FRAGMENT_SIZES, Op, ProxyCase, RedirectCase, RoundtripMessage,
    TARGETS, deflate_input, deflate_zeros, flags, frame_input, ops_input, proxy_env_input,
    proxy_input, redirect_input, roundtrip_input,
};

fn fuzz_dir() -> PathBuf {
    // This crate lives in `fuzz/harness/`; the corpus is beside it.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/harness has a parent")
        .to_path_buf()
}

fn target(name: &str) -> fn(&[u8]) {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| {
            panic!("fuzz/corpus/{name}: no such target in rfc6455_fuzz_harness::TARGETS")
        })
        .1
}

/// Every file under `fuzz/{corpus,artifacts}/<target>/`.
fn corpus_files() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for top in ["corpus", "artifacts"] {
        let Ok(dirs) = fs::read_dir(fuzz_dir().join(top)) else {
            continue;
        };
        for dir in dirs {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            for file in fs::read_dir(&dir).unwrap() {
                let path = file.unwrap().path();
                if path.is_file() {
                    files.push((name.clone(), path));
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn replay_corpus_and_artifacts() {
    let files = corpus_files();
    assert!(files.len() >= TARGETS.len(), "no corpus found under fuzz/");
    let mut failed = Vec::new();
    for (name, path) in &files {
        let run = target(name);
        let data = fs::read(path).unwrap();
        if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "inputs that fail: {failed:#?}");
}

#[test]
fn every_target_has_seeds() {
    let seeds = seeds();
    for (name, _) in TARGETS {
        assert!(seeds.keys().any(|(t, _)| t == name), "{name} has no seeds");
    }
}

#[test]
fn seed_corpus_is_current() {
    let seeds = seeds();
    let write = std::env::var_os("RFC6455_WRITE_SEEDS").is_some();
    let mut stale = Vec::new();
    for (name, _) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        if write {
            fs::create_dir_all(&dir).unwrap();
        }
        for file in fs::read_dir(&dir).into_iter().flatten() {
            let path = file.unwrap().path();
            let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
            let ours = seeds.contains_key(&(name.to_string(), file_name.clone()));
            if file_name.starts_with("seed-") && !ours {
                if write {
                    fs::remove_file(&path).unwrap();
                } else {
                    stale.push(path.display().to_string());
                }
            }
        }
    }
    let mut total = 0;
    for ((name, file), bytes) in &seeds {
        total += bytes.len();
        let path = fuzz_dir().join("corpus").join(name).join(file);
        if write {
            fs::write(&path, bytes).unwrap();
        } else if fs::read(&path).ok().as_ref() != Some(bytes) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        seeds.len() < 288 && total < 1 << 20,
        "keep the seed corpus small"
    );
    assert!(
        stale.is_empty(),
        "seed files differ from seeds(); run RFC6455_WRITE_SEEDS=1 cargo test -p rfc6455-fuzz-harness --test fuzz_corpus: {stale:#?}"
    );
}

/// What each permessage-deflate frame seed is for, checked on a connection
/// of its own (the targets check only invariants): the RFC 7692 examples
/// decode to "Hello", each invalid input gets its close code, and each bomb
/// gets 1009 while the connection holds a few hundred KiB at most, however
/// much the input would make.
#[test]
fn deflate_seeds_reach_their_outcomes() {
    use rfc6455::error::LimitError;
    use rfc6455::extension::{DeflateParams, Negotiated};
    use rfc6455::{Config, Connection, Error, Event, Role};

    for (role, mask) in [(Role::Server, Some(KEY)), (Role::Client, None)] {
        for (name, config, limits, _, wire) in deflate_wire_seeds(mask) {
            let (frame_limit, message_limit) = (
                DEFLATE_LIMITS[usize::from(limits & 15)],
                DEFLATE_LIMITS[usize::from(limits >> 4)],
            );
            let settings = Config::default()
                .max_frame_size(frame_limit)
                .max_message_size(message_limit);
            let negotiated = Negotiated::with_deflate(DeflateParams::new(&config));
            let mut conn = Connection::new(role, settings).with_extensions(&negotiated);
            let (mut messages, mut partial, mut error, mut held) = (vec![], vec![], None, 0);
            for chunk in wire.chunks(4096) {
                conn.receive(chunk);
                loop {
                    match conn.poll_event() {
                        Ok(Some(Event::Data {
                            payload, is_last, ..
                        })) => {
                            partial.extend_from_slice(payload);
                            assert!(partial.len() <= message_limit, "{name}");
                            if is_last {
                                messages.push(std::mem::take(&mut partial));
                            }
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
                held = held.max(conn.buffered_capacity());
                if error.is_some() {
                    break;
                }
            }
            let code = error.as_ref().and_then(|e| e.close_code()).map(u16::from);
            let hello = || b"Hello".to_vec();
            let (want, want_code): (Vec<Vec<u8>>, Option<u16>) = match name {
                "rfc7692-7.2.3.2-takeover" | "rfc7692-7.2.3.4-bfinal" => {
                    (vec![hello(), hello()], None)
                }
                "rfc7692-7.2.3.2-context-not-agreed" => (vec![hello()], Some(1007)),
                n if n.starts_with("rfc7692-7.2.3.6") => (vec![vec![], vec![], hello()], None),
                n if n.starts_with("rfc7692") => (vec![hello()], None),
                "ping-between-compressed-fragments" => (vec![hello()], None),
                "empty-payload-then-hello" => (vec![vec![]], Some(1007)),
                "uncompressed-between" => (vec![b"plain".to_vec(), hello(), vec![1, 2, 3]], None),
                "rsv1-on-continuation" | "rsv1-on-ping" | "rsv2" => (vec![], Some(1002)),
                "corrupt-btype-3" => (vec![], Some(1007)),
                // zlib may decode it or not, depending on the reads.
                "distance-beyond-window-8" => (messages.clone(), code),
                "distance-within-window-9" => (vec![messages[0].clone(); 2], None),
                "truncated-eof" => (vec![], None),
                "zeros-1mib-at-limit" => (vec![vec![0; 1 << 20]], Some(1009)),
                n if n.starts_with("bomb") => (vec![], Some(1009)),
                other => panic!("no outcome for {other}"),
            };
            assert_eq!(code, want_code, "{name}: {error:?}");
            assert!(messages == want, "{name}: {} messages", messages.len());
            if name.starts_with("bomb") {
                let limit = frame_limit.min(message_limit);
                let want = if frame_limit < message_limit {
                    LimitError::DecompressedFrameTooLarge { limit }
                } else {
                    LimitError::MessageTooLarge { limit }
                };
                assert_eq!(error, Some(Error::Limit(want)), "{name}");
                assert!(held < 256 * 1024, "{name}: held {held} bytes");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The seeds.

/// A frame with an explicit first byte, declared length and optional mask;
/// `payload` may be shorter than `declared` (a truncated frame).
fn frame(first: u8, declared: u64, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let m = if mask.is_some() { 0x80 } else { 0 };
    let mut out = vec![first];
    if declared < 126 {
        out.push(m | declared as u8);
    } else if declared <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(declared as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&declared.to_be_bytes());
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
    let key = mask.unwrap_or_default();
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// The RFC 6455 §5.7 masking key.
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Limits byte: 16 MiB frames, 64 MiB messages (the defaults).
const DEFAULT_LIMITS: u8 = 0xDC;

/// Wire seeds for one direction: `(name, limits, wire)`. `mask` is the key a
/// client would use (None for frames to a client).
fn wire_seeds(mask: Option<[u8; 4]>) -> Vec<(&'static str, u8, Vec<u8>)> {
    let f = |first: u8, payload: &[u8]| frame(first, payload.len() as u64, mask, payload);
    let fh = |first: u8, declared: u64, payload: &[u8]| frame(first, declared, mask, payload);
    let cat = |parts: &[Vec<u8>]| parts.concat();
    let l = DEFAULT_LIMITS;
    let zero_cont: Vec<Vec<u8>> = std::iter::once(f(0x01, b"a"))
        .chain(std::iter::repeat_n(f(0x00, b""), 400))
        .chain([f(0x80, b"b")])
        .collect();
    let pings: Vec<Vec<u8>> = (0..100u8).map(|i| f(0x89, &[i; 4])).collect();
    let mut top_bit = frame(0x82, 1 << 40, mask, b"");
    top_bit[2] = 0x80;
    // 127-length with 0x7FFF_FFFF_FFFF_FFFF and a mask: 14 bytes, plus one of payload.
    let overflow = frame(0x82, (1 << 63) - 1, Some(KEY), b"x");
    let mut non_minimal = frame(0x82, 200, mask, &[1; 10]);
    non_minimal[2..4].copy_from_slice(&100u16.to_be_bytes());
    vec![
        ("rfc-5.7-text-hello", l, f(0x81, b"Hello")),
        (
            "rfc-5.7-fragmented-hello",
            l,
            cat(&[f(0x01, b"Hel"), f(0x80, b"lo")]),
        ),
        (
            "rfc-5.7-ping-pong",
            l,
            cat(&[f(0x89, b"Hello"), f(0x8A, b"Hello")]),
        ),
        ("rfc-5.7-binary-256", l, f(0x82, &[0xAB; 256])),
        ("rfc-5.7-binary-64k-header", l, fh(0x82, 65536, &[1; 64])),
        ("len-125", l, f(0x82, &[7; 125])),
        ("len-126", l, f(0x81, &[b'x'; 126])),
        ("len-127", l, f(0x82, &[9; 127])),
        ("len-65535-header", l, fh(0x82, 65535, &[2; 64])),
        ("len-65536-header", l, fh(0x81, 65536, b"abc")),
        ("close-empty", l, f(0x88, b"")),
        ("close-1000-reason", l, f(0x88, b"\x03\xe8bye")),
        ("close-4999", l, f(0x88, b"\x13\x87")),
        ("close-1005-invalid", l, f(0x88, b"\x03\xed")),
        ("close-0999-invalid", l, f(0x88, b"\x03\xe7")),
        ("close-5000-invalid", l, f(0x88, b"\x13\x88")),
        ("close-one-byte", l, f(0x88, b"\x03")),
        ("close-bad-utf8-reason", l, f(0x88, b"\x03\xe8\xff")),
        ("cve-2022-35922-len-2p40", l, fh(0x82, 1 << 40, b"")),
        ("cve-2022-35922-len-2p63m1", l, fh(0x82, (1 << 63) - 1, b"")),
        ("cve-2020-13935-top-bit", l, top_bit),
        ("header-overflow-14-bytes", 0xEE, overflow),
        ("zero-length-continuations", l, zero_cont.concat()),
        ("ping-flood", l, pings.concat()),
        (
            // Fragments within the frame limit (1000) that sum past the message limit.
            "cve-2020-27813-fragments-with-ping",
            0x66,
            cat(&[f(0x02, &[1; 600]), f(0x89, b"p"), f(0x80, &[2; 600])]),
        ),
        ("non-minimal-length", l, non_minimal),
        ("reserved-opcode-rsv", l, cat(&[f(0x83, b""), f(0xC1, b"")])),
        (
            "utf8-split-across-fragments",
            l,
            cat(&[
                f(0x01, "€".as_bytes().split_at(1).0),
                f(0x80, &"€".as_bytes()[1..]),
            ]),
        ),
        (
            "utf8-invalid",
            l,
            cat(&[f(0x01, b"\xe0"), f(0x80, b"\x80")]),
        ),
    ]
}

/// Every seed file: `(target, file name) -> bytes`.
fn seeds() -> BTreeMap<(String, String), Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut add = |target: &str, name: String, bytes: Vec<u8>| {
        TARGETS.iter().find(|(t, _)| *t == target).unwrap();
        assert!(out.insert((target.into(), name), bytes).is_none());
    };
    for (target, mask) in [("frame_server", Some(KEY)), ("frame_client", None)] {
        for (i, (name, limits, wire)) in wire_seeds(mask).into_iter().enumerate() {
            // Vary the reading: streaming or whole messages, cut in varied reads.
            let (f, splits): (u8, &[u8]) = match i % 4 {
                0 => (0, &[]),
                1 => (flags::MESSAGES, &[0]),
                2 => (flags::READ_BUF | flags::EOF, &[2, 6]),
                _ => (flags::MESSAGES | flags::NEVER_WRITE, &[124, 0, 13]),
            };
            let options = (i % 3 == 0, i % 5 == 4);
            let bytes = frame_input(f, limits, options, splits, &wire);
            add(target, format!("seed-{name}"), bytes);
        }
    }
    let unmasked = frame(0x81, 2, None, b"hi");
    add(
        "frame_server",
        "seed-unmasked-frame".into(),
        frame_input(0, DEFAULT_LIMITS, (false, false), &[], &unmasked),
    );
    add(
        "frame_server",
        "seed-unmasked-accepted".into(),
        frame_input(
            flags::ACCEPT_UNMASKED,
            DEFAULT_LIMITS,
            (false, false),
            &[],
            &unmasked,
        ),
    );
    for (name, c, s, ops) in ops_seeds() {
        add(
            "connection_ops",
            format!("seed-{name}"),
            ops_input(c, s, &ops),
        );
    }
    for (name, split, bytes) in handshake_request_seeds() {
        let mut input = vec![split];
        input.extend_from_slice(bytes.as_bytes());
        add("handshake_request", format!("seed-{name}"), input);
    }
    for (name, split, offers, bytes) in handshake_response_seeds() {
        let mut input = vec![split, offers];
        input.extend_from_slice(bytes.as_bytes());
        add("handshake_response", format!("seed-{name}"), input);
    }
    for (name, f, messages) in roundtrip_seeds() {
        add(
            "roundtrip",
            format!("seed-{name}"),
            roundtrip_input(f, &messages),
        );
    }
    for (target, mask) in [
        ("frame_deflate_server", Some(KEY)),
        ("frame_deflate_client", None),
    ] {
        for (i, (name, config, limits, reading, wire)) in
            deflate_wire_seeds(mask).into_iter().enumerate()
        {
            let (f, splits): (u8, &[u8]) = match reading {
                Reading::Varied => match i % 4 {
                    0 => (0, &[]),
                    1 => (flags::MESSAGES, &[0]),
                    2 => (flags::READ_BUF, &[2, 6]),
                    _ => (flags::MESSAGES | flags::NEVER_WRITE, &[124, 0, 13]),
                },
                Reading::Eof => (flags::EOF, &[1]),
                Reading::Events4k => (flags::READ_BUF, &[]),
                Reading::Messages4k => (flags::MESSAGES, &[255, 255, 255, 255]),
            };
            let mut bytes = deflate_input(&config).to_vec();
            bytes.extend(frame_input(f, limits, (false, false), splits, &wire));
            add(target, format!("seed-{name}"), bytes);
        }
    }
    for (name, config, f, messages) in roundtrip_deflate_seeds() {
        let mut bytes = deflate_input(&config).to_vec();
        bytes.extend(roundtrip_input(f, &messages));
        add("roundtrip_deflate", format!("seed-{name}"), bytes);
    }
    for (name, bytes) in proxy_seeds() {
        add("proxy_negotiation", name, bytes);
    }
    for (name, bytes) in proxy_env_seeds() {
        add("proxy_url_env", format!("seed-{name}"), bytes);
    }
    for (name, bytes) in redirect_seeds() {
        add("redirect_location", format!("seed-{name}"), bytes);
    }
    out
}

/// How a deflate frame seed is read.
#[derive(Clone, Copy)]
enum Reading {
    /// As `seeds()` varies the plain wire seeds.
    Varied,
    /// One byte at a time, then EOF.
    Eof,
    /// Streamed (`poll_event`) through `read_buf`, 4 KiB reads.
    Events4k,
    /// Whole messages (`poll_message`), reads of 256 bytes.
    Messages4k,
}

/// RFC 7692 §7.2.3.1: "Hello" compressed (with a 15-bit window).
const HELLO: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

/// The limits byte for a frame limit and a message limit from `DEFLATE_LIMITS`.
fn limits(frame: usize, message: usize) -> u8 {
    let at = |n| DEFLATE_LIMITS.iter().position(|&l| l == n).unwrap() as u8;
    at(frame) | (at(message) << 4)
}

/// permessage-deflate seeds for one direction: RFC 7692 §7.2.3's examples,
/// the RSV rules of §6, invalid data, a window or a context the peer did
/// not keep to, and decompression bombs against the limits:
/// `(name, settings both sides agreed, limits, reading, wire)`.
fn deflate_wire_seeds(
    mask: Option<[u8; 4]>,
) -> Vec<(&'static str, DeflateConfig, u8, Reading, Vec<u8>)> {
    let f = |first: u8, payload: &[u8]| frame(first, payload.len() as u64, mask, payload);
    let cat = |parts: &[Vec<u8>]| parts.concat();
    let mib = 1 << 20;
    let l = limits(mib, mib);
    let ours = DeflateConfig::default();
    let rfc = ours.server_max_window_bits(15).client_max_window_bits(15);
    let lean = DeflateConfig::default()
        .server_max_window_bits(9)
        .client_max_window_bits(9)
        .server_no_context_takeover(true)
        .client_no_context_takeover(true);
    let tiny = ours.server_max_window_bits(8).client_max_window_bits(8);
    let v = Reading::Varied;
    // 300 stored bytes, then a fixed block copying 3 from 300 back: beyond
    // a 256-byte window (8 bits), which zlib may or may not notice.
    let mut far = vec![0x00, 0x2c, 0x01, 0xd3, 0xfe];
    far.extend((0..300u32).map(|i| (i * 7) as u8));
    far.extend([0x02, 0x86, 0x15, 0x00]);
    let zeros_16m = deflate_zeros(16 * mib);
    let zeros_1m = deflate_zeros(mib);
    let fragmented_bomb: Vec<Vec<u8>> = zeros_1m
        .chunks(zeros_1m.len().div_ceil(8))
        .enumerate()
        .map(|(i, c)| {
            let last = (i + 1) * zeros_1m.len().div_ceil(8) >= zeros_1m.len();
            let first = if i == 0 { 0x42 } else { 0x00 };
            f(first | if last { 0x80 } else { 0 }, c)
        })
        .collect();
    vec![
        ("rfc7692-7.2.3.1-hello", rfc, l, v, f(0xc1, &HELLO)),
        (
            "rfc7692-7.2.3.1-fragmented",
            rfc,
            l,
            v,
            cat(&[f(0x41, &HELLO[..3]), f(0x80, &HELLO[3..])]),
        ),
        (
            "rfc7692-7.2.3.2-takeover",
            rfc,
            l,
            v,
            cat(&[f(0xc1, &HELLO), f(0xc1, &[0xf2, 0x00, 0x11, 0x00, 0x00])]),
        ),
        (
            // The same two messages where neither side keeps its context:
            // the second refers to nothing (1007).
            "rfc7692-7.2.3.2-context-not-agreed",
            lean,
            l,
            v,
            cat(&[f(0xc1, &HELLO), f(0xc1, &[0xf2, 0x00, 0x11, 0x00, 0x00])]),
        ),
        (
            "rfc7692-7.2.3.3-stored",
            rfc,
            l,
            v,
            f(
                0xc1,
                &[
                    0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
                ],
            ),
        ),
        (
            // BFINAL ends the stream; the next message starts a new one.
            "rfc7692-7.2.3.4-bfinal",
            rfc,
            l,
            v,
            cat(&[
                f(0xc1, &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]),
                f(0xc1, &HELLO),
            ]),
        ),
        (
            "rfc7692-7.2.3.5-two-blocks",
            rfc,
            l,
            v,
            f(
                0xc1,
                &[
                    0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
                ],
            ),
        ),
        (
            "rfc7692-7.2.3.6-empty",
            ours,
            l,
            v,
            cat(&[f(0xc1, &[0x00]), f(0xc2, &[0x00]), f(0xc1, &HELLO)]),
        ),
        (
            // No payload at all: the tail starts a stored block that the
            // next message continues.
            "empty-payload-then-hello",
            rfc,
            l,
            v,
            cat(&[f(0xc1, b""), f(0xc1, &HELLO)]),
        ),
        (
            "uncompressed-between",
            ours,
            l,
            v,
            cat(&[f(0x81, b"plain"), f(0xc1, &HELLO), f(0x82, &[1, 2, 3])]),
        ),
        (
            "ping-between-compressed-fragments",
            rfc,
            l,
            v,
            cat(&[
                f(0x41, &HELLO[..2]),
                f(0x89, b"p"),
                f(0x00, b""),
                f(0x80, &HELLO[2..]),
            ]),
        ),
        (
            "rsv1-on-continuation",
            ours,
            l,
            v,
            cat(&[f(0x01, b"He"), f(0xc0, b"llo")]),
        ),
        ("rsv1-on-ping", ours, l, v, f(0xc9, b"")),
        ("rsv2", ours, l, v, f(0xa1, &HELLO)),
        ("corrupt-btype-3", ours, l, v, f(0xc2, &[0xff, 0xff])),
        ("distance-beyond-window-8", tiny, l, v, f(0xc2, &far)),
        (
            "distance-within-window-9",
            lean,
            l,
            v,
            cat(&[f(0xc2, &far), f(0xc2, &far)]),
        ),
        (
            "truncated-eof",
            rfc,
            l,
            Reading::Eof,
            f(0xc1, &HELLO)[..7].to_vec(),
        ),
        (
            // 16 MiB of zeros in 16 KiB, against a 64 KiB message limit: 1009.
            "bomb-16mib-message-limit-64k-events",
            lean,
            limits(mib, 65536),
            Reading::Events4k,
            f(0xc2, &zeros_16m),
        ),
        (
            "bomb-16mib-message-limit-64k-messages",
            ours,
            limits(mib, 65536),
            Reading::Messages4k,
            f(0xc2, &zeros_16m),
        ),
        (
            // The frame's 16 KiB pass a 64 KiB frame limit; what they make does not.
            "bomb-16mib-frame-limit-64k",
            tiny,
            limits(65536, mib),
            Reading::Events4k,
            f(0xc2, &zeros_16m),
        ),
        (
            "bomb-1mib-fragmented-message-limit-64k",
            rfc,
            limits(mib, 65536),
            Reading::Messages4k,
            fragmented_bomb.concat(),
        ),
        (
            // Exactly the limit is delivered; one byte more is not.
            "zeros-1mib-at-limit",
            ours,
            limits(mib, mib),
            Reading::Messages4k,
            cat(&[f(0xc2, &zeros_1m), f(0xc2, &deflate_zeros(mib + 1))]),
        ),
    ]
}

fn roundtrip_deflate_seeds() -> Vec<(&'static str, DeflateConfig, u8, Vec<RoundtripMessage>)> {
    let m = |kind, len, fragments: &[u8], ping_between| {
        let mut f = [0; 7];
        f[..fragments.len()].copy_from_slice(fragments);
        RoundtripMessage {
            kind,
            len,
            seed: len as u8,
            fragments: f,
            fragment_count: fragments.len() as u8,
            ping_between,
        }
    };
    let lengths: Vec<RoundtripMessage> = [0, 1, 125, 126, 127, 65535, 65536]
        .iter()
        .enumerate()
        .map(|(i, &len)| m((i % 2) as u8, len, &[], false))
        .collect();
    let ours = DeflateConfig::default();
    let lean = DeflateConfig::default()
        .server_max_window_bits(9)
        .client_max_window_bits(9)
        .server_no_context_takeover(true)
        .client_no_context_takeover(true);
    let fragment_125 = (5 << 1) | 0x10 | (4 << 5);
    vec![
        ("lengths-client-to-server", ours, 0x00, lengths.clone()),
        (
            "lengths-server-to-client-lean-bytewise",
            lean,
            0x31,
            lengths[..5].to_vec(),
        ),
        (
            "window-8",
            ours.server_max_window_bits(8).client_max_window_bits(8),
            0x10,
            vec![m(1, 300, &[], false), m(0, 40, &[10, 10], false)],
        ),
        (
            "level-0-stored-blocks",
            ours.compression_level(0),
            0x01 | (4 << 5),
            vec![m(1, 1000, &[], false), m(0, 200, &[], false)],
        ),
        (
            "level-9-window-15-mem-9-fragment-size-125",
            ours.compression_level(9)
                .mem_level(9)
                .server_max_window_bits(15)
                .client_max_window_bits(15),
            fragment_125,
            vec![m(1, 65536, &[], false), m(0, 300, &[], false)],
        ),
        (
            "threshold-126",
            ours.threshold(126),
            0x10,
            vec![
                m(0, 125, &[], false),
                m(1, 126, &[], false),
                m(1, 10, &[3, 3], false),
            ],
        ),
        (
            "send-fragment-with-pings",
            ours,
            0x01 | (6 << 5),
            vec![
                m(0, 40, &[1, 5, 0, 9], true),
                m(1, 200, &[100], true),
                m(2, 5, &[], false),
                m(1, 0, &[0, 0], false),
            ],
        ),
        (
            "mixed-windows-no-server-takeover",
            ours.server_max_window_bits(10)
                .client_max_window_bits(14)
                .server_no_context_takeover(true),
            0x01 | (2 << 1),
            vec![
                m(1, 900, &[], false),
                m(1, 900, &[], false),
                m(3, 3, &[], false),
            ],
        ),
    ]
}

fn ops_seeds() -> Vec<(&'static str, u8, u8, Vec<Op>)> {
    let all = |server| Op::DeliverAll { server };
    let text = |server, t: &str| Op::Text {
        server,
        text: t.into(),
    };
    let ping = |server, p: &[u8]| Op::Ping {
        server,
        payload: p.to_vec(),
    };
    let frag = |server, kind, d: &[u8], is_last| Op::Fragment {
        server,
        kind,
        data: d.to_vec(),
        is_last,
    };
    let close = |server, code, reason: &str| Op::Close {
        server,
        code,
        reason: reason.into(),
    };
    let fragment_1 = FRAGMENT_SIZES.iter().position(|s| *s == Some(1)).unwrap() as u8;
    vec![
        (
            "exchange",
            0,
            0x10,
            vec![
                text(false, "ab é€🎉中"),
                all(false),
                Op::Binary {
                    server: true,
                    data: vec![0, 1, 2],
                },
                all(true),
            ],
        ),
        (
            "ping-answered",
            0x10,
            0,
            vec![ping(false, b"are you there"), all(false), all(true)],
        ),
        (
            "close-from-client",
            0,
            0,
            vec![close(false, 1000, "bye"), all(false), all(true)],
        ),
        (
            "simultaneous-close",
            0x20,
            0x60,
            vec![
                close(false, 1001, ""),
                close(true, 4000, "a"),
                all(false),
                all(true),
            ],
        ),
        (
            "fragments-with-ping-bytewise",
            fragment_1,
            0x10,
            vec![
                frag(false, Text, "€".as_bytes().split_at(2).0, false),
                ping(false, b"x"),
                frag(false, Text, &"€".as_bytes()[2..], true),
                Op::Deliver {
                    server: false,
                    max: 1,
                },
                Op::Deliver {
                    server: false,
                    max: 3,
                },
                all(false),
                all(true),
            ],
        ),
        (
            "big-messages",
            5,
            6,
            vec![
                Op::Big {
                    server: false,
                    kind: Binary,
                    size: 5,
                },
                Op::Big {
                    server: true,
                    kind: Text,
                    size: 1,
                },
                all(false),
                all(true),
            ],
        ),
        (
            "misuse",
            0,
            0,
            vec![
                ping(false, &[0; 126]),
                close(false, 1005, ""),
                frag(false, Binary, b"a", false),
                text(false, "no"),
                frag(false, Text, b"b", true),
                frag(false, Binary, b"\xff", true),
                frag(true, Text, b"\xc3", false),
                frag(true, Text, b"(", true),
                close(false, 1000, ""),
                text(false, "late"),
                all(false),
                all(true),
            ],
        ),
        (
            "eof-mid-message",
            0x08,
            0x18,
            vec![
                text(true, "partial"),
                Op::Deliver {
                    server: true,
                    max: 4,
                },
                Op::Eof,
                text(true, "after"),
            ],
        ),
        (
            "pong-unsolicited-and-auto",
            0,
            0,
            vec![
                ping(true, b"p"),
                Op::Pong {
                    server: false,
                    payload: b"p".to_vec(),
                },
                all(true),
                all(false),
                all(true),
            ],
        ),
    ]
}

fn roundtrip_seeds() -> Vec<(&'static str, u8, Vec<RoundtripMessage>)> {
    let m = |kind, len, fragments: &[u8], ping_between| {
        let mut f = [0; 7];
        f[..fragments.len()].copy_from_slice(fragments);
        RoundtripMessage {
            kind,
            len,
            seed: len as u8,
            fragments: f,
            fragment_count: fragments.len() as u8,
            ping_between,
        }
    };
    let lengths: Vec<RoundtripMessage> = [0, 1, 125, 126, 127, 65535, 65536]
        .iter()
        .enumerate()
        .map(|(i, &len)| m((i % 2) as u8, len, &[], false))
        .collect();
    vec![
        ("lengths-client-to-server", 0x00, lengths.clone()),
        (
            "lengths-server-to-client-bytewise",
            0x31,
            lengths[..5].to_vec(),
        ),
        (
            "fragment-size-125-events",
            (5 << 1) | 0x10 | (4 << 5),
            vec![m(0, 300, &[], false), m(1, 126, &[], false)],
        ),
        (
            "send-fragment-with-pings",
            0x01 | (6 << 5),
            vec![
                m(0, 40, &[1, 5, 0, 9], true),
                m(1, 200, &[100], true),
                m(2, 5, &[], false),
            ],
        ),
        (
            "control-frames",
            0x10,
            vec![m(2, 125, &[], false), m(3, 0, &[], false)],
        ),
    ]
}

/// The §1.3 request and variants: (name, split byte, bytes).
fn handshake_request_seeds() -> Vec<(&'static str, u8, String)> {
    let rfc = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
               Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
               Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
               Sec-WebSocket-Version: 13\r\n\r\n";
    let with = |extra: &str| rfc.replace("Sec-WebSocket-Version: 13\r\n", extra);
    let at = |target: &str| rfc.replacen("/chat", target, 1);
    vec![
        ("rfc-request", 0, rfc.to_string()),
        ("rfc-request-bytewise", 0x11, rfc.to_string()),
        (
            "rfc-request-pipelined-frame",
            0x70,
            format!("{rfc}\u{81}\u{85}"),
        ),
        (
            "extensions-quoted",
            0x3A,
            with(
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=\"15\", x; y=\"a\\\"b\"\r\nSec-WebSocket-Version: 13\r\n",
            ),
        ),
        (
            "extensions-unclosed-quote",
            0,
            with("Sec-WebSocket-Extensions: foo; bar=\"unclosed\r\nSec-WebSocket-Version: 13\r\n"),
        ),
        ("version-8", 0, with("Sec-WebSocket-Version: 8\r\n")),
        (
            "duplicate-key",
            0,
            with("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"),
        ),
        ("post", 0, rfc.replacen("GET", "POST", 1)),
        // Non-ASCII request targets: characters of 2 and 4 bytes before,
        // across and after the bytes 7-8 where `http://` / `https://` end,
        // a query after them, and an absolute form with a non-ASCII host.
        // `path()` once panicked slicing inside such a character.
        ("target-2-byte-at-6", 0, at("/abcde\u{e9}")),
        ("target-2-byte-at-1", 0, at("/\u{e9}t\u{e9}")),
        ("target-4-byte-at-1", 0x25, at("/\u{1F600}chat")),
        ("target-4-byte-at-5", 0, at("/chat\u{1F600}")),
        ("target-4-byte-at-9", 0, at("/chatroom\u{1F600}")),
        (
            "target-query-after-non-ascii",
            0,
            at("/caf\u{e9}?q=\u{e9}&r"),
        ),
        (
            "target-absolute-non-ascii-host",
            0,
            at("http://h\u{e9}st.example/p\u{e9}?x"),
        ),
        ("target-absolute-https-4-byte", 0, at("https://\u{1F600}/?")),
        (
            "plain-http-non-ascii-target",
            0,
            "GET /\u{e9}t\u{e9}?\u{1F600} HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
        ),
        // A broken upgrade: WebSocket fields, `Upgrade: h2c` (answered 400).
        (
            "upgrade-h2c-with-key",
            0,
            rfc.replace("Upgrade: websocket", "Upgrade: h2c"),
        ),
        (
            "plain-http",
            0,
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
        ),
        (
            "tls-client-hello",
            0,
            "\u{16}\u{3}\u{1}\u{0}\u{a5}\u{1}\u{0}".to_string(),
        ),
    ]
}

/// The §1.3 response and variants: (name, split byte, offers byte, bytes).
/// Nonce [7; 16] is `BwcHBwcHBwcHBwcHBwcHBw==`, answered by the accept value below.
fn handshake_response_seeds() -> Vec<(&'static str, u8, u8, String)> {
    let accept = rfc6455::handshake::accept_key(b"BwcHBwcHBwcHBwcHBwcHBw==");
    let ok = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    let with = |extra: &str| ok.replace("\r\n\r\n", &format!("\r\n{extra}\r\n\r\n"));
    vec![
        ("accepted", 0, 0, ok.clone()),
        ("accepted-bytewise", 0x11, 0, ok.clone()),
        ("subprotocol", 0x52, 1, with("Sec-WebSocket-Protocol: chat")),
        (
            "unoffered-subprotocol",
            0,
            0,
            with("Sec-WebSocket-Protocol: chat"),
        ),
        (
            "extension",
            0,
            2,
            with("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"),
        ),
        (
            "deflate-agreed",
            0,
            4,
            with(
                "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
            ),
        ),
        (
            "deflate-window-16",
            0,
            4,
            with("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16"),
        ),
        (
            "deflate-twice",
            0,
            4,
            with("Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"),
        ),
        (
            "deflate-not-offered",
            0,
            0,
            with("Sec-WebSocket-Extensions: permessage-deflate"),
        ),
        (
            "redirect",
            0,
            0,
            "HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/\r\nContent-Length: 5\r\n\r\nmoved"
                .to_string(),
        ),
        (
            "wrong-accept",
            0,
            0,
            ok.replace(&accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ),
        ("pipelined-frame", 0x40, 0, format!("{ok}\u{81}\u{2}hi")),
        (
            "non-ascii-reason",
            0,
            0,
            "HTTP/1.1 404 N\u{e9}ant \u{1F600}\r\nX-Caf\u{e9}: \u{e9}\r\n\r\n".to_string(),
        ),
    ]
}

/// A SOCKS5 CONNECT reply (RFC 1928 §6) with this code, bound to 10.0.0.1:8080.
fn socks_reply(code: u8) -> Vec<u8> {
    vec![5, code, 0, 1, 10, 0, 0, 1, 0x1f, 0x90]
}

/// `proxy_negotiation` seeds: (name, case). Modes: 0 HttpConnect, 1
/// Socks5Connect (0x21 with an address), 2 a parsed ProxyUrl, 3 a built one
/// (scheme in bits 2-3).
fn proxy_seeds() -> Vec<(String, Vec<u8>)> {
    let ok = b"HTTP/1.1 200 Connection established\r\n\r\n";
    let cat = |parts: &[&[u8]]| parts.concat();
    let http = |name: &str, host: &'static str, answer: Vec<u8>| (name.to_string(), host, answer);
    let mut out = Vec::new();
    let mut add = |name: String, case: ProxyCase<'_>| out.push((name, proxy_input(&case)));
    let accented = ("us\u{e9}r\u{20ac}", "p\u{df}ss\u{1F600}");
    // CONNECT: the answers an HTTP proxy gives, read whole or in pieces.
    let https = [
        http(
            "http-200-leftover",
            "example.com",
            cat(&[b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n\x81\x02hi"]),
        ),
        http("http-200", "example.com", ok.to_vec()),
        http(
            "http-200-bare-lf",
            "[::1]",
            b"HTTP/1.1 200 OK\n\nrest".to_vec(),
        ),
        http(
            "http-200-empty-lines-first",
            "127.0.0.1",
            cat(&[b"\r\n\n", ok]),
        ),
        http(
            "http-403-body",
            "example.com",
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden".to_vec(),
        ),
        http(
            "http-502",
            "example.com",
            b"HTTP/1.1 502 Bad Gateway\r\n\r\n".to_vec(),
        ),
        http(
            "http-101",
            "example.com",
            b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec(),
        ),
        http(
            "http-non-ascii-reason",
            "example.com",
            "HTTP/1.1 403 N\u{e9}ant \u{1F600}\r\nX-Cafe: caf\u{e9}\r\n\r\n".into(),
        ),
        http("http-socks-answer", "example.com", vec![5, 0]),
        http(
            "http-2x0",
            "example.com",
            b"HTTP/1.1 2x0 OK\r\n\r\n".to_vec(),
        ),
        http("http-invalid-target", "a b", ok.to_vec()),
        http("http-non-ascii-target", "h\u{e9}st", ok.to_vec()),
    ];
    for (i, (name, host, answer)) in https.into_iter().enumerate() {
        let steps: &[(u8, u8)] = match i % 3 {
            0 => &[],
            1 => &[(1, 1)],
            _ => &[(7, 0xFF), (0xFF, 3), (0, 1)],
        };
        let case = ProxyCase {
            host,
            port: 443,
            steps,
            answer: &answer,
            ..Default::default()
        };
        add(format!("seed-{name}"), case);
    }
    let auth = b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\nno";
    for (name, credentials) in [
        ("http-407", None),
        (
            "http-407-rfc7617-credentials",
            Some(("Aladdin", "open sesame")),
        ),
        ("http-407-non-ascii-credentials", Some(accented)),
    ] {
        let case = ProxyCase {
            host: "example.com",
            port: 80,
            credentials,
            steps: &[(20, 5)],
            answer: auth,
            ..Default::default()
        };
        add(format!("seed-{name}"), case);
    }
    // The limits: a 12-byte head, one header field, no body kept.
    for (name, limits, answer) in [
        ("http-head-too-large", 3, &ok[..]),
        (
            "http-too-many-headers",
            0x04,
            b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n",
        ),
        ("http-body-limit-1", 0x10, b"HTTP/1.1 403 No\r\n\r\nbody"),
    ] {
        let case = ProxyCase {
            limits,
            host: "h",
            port: 1,
            answer,
            ..Default::default()
        };
        add(format!("seed-{name}"), case);
    }
    // SOCKS5: each method answer, authentication, reply code and address type.
    let v4 = socks_reply(0);
    let v6 = cat(&[&[5, 0, 0, 4], &[0; 15], &[1, 0x1f, 0x90], b"hi"]);
    let name_reply = cat(&[&[5, 0, 0, 3, 13], b"proxy.example", &[0, 80], b"\x81\x00"]);
    let long_name = cat(&[&[5, 0, 0, 3, 255], &[b'n'; 255], &[0, 80]]);
    let socks = [
        (
            "socks-name-v4-reply",
            1,
            None,
            &[][..],
            cat(&[&[5, 0], &v4]),
        ),
        (
            "socks-v4-target-v6-reply",
            0x21,
            None,
            &[0, 127, 0, 0, 1],
            cat(&[&[5, 0], &v6]),
        ),
        (
            "socks-v6-target-name-reply",
            0x21,
            None,
            &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            cat(&[&[5, 0], &name_reply]),
        ),
        (
            "socks-255-byte-name-reply",
            1,
            None,
            &[],
            cat(&[&[5, 0], &long_name]),
        ),
        (
            "socks-auth",
            1,
            Some(("user", "pass")),
            &[],
            cat(&[&[5, 2, 1, 0], &v4]),
        ),
        (
            "socks-auth-non-ascii",
            1,
            Some(accented),
            &[],
            cat(&[&[5, 2, 1, 0], &v4, b"tail"]),
        ),
        (
            "socks-auth-offered-not-chosen",
            1,
            Some(("u", "")),
            &[],
            cat(&[&[5, 0], &v4]),
        ),
        (
            "socks-auth-rejected",
            1,
            Some(("u", "p")),
            &[],
            vec![5, 2, 1, 1],
        ),
        (
            "socks-auth-version",
            1,
            Some(("u", "p")),
            &[],
            vec![5, 2, 5, 0],
        ),
        ("socks-no-acceptable-method", 1, None, &[], vec![5, 0xFF]),
        ("socks-unoffered-method", 1, None, &[], vec![5, 2]),
        ("socks-version-4", 1, None, &[], vec![4, 0]),
        ("socks-reply-version", 1, None, &[], vec![5, 0, 4, 0]),
        (
            "socks-address-type-7",
            1,
            None,
            &[],
            vec![5, 0, 5, 0, 0, 7, 1, 2],
        ),
        ("socks-truncated", 1, None, &[], cat(&[&[5, 0], &v4[..7]])),
        ("socks-empty-user", 1, Some(("", "p")), &[], vec![5, 0]),
    ];
    for (i, (name, mode, credentials, addr, answer)) in socks.into_iter().enumerate() {
        let steps: &[(u8, u8)] = match i % 4 {
            0 => &[],
            1 => &[(1, 1), (2, 0xFF), (0, 2)],
            2 => &[(2, 0), (0xFF, 0xFF), (3, 2), (0, 1)],
            _ => &[(5, 4), (0, 0)],
        };
        let case = ProxyCase {
            mode,
            host: "example.com",
            port: 80,
            credentials,
            addr,
            steps,
            answer: &answer,
            ..Default::default()
        };
        add(format!("seed-{name}"), case);
    }
    for code in 1..=9 {
        let answer = cat(&[&[5, 0], &socks_reply(code)]);
        let case = ProxyCase {
            mode: 1,
            host: "h",
            port: 1,
            answer: &answer,
            ..Default::default()
        };
        add(format!("seed-socks-reply-code-{code}"), case);
    }
    let long = "\u{e9}".repeat(130);
    for (name, credentials, host) in [
        ("socks-name-over-255-bytes", None, &long[..]),
        ("socks-user-over-255-bytes", Some((&long[..], "p")), "h"),
        ("socks-password-over-255-bytes", Some(("u", &long[..])), "h"),
    ] {
        let case = ProxyCase {
            mode: 1,
            host,
            port: 1,
            credentials,
            ..Default::default()
        };
        add(format!("seed-{name}"), case);
    }
    // Negotiation from parsed and built proxy URLs.
    let socks_ok = cat(&[&[5, 0], &v4, b"x"]);
    let socks_auth_ok = cat(&[&[5, 2, 1, 0], &v4]);
    for (name, url, host, answer) in [
        (
            "url-socks5h-credentials",
            "socks5h://us%C3%A9r:p%40ss@127.0.0.1:1080",
            "example.com",
            &socks_auth_ok,
        ),
        (
            "url-socks5-name",
            "socks5://127.0.0.1",
            "example.com",
            &socks_ok,
        ),
        (
            "url-socks5-ipv6",
            "SOCKS5://[::1]:9050/",
            "[::1]",
            &socks_ok,
        ),
        (
            "url-http-credentials",
            "http://u:p@proxy.example:3128",
            "ws.example",
            &ok.to_vec(),
        ),
        ("url-https", "https://proxy.example", "h", &ok.to_vec()),
        (
            "url-non-ascii-user",
            "http://\u{e9}\u{1F600}:\u{20ac}@h",
            "h",
            &ok.to_vec(),
        ),
    ] {
        let case = ProxyCase {
            mode: 2,
            url,
            host,
            port: 443,
            answer,
            steps: &[(3, 2), (0, 0)],
            ..Default::default()
        };
        add(format!("seed-{name}"), case);
    }
    for (name, scheme, answer) in [
        ("built-http", 0, ok.to_vec()),
        ("built-socks5-address", 1, socks_auth_ok.clone()),
        ("built-socks5h-name", 2, socks_auth_ok.clone()),
    ] {
        let case = ProxyCase {
            mode: 3 | scheme << 2,
            host: if scheme == 1 {
                "10.1.2.3"
            } else {
                "example.com"
            },
            port: 8080,
            credentials: Some(("me", "s\u{e9}cret")),
            answer: &answer,
            ..Default::default()
        };
        add(format!("seed-{name}"), case);
    }
    out
}

/// `proxy_url_env` seeds: (name, case).
fn proxy_env_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let cases: Vec<(&str, EnvCase<'_>)> = vec![
        (
            "socks5h-credentials-https-proxy",
            EnvCase {
                url: "socks5h://me:s%3Acret@127.0.0.1:1080",
                list: "localhost,.internal,10.0.0.0/8,[::1]:9000",
                host: "db.internal",
                port: 80,
                secure: true,
                vars: &[
                    ("https_proxy", "http://proxy.corp:3128"),
                    ("NO_PROXY", "localhost"),
                ],
            },
        ),
        (
            "non-ascii",
            EnvCase {
                url: "http://us\u{e9}r:p\u{20ac}ss@h\u{e9}/",
                list: "\u{e9}.example, \u{df} ,*.\u{1F600}",
                host: "x.\u{e9}.example",
                port: 443,
                vars: &[("ws_proxy", "http://\u{e9}:\u{1F600}@proxy:1")],
                ..Default::default()
            },
        ),
        (
            "ipv6-proxy-cidr",
            EnvCase {
                url: "http://[::1]:3128/",
                list: "::/0,127.0.0.0/8",
                host: "::1",
                port: 9000,
                vars: &[("all_proxy", "socks5://[::1]:1080")],
                ..Default::default()
            },
        ),
        (
            "upper-case-star",
            EnvCase {
                url: "HTTP://Proxy.Example:3128",
                list: "*",
                host: "Example.COM",
                port: 80,
                vars: &[("no_proxy", "*"), ("HTTP_PROXY", "http://p:1")],
                ..Default::default()
            },
        ),
        (
            "cgi-httpoxy",
            EnvCase {
                url: "proxy:8080",
                list: "example.com:8080",
                host: "example.com",
                port: 8080,
                vars: &[("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")],
                ..Default::default()
            },
        ),
        (
            "secure-order-blank-first",
            EnvCase {
                url: "socks5://u@h",
                list: ".example.com",
                host: "ws.example.com",
                port: 443,
                secure: true,
                vars: &[
                    ("wss_proxy", "  "),
                    ("WSS_PROXY", ""),
                    ("HTTPS_PROXY", "socks5://p:1"),
                    ("all_proxy", "http://a:2"),
                ],
            },
        ),
        (
            "invalid-variable",
            EnvCase {
                url: "http://u%4:p@h",
                list: "10.0.0.1/33,[::1",
                host: "10.0.0.1",
                port: 1,
                vars: &[("ws_proxy", "ftp://x"), ("no_proxy", "other")],
                ..Default::default()
            },
        ),
        (
            "user-with-colon",
            EnvCase {
                url: "http://a%3Ab%2F:c@h:99",
                list: "h.:99,.h",
                host: "sub.h.",
                port: 99,
                vars: &[("NO_PROXY", "h"), ("ALL_PROXY", "socks5h://x")],
                ..Default::default()
            },
        ),
    ];
    cases
        .into_iter()
        .map(|(name, case)| (name, proxy_env_input(&case)))
        .collect()
}

/// `redirect_location` seeds: (name, case). Bases index `REDIRECT_BASES`,
/// statuses `REDIRECT_STATUSES`.
fn redirect_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let text = |base: u8, status: u8, flags: u8, location: &'static str| RedirectCase {
        base,
        status,
        flags,
        location: location.as_bytes(),
        ..Default::default()
    };
    let cases = vec![
        (
            "absolute-ws",
            text(0, 0, 0, "ws://elsewhere.example:8080/path?q"),
        ),
        ("https-to-wss", text(1, 1, 0, "https://b.example/x")),
        ("downgrade", text(1, 2, 0, "ws://a.example/")),
        ("http-to-ws", text(0, 3, 0, "http://h/")),
        ("relative-dot-dot", text(1, 4, 0, "../lobby?x=1")),
        ("absolute-path-dots", text(3, 0, 0, "/a/./b/../c/.")),
        ("network-path", text(3, 1, 0, "//other.example:99/p")),
        ("query-only", text(1, 2, 0, "?y=2")),
        ("fragment", text(4, 3, 0, "p#frag")),
        ("fragment-only", text(4, 4, 0, "#frag")),
        ("unsupported-scheme", text(0, 5, 0, "ftp://h/")),
        (
            "long-scheme",
            text(0, 0, 0, "abcdefghijabcdefghijabcdefghijabcdefghij:x"),
        ),
        ("scheme-without-slashes", text(2, 6, 0, "ws:foo")),
        ("missing-location", text(0, 0, 2, "")),
        ("non-ascii-path", text(1, 0, 0, "/caf\u{e9}/\u{1F600}")),
        ("non-ascii-host", text(5, 0, 0, "wss://h\u{e9}st/")),
        ("two-locations-padded", text(2, 1, 4 | 8, "/x")),
        ("userinfo", text(0, 1, 0, "ws://u@h/")),
        ("ipv6", text(3, 3, 0, "wss://[::2]:1/")),
        ("above-root", text(3, 4, 0, "../../../../x")),
        ("default-port", text(4, 0, 0, "ws://h:80/")),
        (
            "raw-bytes",
            RedirectCase {
                base: 2,
                status: 1,
                flags: 1,
                location: b"/a\xff\x80b",
                ..Default::default()
            },
        ),
        (
            "base-text",
            RedirectCase {
                base: 0x80,
                base_text: "ws://Example.COM:80/a/b?c",
                status: 0,
                flags: 0,
                location: b"d/./e",
            },
        ),
        (
            "base-text-non-ascii",
            RedirectCase {
                base: 0x80,
                base_text: "wss://[::1]:9443/r\u{e9}s",
                status: 0,
                flags: 0,
                location: b"x",
            },
        ),
    ];
    cases
        .into_iter()
        .map(|(name, case)| (name, redirect_input(&case)))
        .collect()
}
