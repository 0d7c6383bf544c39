#!/usr/bin/env python3
"""Stand-in for examples/autobahn_client, to test scripts/autobahn.sh before the
Rust example exists. Uses python `websockets` (installed by scripts/peers-install.sh):

    AUTOBAHN_CLIENT_CMD=".peers/venv/bin/python scripts/standin_autobahn_client.py" scripts/autobahn.sh client

Protocol (same as the Rust example): GET /getCaseCount, then for N in 1..count
/runCase?case=N&agent=A echoing every message until the fuzzingserver closes,
then /updateReports?agent=A.
"""
import asyncio
import sys
import urllib.parse

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake


async def run_case(url):
    try:
        async with connect(url, compression=None, max_size=None, ping_interval=None,
                           open_timeout=10, close_timeout=5) as ws:
            async for msg in ws:
                await ws.send(msg)
    except (ConnectionClosed, InvalidHandshake, OSError, asyncio.TimeoutError):
        pass  # the fuzzer breaks connections on purpose


async def main(base, agent):
    base = base.rstrip("/")
    q = urllib.parse.quote(agent)
    async with connect(base + "/getCaseCount", compression=None) as ws:
        count = int(await ws.recv())
    print("standin client: %d cases" % count, flush=True)
    for n in range(1, count + 1):
        await asyncio.wait_for(run_case("%s/runCase?case=%d&agent=%s" % (base, n, q)), 120)
    async with connect("%s/updateReports?agent=%s" % (base, q), compression=None) as ws:
        try:
            await asyncio.wait_for(ws.recv(), 30)
        except (ConnectionClosed, asyncio.TimeoutError):
            pass
    print("standin client: done", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: standin_autobahn_client.py ws://127.0.0.1:9002 AGENT")
    asyncio.run(main(sys.argv[1], sys.argv[2]))
