#!/usr/bin/env python3
"""Echo server (python `websockets`) for testing the rfc6455 *client* against a real peer.

    .peers/venv/bin/python tests/peers/py_server.py [127.0.0.1:PORT] [--subprotocols chat] [--deflate SPEC]

* echoes every text/binary message unchanged (messages up to 64 MiB);
* path /close-from-server: echoes the first message, then closes with 4000 "bye";
* path /fragmented: echoes each message (longer than one unit) in three fragments;
* subprotocols: picks the first one offered by the client that is in --subprotocols
  (default "chat"; "" for none); no subprotocol if none matches or none offered;
* permessage-deflate: NOT negotiated by default (compression=None); `--deflate default`
  enables websockets' own defaults (server_max_window_bits=12, client_max_window_bits=12,
  memLevel 5), `--deflate SPEC` a ServerPerMessageDeflateFactory from a comma-separated list
  (server_no_context_takeover, client_no_context_takeover, server_max_window_bits=N,
  client_max_window_bits=N), e.g. `server_no_context_takeover,server_max_window_bits=9`;
  each connection logs the Sec-WebSocket-Extensions it answered;
* a plain HTTP GET (no Upgrade) gets a small HTML page (for tests/peers/browser.mjs);
* `--tls CERT.pem KEY.pem` serves wss:// with Python's ssl module (scripts/reach.sh);
  each connection's log line starts with the peer's address.
Binds loopback only. Also used as ECHO_SERVER_CMD stand-in for scripts/autobahn.sh.
"""
import argparse
import asyncio
import http
import signal
import ssl
import sys

from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.http11 import Response

PAGE = b"""<!doctype html><meta charset="utf-8"><title>rfc6455 peer echo</title>
<p>python websockets echo server</p>
"""


def parse_addr(s):
    host, _, port = s.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not (host.startswith("127.") or host in ("::1", "localhost")):
        sys.exit("py_server: refusing non-loopback address %r" % host)
    return host, int(port)


def deflate_options(spec):
    """serve() keyword arguments for --deflate SPEC."""
    if spec in ("", "off", "none"):
        return {"compression": None}
    if spec == "default":
        return {"compression": "deflate"}
    kw = {"compress_settings": {"memLevel": 5}}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, value = item.partition("=")
        if name in ("server_no_context_takeover", "client_no_context_takeover"):
            kw[name] = True
        elif name in ("server_max_window_bits", "client_max_window_bits"):
            kw[name] = int(value)
        else:
            sys.exit("py_server: unknown --deflate setting %r" % item)
    return {"compression": None, "extensions": [ServerPerMessageDeflateFactory(**kw)]}


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr", nargs="?", default="127.0.0.1:9001")
    ap.add_argument("--subprotocols", default="chat", help="comma-separated supported subprotocols")
    ap.add_argument("--deflate", default="off", help="off, default, or ServerPerMessageDeflateFactory settings")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve wss:// with this certificate chain and key")
    args = ap.parse_args()
    tls = None
    if args.tls:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*args.tls)
    deflate = deflate_options(args.deflate)
    host, port = parse_addr(args.addr)
    supported = [p for p in args.subprotocols.split(",") if p]

    def select_subprotocol(connection, offered):
        for p in offered:  # first offered that we support
            if p in supported:
                return p
        return None

    def process_request(connection, request):
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return Response(http.HTTPStatus.OK, "OK",
                            Headers([("Content-Type", "text/html; charset=utf-8"),
                                     ("Content-Length", str(len(PAGE))),
                                     ("Connection", "close")]), PAGE)
        return None

    async def handler(ws):
        print("py_server: %s %s: Sec-WebSocket-Extensions: %s" % (
            ws.remote_address, ws.request.path, ws.response.headers.get("Sec-WebSocket-Extensions")), flush=True)
        try:
            if ws.request.path.startswith("/close-from-server"):
                msg = await ws.recv()
                await ws.send(msg)
                await ws.close(4000, "bye")
                return
            fragmented = ws.request.path.startswith("/fragmented")
            async for msg in ws:
                if fragmented and len(msg) > 1:
                    # Echo in three fragments (text split on character boundaries).
                    third = max(1, len(msg) // 3)
                    await ws.send(iter([msg[:third], msg[third:2 * third], msg[2 * third:]]))
                else:
                    await ws.send(msg)
        except Exception:
            pass  # protocol errors close the connection; keep serving others

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(handler, host, port, max_size=64 * 1024 * 1024, **deflate,
                     max_queue=64, ping_interval=None, select_subprotocol=select_subprotocol,
                     process_request=process_request, ssl=tls):
        print("py_server: listening on %s://%s:%d (deflate: %s)" % (
            "wss" if tls else "ws", host, port, args.deflate), flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main())
