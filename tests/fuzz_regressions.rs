//! Regression tests for bugs the fuzzing work found in the core (now fixed).

use rfc6455::{Config, Connection, Message, Role};

/// A masked frame as a client sends it (key 1,2,3,4).
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let key = [1u8, 2, 3, 4];
    let mut out = vec![first, 0x80 | payload.len() as u8];
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// `poll_message` copies the chunks of a fragmented message into its assembly
/// buffer, and clears that buffer only after it returned a message itself. If
/// the message is instead finished through `poll_event` (mixing the two is
/// documented as unsupported, but must not corrupt data), the stale bytes stay:
/// the next assembled message is delivered with them in front, and repeating
/// the pattern grows the buffer past `max_message_size` without bound.
///
/// Fixed in `poll_message`: a Data chunk with `is_first` clears the assembly
/// buffers before anything is appended.
#[test]
fn mixing_poll_modes_corrupts_the_next_message() {
    let mut s = Connection::new(Role::Server, Config::default());
    // Message 1 starts under poll_message and ends under poll_event.
    s.receive(&masked(0x02, b"stale"));
    assert_eq!(s.poll_message().unwrap(), None);
    s.receive(&masked(0x80, b"end"));
    assert!(s.poll_event().unwrap().is_some());
    // Message 2, entirely under poll_message, must be just itself.
    s.receive(&masked(0x02, b"c"));
    s.receive(&masked(0x80, b"d"));
    let got = s.poll_message().unwrap().map(Message::into_owned);
    assert_eq!(got, Some(Message::binary(*b"cd")));
}

/// The same pattern, repeated, grows the assembly buffer past `max_message_size`.
#[test]
fn mixing_poll_modes_grows_memory_past_the_message_limit() {
    let mut s = Connection::new(Role::Server, Config::default().max_message_size(100));
    for _ in 0..2000 {
        s.receive(&masked(0x02, &[0xAA; 50]));
        assert_eq!(s.poll_message().unwrap(), None);
        s.receive(&masked(0x80, b"end"));
        assert!(s.poll_event().unwrap().is_some());
    }
    let held = s.buffered_capacity();
    assert!(
        held <= 16 * 1024,
        "holds {held} bytes with a 100-byte message limit"
    );
}
