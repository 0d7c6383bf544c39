//! The closing handshake (§5.5.1, §7), ping/pong behaviour (§5.5.2–5.5.3), and
//! when the transport may be shut down, driven between two in-memory cores.

mod common;

use common::{Seen, drain_output, feed_messages};
use rfc6455::connection::State;
use rfc6455::{CloseCode, Config, Connection, Event, Role};

fn pair() -> (Connection, Connection) {
    (
        Connection::new(Role::Client, Config::default()),
        Connection::new(Role::Server, Config::default()),
    )
}

fn close_initiated_by(initiator: Role) {
    let (mut c, mut s) = pair();
    let (a, b) = if initiator == Role::Client {
        (&mut c, &mut s)
    } else {
        (&mut s, &mut c)
    };
    a.close(CloseCode::new(4000), "bye").unwrap();
    assert_eq!(a.state(), State::Closing);
    assert!(a.is_awaiting_close());
    let wire = drain_output(a);
    // The other side sees the Close and answers it by itself, echoing the code.
    assert_eq!(
        feed_messages(b, &wire, &[]).unwrap(),
        [Seen::Close(Some((4000, "bye".into())))]
    );
    assert_eq!(b.state(), State::Closed);
    assert!(b.send_text("late").is_err());
    let reply = drain_output(b);
    assert_eq!(
        feed_messages(a, &reply, &[]).unwrap(),
        [Seen::Close(Some((4000, String::new())))]
    );
    assert_eq!(a.state(), State::Closed);
    assert!(!a.is_awaiting_close());
    // §7.1.1 / §5.5.1: the server closes the TCP connection first; the client waits for it.
    assert!(s.wants_transport_close());
    assert!(!c.wants_transport_close());
    c.receive_eof();
    assert!(
        matches!(c.poll_event(), Ok(None)),
        "EOF after the handshake is clean"
    );
    assert!(c.wants_transport_close());
}

#[test]
fn client_initiated_close() {
    close_initiated_by(Role::Client);
}

#[test]
fn server_initiated_close() {
    close_initiated_by(Role::Server);
}

#[test]
fn close_without_code_is_answered_without_code() {
    let (mut c, mut s) = pair();
    assert_eq!(
        feed_messages(&mut c, &[0x88, 0x00], &[]).unwrap(),
        [Seen::Close(None)]
    );
    let reply = drain_output(&mut c);
    assert_eq!(
        feed_messages(&mut s, &reply, &[]).unwrap(),
        [Seen::Close(None)]
    );
}

#[test]
fn simultaneous_close() {
    let (mut c, mut s) = pair();
    c.close(CloseCode::NORMAL, "").unwrap();
    s.close(CloseCode::GOING_AWAY, "").unwrap();
    let (cw, sw) = (drain_output(&mut c), drain_output(&mut s));
    assert_eq!(
        feed_messages(&mut c, &sw, &[]).unwrap(),
        [Seen::Close(Some((1001, String::new())))]
    );
    assert_eq!(
        feed_messages(&mut s, &cw, &[]).unwrap(),
        [Seen::Close(Some((1000, String::new())))]
    );
    assert!(
        drain_output(&mut c).is_empty() && drain_output(&mut s).is_empty(),
        "no second Close"
    );
    assert_eq!((c.state(), s.state()), (State::Closed, State::Closed));
}

#[test]
fn data_still_delivered_while_closing_and_ignored_after_close() {
    let (mut c, mut s) = pair();
    s.close(CloseCode::NORMAL, "").unwrap();
    let _ = drain_output(&mut s);
    c.send_text("in flight").unwrap();
    c.close(CloseCode::NORMAL, "").unwrap();
    c.send_binary(b"after close").unwrap_err();
    let wire = drain_output(&mut c);
    let seen = feed_messages(&mut s, &wire, &[]).unwrap();
    assert_eq!(
        seen,
        [
            Seen::Text("in flight".into()),
            Seen::Close(Some((1000, String::new())))
        ]
    );
    // Anything after the peer's Close is discarded.
    let mut c2 = Connection::new(Role::Client, Config::default());
    c2.send_text("x").unwrap();
    s.receive(&drain_output(&mut c2));
    assert!(matches!(s.poll_message(), Ok(None)));
}

#[test]
fn ping_is_answered_with_pong_carrying_its_payload() {
    let (mut c, mut s) = pair();
    c.send_ping(b"are you there").unwrap();
    let wire = drain_output(&mut c);
    assert_eq!(
        feed_messages(&mut s, &wire, &[]).unwrap(),
        [Seen::Ping(b"are you there".to_vec())]
    );
    let pong = drain_output(&mut s);
    assert_eq!(
        feed_messages(&mut c, &pong, &[]).unwrap(),
        [Seen::Pong(b"are you there".to_vec())]
    );
}

#[test]
fn only_the_latest_ping_is_answered_when_output_is_not_drained() {
    let (mut c, mut s) = pair();
    for i in 0..1000u32 {
        c.send_ping(&i.to_be_bytes()).unwrap();
    }
    let wire = drain_output(&mut c);
    let seen = feed_messages(&mut s, &wire, &[wire.len()]).unwrap();
    assert_eq!(seen.len(), 1000);
    let pongs = feed_messages(&mut c, &drain_output(&mut s), &[]).unwrap();
    assert_eq!(pongs, [Seen::Pong(999u32.to_be_bytes().to_vec())]);
}

