#!/usr/bin/env python3
"""Bytes on the wire for the permessage-deflate echo workloads of
benches/deflate.rs, through Python `websockets` with its defaults, next to
what rfc6455 put on the wire for the same messages.

    DEFLATE_WIRE_DIR=/tmp/deflate-wire cargo bench -p rfc6455-benches --bench deflate
    python3 -m venv /tmp/wsvenv && /tmp/wsvenv/bin/pip install websockets
    /tmp/wsvenv/bin/python benches/tools/deflate_wire.py /tmp/deflate-wire

The bench writes each batch's messages (`<size>.txt`, the messages back to
back, each exactly <size> bytes) and rfc6455's counts (`rfc6455.json`). This
script starts a `websockets` echo server and client on loopback, both with
their default settings (compression="deflate": the client offers
permessage-deflate with client_max_window_bits, the server answers with
server_max_window_bits=12 and client_max_window_bits=12, both compress with
memLevel=5 and zlib's default level 6, context takeover both ways) except
max_size=None, which only lifts the receive limit of 1 MiB. A counting TCP
relay between them parses the frames of each direction after the handshake.
Each batch goes over a fresh connection, one message at a time: the client
sends it, waits for the echo, checks it. Counted: frame payload bytes (the
compressed messages) and whole frames (headers and masking keys included) of
data frames; the closing handshake is left out.
"""
import asyncio
import json
import os
import sys
import zlib

import websockets
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve


class Counter:
    """Parses one direction of a WebSocket stream, after the HTTP head."""

    def __init__(self):
        self.buf = bytearray()
        self.head = None
        self.payload = 0
        self.wire = 0
        self.frames = 0
        self.rsv1 = 0

    def feed(self, data):
        self.buf += data
        if self.head is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            self.head = bytes(self.buf[: end + 4]).decode("latin-1")
            del self.buf[: end + 4]
        while len(self.buf) >= 2:
            b0, b1 = self.buf[0], self.buf[1]
            n, at = b1 & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                n, at = int.from_bytes(self.buf[2:4], "big"), 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                n, at = int.from_bytes(self.buf[2:10], "big"), 10
            if b1 & 0x80:
                at += 4
            if len(self.buf) < at + n:
                return
            if b0 & 0x0F in (0, 1, 2):
                self.payload += n
                self.wire += at + n
                self.frames += 1
                self.rsv1 += bool(b0 & 0x40)
            del self.buf[: at + n]


async def relay(reader, writer, counter):
    try:
        while data := await reader.read(1 << 16):
            counter.feed(data)
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def measure(messages):
    async def echo(ws):
        async for m in ws:
            await ws.send(m)

    up, down = Counter(), Counter()
    async with serve(echo, "127.0.0.1", 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]

        async def on_client(cr, cw):
            sr, sw = await asyncio.open_connection("127.0.0.1", port)
            await asyncio.gather(relay(cr, sw, up), relay(sr, cw, down))

        proxy = await asyncio.start_server(on_client, "127.0.0.1", 0)
        pport = proxy.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{pport}/", max_size=None) as ws:
            for m in messages:
                await ws.send(m)
                back = await ws.recv()
                assert back == m, "echo differs"
            # Let the relay see the last frames before the close.
            await asyncio.sleep(0.05)
            counts = [(c.payload, c.wire, c.frames, c.rsv1) for c in (up, down)]
        proxy.close()
    ext = [l for l in (down.head or "").split("\r\n") if l.lower().startswith("sec-websocket-extensions")]
    return counts, ext


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/deflate-wire"
    ours = json.load(open(os.path.join(d, "rfc6455.json")))
    sizes = sorted({r["size"] for r in ours})
    label = lambda s: f"{s >> 20} MiB" if s >= 1 << 20 else f"{s >> 10} KiB"
    print(f"websockets {websockets.__version__}, zlib {zlib.ZLIB_RUNTIME_VERSION}, Python {sys.version.split()[0]}\n")
    rows = []
    for size in sizes:
        raw = open(os.path.join(d, f"{size}.txt"), "rb").read()
        messages = [raw[i : i + size].decode("ascii") for i in range(0, len(raw), size)]
        (py_up, py_down), ext = asyncio.run(measure(messages))
        assert py_up[2] == py_down[2] == len(messages), "one frame per message"
        assert py_up[3] == py_down[3] == len(messages), "every message compressed"
        rows.append((size, messages, py_up, py_down, ext))
    print("Agreed by websockets:", rows[0][4][0] if rows[0][4] else "(none)", "\n")

    settings = list(dict.fromkeys(r["setting"] for r in ours))
    hdr = ["size", "messages", "payload"] + [f"{s}" for s in settings] + ["websockets defaults", "rfc6455 default / websockets"]
    print("Compressed bytes, server to client (frame payloads; client to server in parentheses when it differs)\n")
    print("| " + " | ".join(hdr) + " |")
    print("|" + " --- |" * 2 + " ---: |" * (len(hdr) - 2))
    for size, messages, py_up, py_down, _ in rows:
        cells = [label(size), str(len(messages)), f"{size * len(messages):,}"]
        mine = {r["setting"]: r for r in ours if r["size"] == size}
        for s in settings:
            r = mine[s]
            cell = f"{r['down_payload']:,}"
            if r["up_payload"] != r["down_payload"]:
                cell += f" ({r['up_payload']:,})"
            cells.append(cell)
        cell = f"{py_down[0]:,}"
        if py_up[0] != py_down[0]:
            cell += f" ({py_up[0]:,})"
        cells.append(cell)
        cells.append(f"{mine[settings[0]]['down_payload'] / py_down[0]:.3f}")
        print("| " + " | ".join(cells) + " |")
    print("\nWhole frames, client to server / server to client (headers and masking keys included)\n")
    print("| size | rfc6455 default | websockets defaults |")
    print("| --- | ---: | ---: |")
    for size, messages, py_up, py_down, _ in rows:
        r = next(r for r in ours if r["size"] == size and r["setting"] == settings[0])
        print(f"| {label(size)} | {r['up_wire']:,} / {r['down_wire']:,} | {py_up[1]:,} / {py_down[1]:,} |")


if __name__ == "__main__":
    main()
