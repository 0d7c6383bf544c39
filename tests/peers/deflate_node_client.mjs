#!/usr/bin/env node
// permessage-deflate interop: Node `ws` client against an echo server (ours).
//
//   node tests/peers/deflate_node_client.mjs ws://127.0.0.1:9011/ [--offer default|SPEC]
//        [--expect deflate[,name=value...]] [--timeout SECONDS]
//
// --offer: `default` is ws's own offer (perMessageDeflate: true, i.e.
//   `permessage-deflate; client_max_window_bits`); SPEC is a comma-separated list:
//   server_no_context_takeover, client_no_context_takeover, server_max_window_bits=N,
//   client_max_window_bits=N, threshold=N (default 0 with a SPEC: compress every message).
// --expect: the server must accept permessage-deflate, with these agreed parameters
//   (ws's view after the handshake; a window the answer leaves out is 15).
//
// Prints the offer, the server's Sec-WebSocket-Extensions answer and the agreed
// parameters, then PASS/FAIL per scenario and 'N passed, M failed'; exit 1 on any
// failure. Counts compressed messages both ways and the bytes on the socket, so a
// scenario fails if compression was agreed but not used.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node', 'package.json'));
const WebSocket = require('ws');

const MiB = 1024 * 1024;
const SIZES = [0, 1, 2, 5, 125, 126, 127, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097,
  16384, 65535, 65536, 65537, 100000, 262144, MiB];
const PHRASE = 'permessage-deflate κόσμε 🎉 rfc6455 — the same words again and again. ';
const KINDS = ['text_compressible', 'text_random', 'binary_compressible', 'binary_random'];

const argv = process.argv.slice(2);
let url; let offer = 'default'; let expect = 'deflate'; let timeoutS = 60;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--offer') offer = argv[++i];
  else if (argv[i] === '--expect') expect = argv[++i];
  else if (argv[i] === '--timeout') timeoutS = Number(argv[++i]);
  else url = argv[i];
}
if (!url) { console.error('usage: deflate_node_client.mjs ws://127.0.0.1:PORT/ [--offer SPEC] [--expect SPEC]'); process.exit(2); }

function perMessageDeflate(spec) {
  if (spec === 'default') return true;
  const names = {
    server_no_context_takeover: 'serverNoContextTakeover', client_no_context_takeover: 'clientNoContextTakeover',
    server_max_window_bits: 'serverMaxWindowBits', client_max_window_bits: 'clientMaxWindowBits', threshold: 'threshold',
  };
  const opts = { threshold: 0 };
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = item.split('=');
    if (!names[name]) { console.error(`unknown --offer setting ${item}`); process.exit(2); }
    opts[names[name]] = value === undefined ? true : Number(value);
  }
  return opts;
}

// Text of exactly n UTF-8 bytes, cut at a character boundary and padded.
function exactText(s, n) {
  const full = Buffer.from(s);
  let end = Math.min(n, full.length);
  while (end > 0 && end < full.length && (full[end] & 0xc0) === 0x80) end--;
  return full.subarray(0, end).toString('utf8') + '.'.repeat(n - end);
}
function rng(seed) { let x = (seed >>> 0) || 1; return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; }; }
function payload(kind, n, seed = 1) {
  const r = rng(seed * 1000003 + n);
  switch (kind) {
    case 'text_compressible': return exactText(PHRASE.repeat(Math.ceil(n / 10) + 1), n);
    case 'text_random': {
      const ranges = [[0x20, 0x7e], [0xa0, 0x7ff], [0x800, 0xd7ff], [0x10000, 0x10ffff]];
      const out = []; let size = 0;
      while (size < n) {
        const [lo, hi] = ranges[r() % 4];
        const c = String.fromCodePoint(lo + (r() % (hi - lo + 1)));
        out.push(c); size += Buffer.byteLength(c);
      }
      return exactText(out.join(''), n);
    }
    case 'binary_compressible': { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (((i % 61) * 7) ^ (i >> 12)) & 0xff; return b; }
    default: return crypto.randomBytes(n);
  }
}

