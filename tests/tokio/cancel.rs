//! The cancellation property of `read` (issue #15): a read dropped at any
//! await point loses no bytes and leaves the connection usable.
//!
//! A sans-IO client [`Connection`] produces the frames of a random sequence of
//! messages (fragmented data, Pings inside fragmented messages, Pings, Pongs,
//! then a Close). A server [`WebSocket`] reads them over [`Chaos`], an
//! in-memory stream whose reads return random sizes (one byte to 4 KiB) or
//! `Pending`, and whose writes (the Pongs, the Close reply) take random
//! prefixes or are `Pending`. The reader, a whole socket or the read half of
//! a split one, uses `read`, `read_with` and the `Stream` impl at random,
//! polls each future a random number of times, and drops it if it is not
//! done: a cancellation at whatever await point it reached. The messages must arrive exactly as sent, in order, all input
//! must be consumed, and the client must get the Close reply.
//!
//! Polled by hand with a no-op waker (no runtime, no timers: keepalive and
//! the write timeout are off), so every schedule is reproducible from the seed.
//!
//! Checked against the bugs it guards. With `read` rewritten to read into a
//! local buffer, await, then hand the bytes to the connection, the property
//! fails at once (minimal case: no messages at all, seed 0; the Close frame
//! itself is torn). With `read` rewritten to take a message from the
//! connection and then await the flush of its answer (the message held in
//! the future), it fails too: a Ping or the Close is lost when the read is
//! dropped during that flush. The timer test below catches the first bug
//! only on some runs; the property is the proof.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_util::StreamExt;
use proptest::prelude::*;
use rfc6455::{Connection, MessageKind, Role};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::support::*;

/// xorshift64*: the schedule of reads, writes and cancellations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The reader's stream: delivers `input` in random pieces with random
/// `Pending`s (then EOF), and takes writes in random prefixes with random
/// `Pending`s.
struct Chaos {
    input: Vec<u8>,
    pos: usize,
    output: Vec<u8>,
    rng: Rng,
}

