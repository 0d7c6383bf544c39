#!/usr/bin/env python3
"""permessage-deflate interop: python `websockets` client against an echo server (ours).

    .peers/venv/bin/python tests/peers/deflate_py_client.py ws://127.0.0.1:9011/
        [--offer default|SPEC] [--expect deflate[,name=value...]] [--server-compresses yes|no]
        [--timeout SECONDS]

--offer: `default` is websockets' own offer (compression="deflate"); SPEC is a
  comma-separated list for ClientPerMessageDeflateFactory, e.g.
  `server_no_context_takeover,client_no_context_takeover,server_max_window_bits=9,client_max_window_bits=9`.
--expect: the server must accept permessage-deflate, with these parameters
  (server_no_context_takeover=true, server_max_window_bits=9, ... as the client
  sees them after the handshake).
--server-compresses no: the server must send every message uncompressed (for a server
  configured with a threshold above the sizes sent); default yes.

Prints the offer, the server's Sec-WebSocket-Extensions answer and the agreed
parameters, then PASS/FAIL per scenario and 'N passed, M failed'; exit 1 on any
failure. Counts the compressed frames both ways (RSV1 and compressed sizes), so
a scenario fails if compression was agreed but not used.
"""
import argparse
import asyncio
import os
import random
import sys
import time

from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, PerMessageDeflate
from websockets.frames import Opcode

MiB = 1024 * 1024
SIZES = [0, 1, 2, 5, 125, 126, 127, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097,
         16384, 65535, 65536, 65537, 100000, 262144, MiB]
PHRASE = "permessage-deflate κόσμε 🎉 rfc6455 — the same words again and again. "


def exact_text(s, n):
    """s cut to at most n UTF-8 bytes at a character boundary, padded to exactly n."""
    b = s.encode()[:n].decode("utf-8", "ignore")
    return b + "." * (n - len(b.encode()))


def text_random(n, rnd):
    ranges = [(0x20, 0x7e), (0xa0, 0x7ff), (0x800, 0xd7ff), (0x10000, 0x10ffff)]
    out, size = [], 0
    while size < n:
        lo, hi = ranges[rnd.randrange(4)]
        c = chr(rnd.randint(lo, hi))
        out.append(c)
        size += len(c.encode())
    return exact_text("".join(out), n)