// One connection: a message queue, and counters on the permessage-deflate extension.
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [], { maxPayload: 64 * MiB, perMessageDeflate: perMessageDeflate(offer) });
    const queue = []; const waiters = []; let headers = null; let closeInfo = null; const closeWaiters = [];
    const count = { msgsIn: 0, compressedIn: 0, msgsOut: 0, compressedOut: 0 };
    ws.on('upgrade', (res) => { headers = res.headers; });
    ws.on('message', (data, isBinary) => {
      count.msgsIn++;
      const m = { data, isBinary };
      if (waiters.length) waiters.shift().resolve(m); else queue.push(m);
    });
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString() };
      for (const w of waiters.splice(0)) w.reject(new Error(`closed ${code} before message`));
      for (const w of closeWaiters.splice(0)) w(closeInfo);
    });
    ws.on('error', (e) => { reject(e); for (const w of waiters.splice(0)) w.reject(e); });
    ws.on('open', () => {
      const pmd = ws._extensions['permessage-deflate'];
      if (pmd) {
        const decompress = pmd.decompress.bind(pmd); const compress = pmd.compress.bind(pmd);
        pmd.decompress = (data, fin, cb) => { if (fin) count.compressedIn++; return decompress(data, fin, cb); };
        pmd.compress = (data, fin, cb) => { if (fin) count.compressedOut++; return compress(data, fin, cb); };
      }
      resolve({
        ws, pmd, headers, count,
        wire: () => ({ read: ws._socket.bytesRead, written: ws._socket.bytesWritten }),
        recv: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((res, rej) => waiters.push({ resolve: res, reject: rej }))),
        closed: () => (closeInfo ? Promise.resolve(closeInfo) : new Promise((res) => closeWaiters.push(res))),
      });
    });
  });
}

async function expectEcho(c, want) {
  const m = await c.recv();
  const binary = Buffer.isBuffer(want);
  if (m.isBinary !== binary) throw new Error(`sent ${binary ? 'binary' : 'text'} of ${want.length}, got ${m.isBinary ? 'binary' : 'text'}`);
  const same = binary ? Buffer.compare(m.data, want) === 0 : m.data.toString('utf8') === want;
  if (!same) throw new Error(`echo of ${want.length} differs (got ${m.data.length} B)`);
}