impl AsyncRead for Chaos {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.rng.below(3) == 0 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let max = if this.rng.below(4) == 0 { 4096 } else { 16 };
        let n = (1 + this.rng.below(max) as usize)
            .min(this.input.len() - this.pos)
            .min(buf.remaining());
        buf.put_slice(&this.input[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Chaos {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.rng.below(3) == 0 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = (1 + this.rng.below(64) as usize).min(data.len());
        this.output.extend_from_slice(&data[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.rng.below(4) == 0 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// A data message, sent as fragments of these sizes (empty: one frame),
    /// with a Ping after its first fragment if `ping_inside`.
    Data {
        kind: MessageKind,
        data: Vec<u8>,
        fragments: Vec<usize>,
        ping_inside: bool,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    let size = prop_oneof![Just(0usize), Just(125), Just(126), Just(65536), 0usize..300];
    prop_oneof![
        4 => (
            any::<bool>(),
            size,
            any::<u8>(),
            proptest::collection::vec(1usize..3000, 0..4),
            any::<bool>(),
        )
            .prop_map(|(text, len, seed, fragments, ping_inside)| {
                let data: Vec<u8> = if text {
                    (0..len)
                        .map(|i| ['a', 'é', '€', '🎉'][(i + seed as usize) % 4])
                        .collect::<String>()
                        .into_bytes()
                } else {
                    pattern(len, seed)
                };
                let kind = if text { MessageKind::Text } else { MessageKind::Binary };
                Op::Data { kind, data, fragments, ping_inside }
            }),
        1 => proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Op::Ping),
        1 => proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Op::Pong),
    ]
}

/// The client's bytes for `ops` then a Close 4000, the client (to check the
/// replies with), and the messages the server must read, in order.
fn script(ops: &[Op]) -> (Connection, Vec<u8>, Vec<Message<'static>>) {
    let mut client = Connection::new(Role::Client, Config::default());
    let mut expected = Vec::new();
    for op in ops {
        match op {
            Op::Data {
                kind,
                data,
                fragments,
                ping_inside,
            } => {
                let mut cuts = Vec::new();
                let mut at = 0;
                for &f in fragments {
                    if at + f < data.len() {
                        at += f;
                        cuts.push(at);
                    }
                }
                // Cuts may fall inside a UTF-8 character: Text is validated
                // across fragments, as a whole message.
                let mut start = 0;
                for (i, &end) in cuts.iter().chain([&data.len()]).enumerate() {
                    let last = end == data.len();
                    client
                        .send_fragment(*kind, &data[start..end], last)
                        .unwrap();
                    if i == 0 && *ping_inside && !last {
                        client.send_ping(b"inside").unwrap();
                        expected.push(Message::Ping(b"inside".to_vec().into()));
                    }
                    start = end;
                }
                expected.push(match kind {
                    MessageKind::Text => Message::text(String::from_utf8(data.clone()).unwrap()),
                    MessageKind::Binary => Message::binary(data.clone()),
                });
            }
            Op::Ping(p) => {
                client.send_ping(p).unwrap();
                expected.push(Message::Ping(p.clone().into()));
            }
            Op::Pong(p) => {
                client.send_pong(p).unwrap();
                expected.push(Message::Pong(p.clone().into()));
            }
        }
    }
    client.close(CloseCode::new(4000), "done").unwrap();
    expected.push(Message::Close(Some(rfc6455::CloseFrame {
        code: CloseCode::new(4000),
        reason: "done".into(),
    })));
    let bytes = client.poll_output().to_vec();
    let n = bytes.len();
    client.advance_output(n).unwrap();
    (client, bytes, expected)
}

/// The socket under test, whole or split (the read half reads; the write
/// half only flushes at the end).
enum Reader {
    Whole(Box<WebSocket<Chaos>>),
    Split(ws::ReadHalf<Chaos>, ws::WriteHalf<Chaos>),
}

type ReadFuture<'a> = Pin<Box<dyn Future<Output = Result<Message<'static>, Error>> + 'a>>;

impl Reader {
    /// A read by one of the three ways to read, chosen by `method`.
    fn read(&mut self, method: u64) -> ReadFuture<'_> {
        match (self, method) {
            (Self::Whole(ws), 0) => Box::pin(ws.read()),
            (Self::Whole(ws), 1) => Box::pin(ws.read_with(|m, _| m.into_owned())),
            (Self::Whole(ws), _) => {
                Box::pin(async { ws.next().await.unwrap_or(Err(Error::Closed)) })
            }
            (Self::Split(r, _), 0) => Box::pin(r.read()),
            (Self::Split(r, _), 1) => Box::pin(r.read_with(|m, _| m.into_owned())),
            (Self::Split(r, _), _) => {
                Box::pin(async { r.next().await.unwrap_or(Err(Error::Closed)) })
            }
        }
    }
}

/// Polls `future` until it is ready (the streams wake at once, so this ends).
fn finish<T>(mut future: Pin<Box<dyn Future<Output = T> + '_>>, cx: &mut Context<'_>) -> T {
    for _ in 0..100_000 {
        if let Poll::Ready(r) = future.as_mut().poll(cx) {
            return r;
        }
    }
    panic!("a future that should finish never does");
}

/// Reads everything, cancelling reads at random; returns what arrived and
/// what the server wrote, with how much input it consumed.
fn read_with_cancellations(
    input: Vec<u8>,
    seed: u64,
    max_polls: u64,
    split: bool,
) -> (Vec<Message<'static>>, Vec<u8>, usize) {
    let chaos = Chaos {
        input,
        pos: 0,
        output: Vec::new(),
        rng: Rng(seed | 1),
    };
    let conn = Connection::new(Role::Server, Config::default());
    let ws = WebSocket::from_connection(chaos, conn);
    let mut reader = if split {
        let (r, w) = ws.into_split();
        Reader::Split(r, w)
    } else {
        Reader::Whole(Box::new(ws))
    };
    let mut rng = Rng(seed.rotate_left(17) | 1);
    let mut cx = Context::from_waker(Waker::noop());
    let mut got = Vec::new();
    let mut since_progress = 0u64;
    loop {
        since_progress += 1;
        assert!(
            since_progress < 100_000,
            "no progress after {} messages",
            got.len()
        );
        let polls = 1 + rng.below(max_polls);
        let ready = {
            let mut read = reader.read(rng.below(3));
            let mut ready = None;
            for _ in 0..polls {
                if let Poll::Ready(r) = read.as_mut().poll(&mut cx) {
                    ready = Some(r);
                    break;
                }
            }
            ready
            // Not ready: the future is dropped here, cancelled mid-read.
        };
        match ready {
            None => {}
            Some(Ok(message)) => {
                since_progress = 0;
                let closed = matches!(message, Message::Close(_));
                got.push(message);
                if closed {
                    break;
                }
            }
            Some(Err(e)) => panic!("read failed after {} messages: {e:?}", got.len()),
        }
    }
    // The connection is still consistent: the next read says Closed.
    let closed = finish(reader.read(0), &mut cx);
    assert!(matches!(closed, Err(Error::Closed)), "{closed:?}");
    let chaos = match reader {
        Reader::Whole(ws) => ws.into_parts().0,
        Reader::Split(r, w) => {
            // A split reader leaves answers to the writer when the stream is
            // full: flush what is left, then put the stream back together.
            finish(Box::pin(w.flush()), &mut cx).unwrap();
            let Ok(ws) = r.reunite(w) else {
                panic!("the halves of one socket");
            };
            ws.into_parts().0
        }
    };
    (got, chaos.output, chaos.pos)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn cancelled_reads_lose_nothing(
        ops in proptest::collection::vec(op(), 0..10),
        seed in any::<u64>(),
        max_polls in 1u64..6,
        split in any::<bool>(),
    ) {
        let (mut client, input, expected) = script(&ops);
        let total = input.len();
        let (got, output, consumed) = read_with_cancellations(input, seed, max_polls, split);
        prop_assert_eq!(consumed, total, "all input consumed");
        prop_assert_eq!(&got, &expected);
        // The Close reply (after any Pongs) reached the client.
        client.receive(&output);
        let mut replies = Vec::new();
        while let Some(m) = client.poll_message().unwrap() {
            replies.push(m.into_owned());
        }
        prop_assert!(
            matches!(replies.last(), Some(Message::Close(Some(f))) if f.code == CloseCode::new(4000)),
            "{:?}", replies
        );
        prop_assert!(replies[..replies.len() - 1].iter().all(|m| matches!(m, Message::Pong(_))));
    }
}

/// The same on a real runtime, as users write it: every read races a short
/// timer in `select!` or runs under `tokio::time::timeout`, many lose, and
/// nothing goes missing.
#[tokio::test]
async fn reads_raced_against_timers_lose_nothing() {
    let ops: Vec<Op> = (0..200)
        .map(|i| Op::Data {
            kind: MessageKind::Binary,
            data: pattern(i * 97 % 5000, i as u8),
            fragments: vec![i % 7 * 300 + 1, 1000],
            ping_inside: i % 3 == 0,
        })
        .collect();
    let (_, input, expected) = script(&ops);
    let (reader, mut writer) = tokio::io::duplex(512);
    let feeder = tokio::spawn(async move {
        // Trickle the bytes in small pieces, with pauses.
        for (i, piece) in input.chunks(97).enumerate() {
            writer.write_all(piece).await.unwrap();
            if i % 5 == 0 {
                tokio::time::sleep(Duration::from_micros(300)).await;
            }
        }
        // Drain what the server writes (Pongs, the Close reply) until it is done.
        let mut sink = Vec::new();
        let _ = writer.read_to_end(&mut sink).await;
    });
    let mut ws =
        WebSocket::from_connection(reader, Connection::new(Role::Server, Config::default()));
    let mut got = Vec::new();
    let mut cancelled = 0;
    bounded(async {
        loop {
            let message = tokio::select! {
                r = ws.read() => r.unwrap(),
                _ = tokio::time::sleep(Duration::from_micros(50)) => {
                    cancelled += 1;
                    continue;
                }
            };
            let closed = matches!(message, Message::Close(_));
            got.push(message);
            if closed {
                break;
            }
            // And under `timeout`, dropped when it expires.
            if let Ok(r) = tokio::time::timeout(Duration::from_micros(10), ws.read()).await {
                let message = r.unwrap();
                let closed = matches!(message, Message::Close(_));
                got.push(message);
                if closed {
                    break;
                }
            } else {
                cancelled += 1;
            }
        }
    })
    .await;
    assert_eq!(got, expected);
    assert!(
        cancelled > 0,
        "no read was cancelled; the test proves nothing"
    );
    drop(ws);
    feeder.await.unwrap();
}
