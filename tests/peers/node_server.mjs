#!/usr/bin/env node
// Echo server (Node `ws`) for testing the rfc6455 *client* against a real peer.
//
//   node tests/peers/node_server.mjs [127.0.0.1:PORT] [--subprotocols chat] [--deflate SPEC]
//
// * echoes every text/binary message unchanged (up to 64 MiB);
// * path /close-from-server: echoes the first message, then closes with 4000 "bye";
// * path /fragmented: echoes each message in three fragments (text split anywhere, even inside a character);
// * subprotocol: the first one offered by the client that is in --subprotocols
//   (default "chat"; "" = none), else none;
// * permessage-deflate: NOT negotiated by default (perMessageDeflate: false); `--deflate default`
//   is ws's own `perMessageDeflate: true` (threshold 1024: shorter messages go uncompressed),
//   `--deflate SPEC` a comma-separated list: server_no_context_takeover, client_no_context_takeover,
//   server_max_window_bits=N, client_max_window_bits=N, threshold=N; each connection logs the
//   Sec-WebSocket-Extensions it answered;
// * plain HTTP GET serves a small HTML page (for tests/peers/browser.mjs).
// Binds loopback only.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node', 'package.json'));
const { WebSocketServer } = require('ws');

const argv = process.argv.slice(2);
let addr = '127.0.0.1:9001';
let supported = ['chat'];
let deflateSpec = 'off';
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--subprotocols') supported = argv[++i].split(',').filter(Boolean);
  else if (argv[i] === '--deflate') deflateSpec = argv[++i];
  else addr = argv[i];
}
function perMessageDeflate(spec) {
  if (['', 'off', 'none'].includes(spec)) return false;
  if (spec === 'default') return true;
  const opts = {};
  const names = {
    server_no_context_takeover: 'serverNoContextTakeover', client_no_context_takeover: 'clientNoContextTakeover',
    server_max_window_bits: 'serverMaxWindowBits', client_max_window_bits: 'clientMaxWindowBits', threshold: 'threshold',
  };
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = item.split('=');
    if (!names[name]) { console.error(`node_server: unknown --deflate setting ${item}`); process.exit(2); }
    opts[names[name]] = value === undefined ? true : Number(value);
  }
  return opts;
}
const idx = addr.lastIndexOf(':');
const host = addr.slice(0, idx).replace(/^\[|\]$/g, '') || '127.0.0.1';
const port = Number(addr.slice(idx + 1));
if (!(host.startsWith('127.') || host === '::1' || host === 'localhost')) {
  console.error(`node_server: refusing non-loopback address ${host}`);
  process.exit(2);
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>rfc6455 peer echo</title><p>node ws echo server</p>\n';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(PAGE) });
  res.end(PAGE);
});
const wss = new WebSocketServer({
  server,
  perMessageDeflate: perMessageDeflate(deflateSpec),
  maxPayload: 64 * 1024 * 1024,
  handleProtocols: (offered) => {
    for (const p of offered) if (supported.includes(p)) return p; // Set iterates in offer order
    return false;
  },
});
wss.on('headers', (headers, req) => {
  const ext = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
  console.log(`node_server: ${req.socket.remotePort} ${req.url}: ${ext || 'Sec-WebSocket-Extensions: (none)'}`);
});
wss.on('connection', (ws, req) => {
  const closeFromServer = req.url.startsWith('/close-from-server');
  ws.on('error', () => {});
  const fragmented = req.url.startsWith('/fragmented');
  ws.on('message', (data, isBinary) => {
    if (fragmented && data.length > 1) {
      // Echo in three fragments (bytes: text fragments may split a character).
      const third = Math.max(1, Math.floor(data.length / 3));
      ws.send(data.subarray(0, third), { binary: isBinary, fin: false });
      ws.send(data.subarray(third, 2 * third), { binary: isBinary, fin: false });
      ws.send(data.subarray(2 * third), { binary: isBinary, fin: true });
    } else {
      ws.send(data, { binary: isBinary });
    }
    if (closeFromServer) ws.close(4000, 'bye');
  });
});
server.listen(port, host, () => console.log(`node_server: listening on ws://${host}:${port} (deflate: ${deflateSpec})`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { wss.close(); server.close(); process.exit(0); });
