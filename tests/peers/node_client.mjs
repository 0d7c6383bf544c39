#!/usr/bin/env node
// Interop client (Node `ws`) against an echo server (ours: examples/echo_server).
//
//   node tests/peers/node_client.mjs ws://127.0.0.1:9001/ [--expect-subprotocol chat|none]
//        [--expect-deflate yes|no] [--only a,b] [--timeout SECONDS]
//
// --expect-deflate: whether the server accepts the permessage-deflate offer (scenario
// permessage_deflate; default yes, as our echo server does). ws offers it on every
// connection, so with a server that accepts it every scenario runs compressed;
// tests/peers/deflate_node_client.mjs checks compression itself in depth.
//
// Each scenario uses its own connection and prints PASS/FAIL; the last line is
// 'N passed, M failed'; exit status 1 on any failure.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node', 'package.json'));
const WebSocket = require('ws');

const MiB = 1024 * 1024;
const UTF8_TEXT = 'héllo wörld – κόσμε – 日本語 – 🚀✓ \u0000 end';

const argv = process.argv.slice(2);
let url; let expectSp = process.env.PEER_EXPECT_SUBPROTOCOL ?? 'chat'; let only = null; let timeoutS = 60;
let expectDeflate = 'yes';
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--expect-subprotocol') expectSp = argv[++i];
  else if (argv[i] === '--expect-deflate') expectDeflate = argv[++i];
  else if (argv[i] === '--only') only = new Set(argv[++i].split(','));
  else if (argv[i] === '--timeout') timeoutS = Number(argv[++i]);
  else url = argv[i];
}
if (!url) { console.error('usage: node_client.mjs ws://127.0.0.1:PORT/ [--expect-subprotocol chat|none]'); process.exit(2); }
if (expectSp === 'none') expectSp = '';

// A connection with a message queue: recv() resolves with {data, isBinary}.
function open(protocols = [], opts = {}, path = '') {
  return new Promise((resolve, reject) => {
    const target = path ? url.replace(/\/?$/, path) : url;
    const ws = new WebSocket(target, protocols, { maxPayload: 32 * MiB, ...opts });
    const queue = []; const waiters = [];
    let upgradeHeaders = null; let closeInfo = null; const closeWaiters = [];
    ws.on('upgrade', (res) => { upgradeHeaders = res.headers; });
    ws.on('message', (data, isBinary) => {
      const m = { data, isBinary };
      if (waiters.length) waiters.shift().resolve(m); else queue.push(m);
    });
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString() };
      for (const w of waiters.splice(0)) w.reject(new Error(`closed ${code} before message`));
      for (const w of closeWaiters.splice(0)) w(closeInfo);
    });
    ws.on('error', (e) => { reject(e); for (const w of waiters.splice(0)) w.reject(e); });
    ws.on('open', () => resolve({
      ws,
      get upgradeHeaders() { return upgradeHeaders; },
      recv: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((res, rej) => waiters.push({ resolve: res, reject: rej }))),
      closed: () => (closeInfo ? Promise.resolve(closeInfo) : new Promise((res) => closeWaiters.push(res))),
      close: (code, reason) => { ws.close(code, reason); },
    }));
  });
}

async function withConn(fn, protocols, opts) {
  const c = await open(protocols, opts);
  try { return await fn(c); } finally { if (c.ws.readyState === WebSocket.OPEN) { c.close(1000); await c.closed(); } }
}

async function echoOne(payload) {
  return withConn(async (c) => {
    const binary = Buffer.isBuffer(payload);
    c.ws.send(payload, { binary });
    const m = await c.recv();
    if (m.isBinary !== binary) throw new Error(`sent ${binary ? 'binary' : 'text'}, got ${m.isBinary ? 'binary' : 'text'}`);
    const got = binary ? m.data : m.data.toString('utf8');
    const same = binary ? Buffer.compare(got, payload) === 0 : got === payload;
    if (!same) throw new Error(`echo differs (sent ${payload.length}, got ${got.length})`);
  });
}

async function burst(n = 1000) {
  return withConn(async (c) => {
    const want = (i) => (i % 2 === 0 ? `msg-${i}` : Buffer.from(`bin-${i}`));
    for (let i = 0; i < n; i++) { const w = want(i); c.ws.send(w, { binary: Buffer.isBuffer(w) }); }
    for (let i = 0; i < n; i++) {
      const m = await c.recv(); const w = want(i);
      const ok = Buffer.isBuffer(w) ? m.isBinary && Buffer.compare(m.data, w) === 0 : !m.isBinary && m.data.toString() === w;
      if (!ok) throw new Error(`message ${i} out of order or wrong: ${m.data.toString()}`);
    }
  });
}

