#!/usr/bin/env python2.7
# -*- coding: utf-8 -*-
"""Run Autobahn|Testsuite's wstest with every listening socket bound to loopback.

wstest (fuzzingserver, echoserver, testeeserver, its embedded web server, ...)
listens on all interfaces ('' / 0.0.0.0) and has no option to change that.
This launcher patches Twisted's reactor listen methods so that whatever
interface wstest asks for, the socket is bound to WSTEST_BIND_HOST
(default 127.0.0.1; only loopback addresses are accepted).

Usage (with the .autobahn venv's python):
    .autobahn/venv/bin/python scripts/wstest_loopback.py -m fuzzingserver -s spec.json
All arguments are passed to wstest unchanged.
"""
import os
import sys

BIND = os.environ.get("WSTEST_BIND_HOST", "127.0.0.1")
if not (BIND.startswith("127.") or BIND in ("::1", "localhost")):
    sys.stderr.write("wstest_loopback: refusing non-loopback bind address %r\n" % BIND)
    sys.exit(2)


def _patch(cls):
    orig_tcp = cls.listenTCP
    orig_ssl = getattr(cls, "listenSSL", None)
    orig_udp = getattr(cls, "listenUDP", None)

    def listenTCP(self, port, factory, backlog=50, interface=""):
        return orig_tcp(self, port, factory, backlog, BIND)

    def listenSSL(self, port, factory, contextFactory, backlog=50, interface=""):
        return orig_ssl(self, port, factory, contextFactory, backlog, BIND)

    def listenUDP(self, port, protocol, interface="", maxPacketSize=8192):
        return orig_udp(self, port, protocol, BIND, maxPacketSize)

    cls.listenTCP = listenTCP
    if orig_ssl is not None:
        cls.listenSSL = listenSSL
    if orig_udp is not None:
        cls.listenUDP = listenUDP
    # Multicast listens are never loopback-only: forbid them outright.
    def listenMulticast(self, *a, **kw):
        raise RuntimeError("wstest_loopback: multicast listen refused")
    cls.listenMulticast = listenMulticast


# Patch the base class before wstest picks/installs its reactor (epoll, poll,
# select all inherit these methods from PosixReactorBase) ...
from twisted.internet import posixbase
_patch(posixbase.PosixReactorBase)

from autobahntestsuite import wstest  # noqa: E402  (installs the reactor)

# ... and make sure the reactor actually installed did not override them.
from twisted.internet import reactor  # noqa: E402
if getattr(type(reactor).listenTCP, "__func__", None) is not \
        getattr(posixbase.PosixReactorBase.listenTCP, "__func__", None):
    _patch(type(reactor))
# autobahn's listenWS also reaches reactor.listenTCP/listenSSL, so it is covered.

if __name__ == "__main__":
    sys.argv[0] = "wstest"
    sys.exit(wstest.run())
