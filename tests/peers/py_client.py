#!/usr/bin/env python3
"""Interop client (python `websockets`) against an echo server (ours: examples/echo_server).

    .peers/venv/bin/python tests/peers/py_client.py ws://127.0.0.1:9001/ [--expect-subprotocol chat|none]
        [--expect-deflate yes|no] [--only NAME[,NAME...]] [--timeout SECONDS]

--expect-deflate: whether the server accepts the permessage-deflate offer (scenario
permessage_deflate; default yes, as our echo server does). Every other scenario runs
with websockets' default offer too, so with a server that accepts it they all run
compressed; tests/peers/deflate_py_client.py checks compression itself in depth.

Each scenario uses its own connection and prints PASS/FAIL; the last line is
'N passed, M failed'; exit status 1 on any failure.
"""
import argparse
import asyncio
import os
import sys
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

MiB = 1024 * 1024
MAX = 32 * MiB
UTF8_TEXT = "héllo wörld – κόσμε – 日本語 – 🚀✓ \u0000 end"


def rnd(n):
    return os.urandom(n)


async def conn(url, **kw):
    kw.setdefault("max_size", MAX)
    kw.setdefault("ping_interval", None)
    kw.setdefault("open_timeout", 10)
    kw.setdefault("close_timeout", 10)
    return await connect(url, **kw)


async def echo_one(url, payload):
    async with await conn(url) as ws:
        await ws.send(payload)
        got = await ws.recv()
        if type(got) is not type(payload):
            raise AssertionError("sent %s, got %s back" % (type(payload).__name__, type(got).__name__))
        if got != payload:
            raise AssertionError("echo differs (sent %d, got %d %s)" % (
                len(payload), len(got), "chars" if isinstance(got, str) else "bytes"))


async def burst(url, n=1000):
    async with await conn(url) as ws:
        async def sender():
            for i in range(n):
                await ws.send("msg-%d" % i if i % 2 == 0 else ("bin-%d" % i).encode())
        task = asyncio.create_task(sender())
        for i in range(n):
            want = "msg-%d" % i if i % 2 == 0 else ("bin-%d" % i).encode()
            got = await ws.recv()
            if got != want:
                raise AssertionError("message %d out of order or wrong: %r != %r" % (i, got, want))
        await task


async def ping_pong(url):
    async with await conn(url) as ws:
        waiter = await ws.ping(b"ping-payload")
        latency = await asyncio.wait_for(waiter, 10)
        await ws.send("after-ping")
        if await ws.recv() != "after-ping":
            raise AssertionError("echo after ping failed")
        return "pong in %.1f ms" % (latency * 1000)


async def close_by_client(url):
    ws = await conn(url)
    await ws.send("before-close")
    await ws.recv()
    await ws.close(4001, "client bye ✓")
    rcvd = ws.protocol.close_rcvd
    if rcvd is None:
        raise AssertionError("no close frame received from the server")
    if rcvd.code not in (4001, 1000):
        raise AssertionError("server answered close with code %d %r" % (rcvd.code, rcvd.reason))
    return "server echoed close %d %r" % (rcvd.code, rcvd.reason)


async def subprotocol(url, expect):
    async with await conn(url, subprotocols=["chat", "superchat"]) as ws:
        if ws.subprotocol != expect:
            raise AssertionError("negotiated subprotocol %r, expected %r" % (ws.subprotocol, expect))
        await ws.send("sp")
        if await ws.recv() != "sp":
            raise AssertionError("echo failed")
        return "subprotocol=%r" % ws.subprotocol


async def permessage_deflate(url, expect):
    async with await conn(url, compression="deflate") as ws:
        offered = ws.request.headers.get("Sec-WebSocket-Extensions")
        if not offered or "permessage-deflate" not in offered:
            raise AssertionError("client did not offer permessage-deflate (%r)" % offered)
        answered = ws.response.headers.get("Sec-WebSocket-Extensions")
        if expect and (not answered or not answered.startswith("permessage-deflate") or not ws.protocol.extensions):
            raise AssertionError("server declined permessage-deflate (answered %r)" % answered)
        if not expect and (answered is not None or ws.protocol.extensions):
            raise AssertionError("server accepted extension %r" % answered)
        await ws.send("x" * 1000)
        if await ws.recv() != "x" * 1000:
            raise AssertionError("echo failed")
        return "offered %r, %s" % (offered, "answered %r" % answered if answered else "none accepted")


async def fragmented(url):
    async with await conn(url) as ws:
        await ws.send(iter(["frag", "mented ", "κόσμε", ""]))
        if await ws.recv() != "fragmented κόσμε":
            raise AssertionError("fragmented text echo differs")
        parts = [rnd(1000), rnd(0), rnd(70000)]
        await ws.send(iter(parts))
        if await ws.recv() != b"".join(parts):
            raise AssertionError("fragmented binary echo differs")
        return "text in 4 fragments, binary in 3"


async def close_by_server(base):
    url = base.rstrip("/") + "/close-from-server"
    ws = await conn(url)
    await ws.send("first")
    if await ws.recv() != "first":
        raise AssertionError("echo before close failed")
    try:
        await asyncio.wait_for(ws.recv(), 10)
        raise AssertionError("expected the server to close")
    except ConnectionClosed as e:
        if e.rcvd is None or e.rcvd.code != 4000 or e.rcvd.reason != "bye":
            raise AssertionError("server closed with %r" % (e.rcvd,))
    return "server closed with 4000 'bye'"


def scenarios(url, expect_sp, expect_deflate):
    s = [
        ("text_utf8", lambda: echo_one(url, UTF8_TEXT)),
        ("text_empty", lambda: echo_one(url, "")),
        ("binary_empty", lambda: echo_one(url, b"")),
    ]
    for n in (125, 126, 65535, 65536, 1 * MiB, 16 * MiB):
        s.append(("binary_%d" % n, lambda n=n: echo_one(url, rnd(n))))
    s += [
        ("burst_1000_in_order", lambda: burst(url)),
        ("fragmented_messages", lambda: fragmented(url)),
        ("ping_pong", lambda: ping_pong(url)),
        ("close_by_client_code_reason", lambda: close_by_client(url)),
        ("close_by_server_code_reason", lambda: close_by_server(url)),
        ("subprotocol_chat_superchat", lambda: subprotocol(url, expect_sp)),
        ("permessage_deflate", lambda: permessage_deflate(url, expect_deflate)),
    ]
    return s


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--expect-subprotocol", default=os.environ.get("PEER_EXPECT_SUBPROTOCOL", "chat"),
                    help="subprotocol the server should pick from ['chat','superchat'] ('none' = none)")
    ap.add_argument("--expect-deflate", choices=["yes", "no"], default="yes",
                    help="whether the server accepts permessage-deflate")
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    expect = None if args.expect_subprotocol in ("", "none") else args.expect_subprotocol
    only = set(args.only.split(",")) if args.only else None
    passed = failed = 0
    for name, fn in scenarios(args.url, expect, args.expect_deflate == "yes"):
        if only and name not in only:
            continue
        t0 = time.monotonic()
        try:
            note = await asyncio.wait_for(fn(), args.timeout)
            passed += 1
            print("PASS %-30s %6.0f ms %s" % (name, (time.monotonic() - t0) * 1000, note or ""), flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %-30s %6.0f ms %s: %s" % (name, (time.monotonic() - t0) * 1000, type(e).__name__, e), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