async function pingPong() {
  return withConn(async (c) => {
    const t0 = performance.now();
    const pong = new Promise((res) => c.ws.once('pong', res));
    c.ws.ping(Buffer.from('ping-payload'));
    const data = await pong;
    if (data.toString() !== 'ping-payload') throw new Error(`pong payload ${data.toString()}`);
    c.ws.send('after-ping');
    if ((await c.recv()).data.toString() !== 'after-ping') throw new Error('echo after ping failed');
    return `pong in ${(performance.now() - t0).toFixed(1)} ms`;
  });
}

async function closeByClient() {
  const c = await open();
  c.ws.send('before-close'); await c.recv();
  c.close(4001, 'client bye ✓');
  const info = await c.closed();
  if (![4001, 1000].includes(info.code)) throw new Error(`server answered close with ${info.code} ${info.reason}`);
  return `server echoed close ${info.code} '${info.reason}'`;
}

async function subprotocol() {
  return withConn(async (c) => {
    if (c.ws.protocol !== expectSp) throw new Error(`negotiated '${c.ws.protocol}', expected '${expectSp}'`);
    c.ws.send('sp');
    if ((await c.recv()).data.toString() !== 'sp') throw new Error('echo failed');
    return `subprotocol='${c.ws.protocol}'`;
  }, ['chat', 'superchat']);
}

async function permessageDeflate() {
  return withConn(async (c) => {
    const answered = c.upgradeHeaders && c.upgradeHeaders['sec-websocket-extensions'];
    if (expectDeflate === 'no' && (answered || c.ws.extensions)) throw new Error(`server accepted extension '${answered || c.ws.extensions}'`);
    if (expectDeflate !== 'no' && !(answered && answered.startsWith('permessage-deflate') && c.ws.extensions === 'permessage-deflate')) {
      throw new Error(`server declined permessage-deflate (answered '${answered}')`);
    }
    c.ws.send('x'.repeat(1000));
    if ((await c.recv()).data.toString() !== 'x'.repeat(1000)) throw new Error('echo failed');
    return answered ? `offered permessage-deflate, answered '${answered}'` : 'offered permessage-deflate, none accepted';
  }, [], { perMessageDeflate: true });
}

async function fragmented() {
  return withConn(async (c) => {
    c.ws.send('frag', { binary: false, fin: false });
    c.ws.send('mented ', { binary: false, fin: false });
    c.ws.send('κόσμε', { binary: false, fin: true });
    const t = await c.recv();
    if (t.isBinary || t.data.toString('utf8') !== 'fragmented κόσμε') throw new Error(`fragmented text echo differs: ${t.data}`);
    const parts = [crypto.randomBytes(1000), Buffer.alloc(0), crypto.randomBytes(70000)];
    parts.forEach((p, i) => c.ws.send(p, { binary: true, fin: i === parts.length - 1 }));
    const b = await c.recv();
    if (!b.isBinary || Buffer.compare(b.data, Buffer.concat(parts)) !== 0) throw new Error('fragmented binary echo differs');
    return 'text in 3 fragments, binary in 3';
  });
}

async function closeByServer() {
  const c = await open([], {}, '/close-from-server');
  c.ws.send('first');
  if ((await c.recv()).data.toString() !== 'first') throw new Error('echo before close failed');
  const info = await c.closed();
  if (info.code !== 4000 || info.reason !== 'bye') throw new Error(`server closed with ${info.code} '${info.reason}'`);
  return "server closed with 4000 'bye'";
}

const scenarios = [
  ['text_utf8', () => echoOne(UTF8_TEXT)],
  ['text_empty', () => echoOne('')],
  ['binary_empty', () => echoOne(Buffer.alloc(0))],
  ...[125, 126, 65535, 65536, MiB, 16 * MiB].map((n) => [`binary_${n}`, () => echoOne(crypto.randomBytes(n))]),
  ['burst_1000_in_order', () => burst()],
  ['fragmented_messages', fragmented],
  ['ping_pong', pingPong],
  ['close_by_client_code_reason', closeByClient],
  ['close_by_server_code_reason', closeByServer],
  ['subprotocol_chat_superchat', subprotocol],
  ['permessage_deflate', permessageDeflate],
];

let passed = 0; let failed = 0;
for (const [name, fn] of scenarios) {
  if (only && !only.has(name)) continue;
  const t0 = performance.now();
  let timer;
  try {
    const note = await Promise.race([fn(), new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timeout ${timeoutS}s`)), timeoutS * 1000); })]);
    passed++;
    console.log(`PASS ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${note ?? ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${e.message}`);
  } finally { clearTimeout(timer); }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