let c;
let passed = 0; let failed = 0;
async function run(name, fn) {
  const t0 = performance.now(); let timer;
  try {
    const note = await Promise.race([fn(), new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timeout ${timeoutS}s`)), timeoutS * 1000); })]);
    passed++;
    console.log(`PASS ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${note ?? ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${e.message}`);
  } finally { clearTimeout(timer); }
}

// What crossed the socket, and how much of it was compressed, since `before`.
function measure(before, payloadBytes, compressible) {
  const now = c.wire(); const count = { ...c.count };
  const read = now.read - before.wire.read; const written = now.written - before.wire.written;
  const compIn = count.compressedIn - before.count.compressedIn; const compOut = count.compressedOut - before.count.compressedOut;
  const msgsIn = count.msgsIn - before.count.msgsIn;
  const note = `on the wire ${written} B sent, ${read} B received for ${payloadBytes} B each way; compressed messages: ${compOut} sent, ${compIn} of ${msgsIn} received`;
  if (compIn === 0 || compOut === 0) throw new Error(`no compressed message: ${note}`);
  // Our server compresses every message (threshold 0, windows of 9 bits or more).
  if (compIn !== msgsIn) throw new Error(`the server left messages uncompressed: ${note}`);
  if (compressible && (written * 4 > payloadBytes || read * 4 > payloadBytes)) throw new Error(`compressible data did not shrink: ${note}`);
  return note;
}
const snapshot = () => ({ wire: c.wire(), count: { ...c.count } });

await run('negotiated', async () => {
  c = await open();
  const answered = c.headers && c.headers['sec-websocket-extensions'];
  console.log(`offered:  perMessageDeflate ${JSON.stringify(perMessageDeflate(offer))}`);
  console.log(`answered: Sec-WebSocket-Extensions: ${answered}`);
  console.log(`negotiated: ${c.pmd ? JSON.stringify(c.pmd.params) : 'none'} (ws.extensions '${c.ws.extensions}')`);
  if (!c.pmd || !answered || !answered.includes('permessage-deflate')) throw new Error(`permessage-deflate not agreed (answer ${answered})`);
  const p = c.pmd.params;
  const seen = {
    server_no_context_takeover: String(Boolean(p.server_no_context_takeover)),
    client_no_context_takeover: String(Boolean(p.client_no_context_takeover)),
    server_max_window_bits: String(typeof p.server_max_window_bits === 'number' ? p.server_max_window_bits : 15),
    client_max_window_bits: String(typeof p.client_max_window_bits === 'number' ? p.client_max_window_bits : 15),
  };
  const [first, ...items] = expect.split(',').map((s) => s.trim()).filter(Boolean);
  if (first !== 'deflate') throw new Error("--expect must start with 'deflate'");
  for (const item of items) {
    const [name, want] = item.split('=');
    if (seen[name] !== want) throw new Error(`${name}=${seen[name]}, expected ${want}`);
  }
  return `agreed as expected (${expect})`;
});
if (!c || !c.pmd) { console.log(`${passed} passed, ${failed + 1} failed`); process.exit(1); }

for (const kind of KINDS) {
  await run(`echo_${kind}`, async () => {
    const before = snapshot(); let total = 0;
    for (const n of SIZES) {
      const data = payload(kind, n);
      c.ws.send(data, { binary: Buffer.isBuffer(data) });
      await expectEcho(c, data);
      total += n;
    }
    return `${SIZES.length} sizes 0..${MiB} B; ${measure(before, total, kind.endsWith('compressible'))}`;
  });
}

await run('fragmented_sends', async () => {
  const before = snapshot();
  // Text sent as bytes, so that a fragment can end inside a character.
  const text = Buffer.from(payload('text_compressible', 300000, 2));
  const k = text.indexOf(0xce); // the first byte of "κ"
  const messages = [
    [text, false, [0, k + 1, 1000, 1000, 70000, 200000, 300000]],
    [payload('binary_random', MiB, 3), true, Array.from({ length: 17 }, (_, i) => (i * MiB) / 16)],
    [payload('binary_compressible', MiB, 4), true, [0, 0, 1, 65536, 65536, 500000, MiB]],
  ];
  let total = 0;
  for (const [data, binary, cuts] of messages) {
    for (let j = 0; j + 1 < cuts.length; j++) {
      c.ws.send(data.subarray(cuts[j], cuts[j + 1]), { binary, fin: j + 2 === cuts.length });
      if (j % 3 === 1) c.ws.ping(Buffer.from('between fragments'));
    }
    await expectEcho(c, binary ? data : data.toString('utf8'));
    total += data.length;
  }
  // Only the compressible third shrinks: check that something did.
  const note = measure(before, total, false);
  return `text 300000 B in 6 fragments (one ends inside a character), 1 MiB random in 16, 1 MiB compressible in 6 (2 empty), pings between; ${note}`;
});

await run('pipelined_500', async () => {
  const want = Array.from({ length: 500 }, (_, i) => payload(KINDS[i % 4], (i * 37) % 700, i));
  for (const m of want) c.ws.send(m, { binary: Buffer.isBuffer(m) });
  for (let i = 0; i < want.length; i++) {
    try { await expectEcho(c, want[i]); } catch (e) { throw new Error(`message ${i}: ${e.message}`); }
  }
  return '500 messages of 0..700 B, all four kinds, in order';
});

await run('close_1000', async () => {
  c.ws.close(1000, 'done');
  const info = await c.closed();
  if (info.code !== 1000) throw new Error(`server answered close with ${info.code} '${info.reason}'`);
  return 'clean close 1000';
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