#[test]
fn pong_waits_behind_unwritten_output_and_bounds_the_queue() {
    let (mut c, mut s) = pair();
    s.send_binary(&[7; 1000]).unwrap();
    let queued = s.poll_output().len();
    for _ in 0..10_000 {
        c.send_ping(b"flood").unwrap();
        s.receive(&drain_output(&mut c));
        while s.poll_event().unwrap().is_some() {}
        // The server never writes: its queue must not grow with the flood.
        assert_eq!(s.poll_output().len(), queued);
    }
    let n = s.poll_output().len();
    s.advance_output(n).unwrap();
    assert!(s.wants_write(), "one Pong still pending");
    let seen = feed_messages(&mut c, &drain_output(&mut s), &[]).unwrap();
    assert_eq!(seen, [Seen::Pong(b"flood".to_vec())]);
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut c = Connection::new(Role::Client, Config::default().auto_pong(false));
    c.receive(&[0x89, 0x01, b'x']);
    assert!(matches!(c.poll_event(), Ok(Some(Event::Ping(b"x")))));
    assert!(c.poll_output().is_empty());
    c.send_pong(b"x").unwrap();
    assert_eq!(c.poll_output().len(), 2 + 4 + 1);
}

#[test]
fn close_interleaves_with_a_streamed_message() {
    let (mut c, mut s) = pair();
    c.send_fragment(rfc6455::MessageKind::Binary, b"part", false)
        .unwrap();
    c.send_ping(b"p").unwrap();
    c.close(CloseCode::NORMAL, "").unwrap();
    let seen = feed_messages(&mut s, &drain_output(&mut c), &[]).unwrap();
    assert_eq!(
        seen,
        [
            Seen::Ping(b"p".to_vec()),
            Seen::Close(Some((1000, String::new())))
        ]
    );
}

/// §5.5.2: a Ping is answered "unless it already received a Close frame" — our
/// own Close does not end that duty, the peer's does.
#[test]
fn ping_after_our_close_is_still_answered_until_the_peers_close() {
    let (mut c, mut s) = pair();
    s.close(CloseCode::NORMAL, "").unwrap();
    let s_close = drain_output(&mut s);
    // The client's Ping crosses the server's Close on the wire.
    c.send_ping(b"still there?").unwrap();
    let ping = drain_output(&mut c);
    assert_eq!(
        feed_messages(&mut s, &ping, &[]).unwrap(),
        [Seen::Ping(b"still there?".to_vec())]
    );
    assert_eq!(s.state(), State::Closing);
    // The Pong follows our Close on the wire (the peer may already have stopped reading).
    let pong = drain_output(&mut s);
    assert_eq!(pong, [&[0x8a, 12][..], b"still there?"].concat());
    assert_eq!(
        feed_messages(&mut c, &s_close, &[]).unwrap(),
        [Seen::Close(Some((1000, String::new())))]
    );
    // Once the peer's Close has arrived, a Ping behind it is neither seen nor answered.
    let mut c = Connection::new(Role::Client, Config::default());
    let mut s = Connection::new(Role::Server, Config::default());
    s.close(CloseCode::NORMAL, "").unwrap();
    let _ = drain_output(&mut s);
    c.close(CloseCode::NORMAL, "").unwrap();
    let wire = drain_output(&mut c);
    s.receive(&wire);
    assert!(matches!(s.poll_event(), Ok(Some(Event::Close(_)))));
    assert_eq!(s.state(), State::Closed);
    assert!(s.send_pong(b"late").is_err());
    assert!(drain_output(&mut s).is_empty());
}

#[test]
fn pong_pending_when_the_peers_close_arrives_after_ours_is_dropped() {
    let (mut c, mut s) = pair();
    s.close(CloseCode::NORMAL, "").unwrap();
    let _ = drain_output(&mut s);
    c.send_ping(b"p").unwrap();
    c.close(CloseCode::NORMAL, "").unwrap();
    let wire = drain_output(&mut c);
    // Ping and Close arrive in one read: the Close ends the duty to answer.
    let seen = feed_messages(&mut s, &wire, &[]).unwrap();
    assert_eq!(
        seen,
        [
            Seen::Ping(b"p".to_vec()),
            Seen::Close(Some((1000, String::new())))
        ]
    );
    assert!(!s.wants_write());
    assert!(s.wants_transport_close());
}

#[test]
fn send_pong_allowed_after_our_close_refused_after_the_peers() {
    let mut s = Connection::new(Role::Server, Config::default().auto_pong(false));
    s.close(CloseCode::NORMAL, "").unwrap();
    let close_len = drain_output(&mut s).len();
    assert_eq!(close_len, 4);
    s.receive(&[0x89, 0x81, 1, 2, 3, 4, b'x' ^ 1]);
    assert!(matches!(s.poll_event(), Ok(Some(Event::Ping(b"x")))));
    assert!(s.poll_output().is_empty(), "auto_pong is off");
    s.send_pong(b"x").unwrap();
    assert_eq!(drain_output(&mut s), [0x8a, 0x01, b'x']);
    // Data and Pings stay refused while closing.
    assert!(s.send_text("no").is_err());
    // The peer's Close ends it.
    s.receive(&[0x88, 0x80, 1, 2, 3, 4]);
    assert!(matches!(s.poll_event(), Ok(Some(Event::Close(None)))));
    assert!(s.send_pong(b"x").is_err());
    assert!(drain_output(&mut s).is_empty());
}