def payload(kind, n, seed=1):
    rnd = random.Random(seed * 1000003 + n)
    if kind == "text_compressible":
        return exact_text(PHRASE * (n // 10 + 1), n)
    if kind == "text_random":
        return text_random(n, rnd)
    if kind == "binary_compressible":
        return bytes((((i % 61) * 7) ^ (i >> 12)) & 0xff for i in range(n))
    return os.urandom(n)


KINDS = ["text_compressible", "text_random", "binary_compressible", "binary_random"]


def parse_offer(spec):
    if spec in ("", "default"):
        return {"compression": "deflate"}
    kw = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, value = item.partition("=")
        if name in ("server_no_context_takeover", "client_no_context_takeover"):
            kw[name] = True
        elif name in ("server_max_window_bits", "client_max_window_bits"):
            kw[name] = int(value) if value else True
        else:
            raise SystemExit("unknown --offer setting %r" % item)
    kw.setdefault("compress_settings", {"memLevel": 5})
    return {"compression": None, "extensions": [ClientPerMessageDeflateFactory(**kw)]}


class Counter:
    """Wraps the connection's PerMessageDeflate: counts what goes over the wire compressed."""

    def __init__(self, ext):
        self.msgs_in = self.compressed_in = self.wire_in = self.plain_in = 0
        self.msgs_out = self.compressed_out = self.wire_out = self.plain_out = 0
        decode, encode = ext.decode, ext.encode

        def counting_decode(frame, *, max_size=None):
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                self.msgs_in += 1
                self.compressed_in += frame.rsv1
            out = decode(frame, max_size=max_size)
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self.wire_in += len(frame.data)
                self.plain_in += len(out.data)
            return out

        def counting_encode(frame):
            out = encode(frame)
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                self.msgs_out += 1
                self.compressed_out += out.rsv1
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self.wire_out += len(out.data)
                self.plain_out += len(frame.data)
            return out

        ext.decode, ext.encode = counting_decode, counting_encode

    def reset(self):
        for k in list(vars(self)):
            if isinstance(getattr(self, k), int):
                setattr(self, k, 0)

    def note(self):
        return ("in: %d/%d msgs compressed, %d B on the wire for %d B; out: %d/%d compressed, %d B for %d B"
                % (self.compressed_in, self.msgs_in, self.wire_in, self.plain_in,
                   self.compressed_out, self.msgs_out, self.wire_out, self.plain_out))


class Session:
    def __init__(self, url, offer):
        self.url, self.offer = url, offer

    async def open(self):
        ws = await connect(self.url, max_size=64 * MiB, ping_interval=None, open_timeout=10,
                           close_timeout=10, **self.offer)
        exts = [e for e in ws.protocol.extensions if isinstance(e, PerMessageDeflate)]
        counter = Counter(exts[0]) if exts else None
        return ws, (exts[0] if exts else None), counter


async def echo(ws, data):
    await ws.send(data)
    got = await ws.recv()
    if type(got) is not type(data):
        raise AssertionError("sent %s of %d, got %s" % (type(data).__name__, len(data), type(got).__name__))
    if got != data:
        raise AssertionError("echo of %d differs (got %d)" % (len(data), len(got)))


SERVER_COMPRESSES = True


def check_compressed(counter, compressible):
    """Compression both ways: the server compresses every message (our default threshold is 0)."""
    if counter is None:
        raise AssertionError("permessage-deflate not in use")
    if counter.compressed_out == 0:
        raise AssertionError("we compressed nothing: " + counter.note())
    if compressible and counter.wire_out * 4 > counter.plain_out:
        raise AssertionError("compressible data we sent did not shrink: " + counter.note())
    if not SERVER_COMPRESSES:
        if counter.compressed_in:
            raise AssertionError("the server compressed, expected it not to: " + counter.note())
        return
    if counter.compressed_in != counter.msgs_in:
        raise AssertionError("the server left messages uncompressed: " + counter.note())
    if compressible and counter.wire_in * 4 > counter.plain_in:
        raise AssertionError("compressible data the server sent did not shrink: " + counter.note())


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--offer", default="default")
    ap.add_argument("--expect", default="deflate")
    ap.add_argument("--server-compresses", choices=["yes", "no"], default="yes")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    global SERVER_COMPRESSES
    SERVER_COMPRESSES = args.server_compresses == "yes"
    s = Session(args.url, parse_offer(args.offer))
    passed = failed = 0

    async def run(name, fn):
        nonlocal passed, failed
        t0 = time.monotonic()
        try:
            note = await asyncio.wait_for(fn(), args.timeout)
            passed += 1
            print("PASS %-30s %6.0f ms %s" % (name, (time.monotonic() - t0) * 1000, note or ""), flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %-30s %6.0f ms %s: %s" % (name, (time.monotonic() - t0) * 1000, type(e).__name__, e),
                  flush=True)

    ws = ext = counter = None

    async def negotiated():
        nonlocal ws, ext, counter
        ws, ext, counter = await s.open()
        offered = ws.request.headers.get("Sec-WebSocket-Extensions")
        answered = ws.response.headers.get("Sec-WebSocket-Extensions")
        print("offered:  Sec-WebSocket-Extensions: %s" % offered, flush=True)
        print("answered: Sec-WebSocket-Extensions: %s" % answered, flush=True)
        print("negotiated: %r" % (ext,), flush=True)
        if ext is None or not answered or "permessage-deflate" not in answered:
            raise AssertionError("permessage-deflate not agreed (answer %r)" % answered)
        seen = {
            "server_no_context_takeover": str(ext.remote_no_context_takeover).lower(),
            "client_no_context_takeover": str(ext.local_no_context_takeover).lower(),
            "server_max_window_bits": str(ext.remote_max_window_bits),
            "client_max_window_bits": str(ext.local_max_window_bits),
        }
        items = [i.strip() for i in args.expect.split(",") if i.strip()]
        if not items or items[0] != "deflate":
            raise AssertionError("--expect must start with 'deflate'")
        for item in items[1:]:
            name, _, want = item.partition("=")
            if seen.get(name) != want:
                raise AssertionError("%s=%s, expected %s" % (name, seen.get(name), want))
        return "agreed as expected (%s)" % args.expect

    await run("negotiated", negotiated)
    if ws is None or ext is None:
        print("%d passed, %d failed" % (passed, failed + 1))
        return 1

    for kind in KINDS:
        async def sizes(kind=kind):
            counter.reset()
            for n in SIZES:
                await echo(ws, payload(kind, n))
            check_compressed(counter, kind.endswith("compressible"))
            return "%d sizes 0..%d B; %s" % (len(SIZES), MiB, counter.note())
        await run("echo_" + kind, sizes)

    async def fragmented():
        counter.reset()
        texts = ["frag", "", "mented ", payload("text_compressible", 100000, 2),
                 payload("text_random", 50000, 3), "κόσμε", ""]
        await ws.send(iter(texts))
        await echo_expect(ws, "".join(texts))
        rnd = payload("binary_random", MiB)
        parts = [rnd[i * MiB // 16:(i + 1) * MiB // 16] for i in range(16)]
        await ws.send(iter(parts))
        await echo_expect(ws, rnd)
        packed = payload("binary_compressible", MiB, 4)
        parts = [b"", packed[:1], packed[1:65536], b"", packed[65536:500000], packed[500000:]]
        await ws.send(iter(parts))
        await echo_expect(ws, packed)
        check_compressed(counter, False)
        return "text in 7 fragments, 1 MiB random in 16, 1 MiB compressible in 6 (2 empty); " + counter.note()
    await run("fragmented_sends", fragmented)

    async def pings_between_fragments():
        counter.reset()
        packed = payload("text_compressible", 200000, 5)
        cuts = [0, 10, 5000, 5000, 120000, 200000]

        async def parts():
            for a, b in zip(cuts, cuts[1:]):
                yield packed[a:b]
                pong = await ws.ping(b"between fragments")
                await asyncio.wait_for(pong, 10)
        await ws.send(parts())
        await echo_expect(ws, packed)
        check_compressed(counter, True)
        return "5 fragments, a ping answered after each; " + counter.note()
    await run("pings_between_fragments", pings_between_fragments)

    async def pipelined():
        want = [payload(KINDS[i % 4], (i * 37) % 700, i) for i in range(500)]

        async def sender():
            for m in want:
                await ws.send(m)
        task = asyncio.create_task(sender())
        for i, m in enumerate(want):
            got = await ws.recv()
            if got != m:
                raise AssertionError("message %d out of order or wrong" % i)
        await task
        return "500 messages of 0..700 B, all four kinds, in order"
    await run("pipelined_500", pipelined)

    async def close():
        await ws.close(1000)
        rcvd = ws.protocol.close_rcvd
        if rcvd is None or rcvd.code != 1000:
            raise AssertionError("server answered close with %r" % (rcvd,))
        return "clean close 1000"
    await run("close_1000", close)

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


async def echo_expect(ws, want):
    got = await ws.recv()
    if type(got) is not type(want) or got != want:
        raise AssertionError("echo of %d differs (got %s of %d)" % (len(want), type(got).__name__, len(got)))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
