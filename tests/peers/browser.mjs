#!/usr/bin/env node
// Browser interop: Debian's headless Chromium (driven by playwright-core; no browser
// is ever downloaded) runs the scenarios with the page's own `WebSocket` API.
//
//   node tests/peers/browser.mjs ws://127.0.0.1:PORT/ [--page URL] [--expect-subprotocol chat|none]
//        [--expect-deflate yes|no] [--suite basic|deflate] [--expect SPEC] [--only a,b] [--timeout SECONDS]
//
// --page: page the tests run in (default: http://<host:port of the ws URL>/, i.e. the
//         echo server's HTTP side; a data: URL such as 'data:text/html,x' also works).
// --expect-deflate: whether the server accepts Chromium's permessage-deflate offer
//         (scenario permessage_deflate; default yes, as our echo server does).
// --suite deflate: permessage-deflate interop instead of the basic scenarios: one
//         connection per kind (compressible and random Text and Binary) echoes every size
//         from 0 B to 1 MiB, then 500 pipelined messages. The page API cannot send
//         fragments; the server's replies may come fragmented (echo_server --fragment-size).
//         --expect deflate[,name[=value]...]: parameters the answer (ws.extensions) must hold.
// Prints PASS/FAIL per scenario and 'N passed, M failed'; exit 1 on any failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node', 'package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const argv = process.argv.slice(2);
let url; let page_url = null; let expectSp = process.env.PEER_EXPECT_SUBPROTOCOL ?? 'chat'; let only = null; let timeoutS = 60;
let expectDeflate = 'yes'; let suite = 'basic'; let expect = 'deflate';
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--page') page_url = argv[++i];
  else if (argv[i] === '--expect-deflate') expectDeflate = argv[++i];
  else if (argv[i] === '--suite') suite = argv[++i];
  else if (argv[i] === '--expect') expect = argv[++i];
  else if (argv[i] === '--expect-subprotocol') expectSp = argv[++i];
  else if (argv[i] === '--only') only = new Set(argv[++i].split(','));
  else if (argv[i] === '--timeout') timeoutS = Number(argv[++i]);
  else url = argv[i];
}
if (!url) { console.error('usage: browser.mjs ws://127.0.0.1:PORT/ [--page URL]'); process.exit(2); }
if (expectSp === 'none') expectSp = '';
if (!page_url) { const u = new URL(url); page_url = `http://${u.host}/`; }
if (!fs.existsSync(CHROMIUM)) {
  console.error(`browser: ${CHROMIUM} not found; run scripts/peers-install.sh (apt-get install -y chromium)`);
  process.exit(1);
}

// Runs inside the page. Returns a note string or throws.
async function inPage({ name, url, expectSp, MiB, expectDeflate, expect }) {
  const open = (protocols) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = 'arraybuffer';
    const queue = []; const waiters = [];
    ws.onmessage = (e) => { if (waiters.length) waiters.shift().res(e.data); else queue.push(e.data); };
    let closeInfo = null; const closeWaiters = [];
    ws.onclose = (e) => {
      closeInfo = { code: e.code, reason: e.reason, wasClean: e.wasClean };
      for (const w of waiters.splice(0)) w.rej(new Error(`closed ${e.code} before message`));
      for (const w of closeWaiters.splice(0)) w(closeInfo);
    };
    ws.onerror = () => reject(new Error('WebSocket error (connect failed?)'));
    ws.onopen = () => resolve({
      ws,
      recv: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((res, rej) => waiters.push({ res, rej }))),
      closed: () => (closeInfo ? Promise.resolve(closeInfo) : new Promise((res) => closeWaiters.push(res))),
    });
  });
  const pattern = (n) => {  // pseudo-random bytes, deterministic per size
    const b = new Uint8Array(n); let x = 0x9e3779b9 ^ n;
    for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
    return b;
  };
  const sameBytes = (a, b) => { if (a.length !== b.length) return false; for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; };
  const done = async (c) => { if (c.ws.readyState === WebSocket.OPEN) { c.ws.close(1000); await c.closed(); } };
  const echo = async (payload) => {
    const c = await open();
    c.ws.send(payload);
    const got = await c.recv();
    if (typeof payload === 'string') {
      if (typeof got !== 'string') throw new Error('sent text, got binary');
      if (got !== payload) throw new Error(`text differs (${got.length} vs ${payload.length})`);
    } else {
      if (!(got instanceof ArrayBuffer)) throw new Error('sent binary, got text');
      if (!sameBytes(new Uint8Array(got), payload)) throw new Error(`binary differs (${got.byteLength} vs ${payload.length})`);
    }
    await done(c);
  };
  const m = /^binary_(\d+)$/.exec(name);
  if (m) return echo(pattern(Number(m[1])));
  switch (name) {
    case 'text_utf8': return echo('héllo wörld – κόσμε – 日本語 – 🚀✓ \u0000 end');
    case 'text_empty': return echo('');
    case 'binary_empty': return echo(new Uint8Array(0));
    case 'burst_1000_in_order': {
      const c = await open(); const n = 1000;
      for (let i = 0; i < n; i++) c.ws.send(`msg-${i}`);
      for (let i = 0; i < n; i++) { const g = await c.recv(); if (g !== `msg-${i}`) throw new Error(`message ${i} wrong: ${g}`); }
      await done(c); return;
    }
    case 'close_by_client_code_reason': {
      const c = await open();
      c.ws.send('before-close'); await c.recv();
      c.ws.close(4001, 'client bye ✓');
      const info = await c.closed();
      if (!info.wasClean) throw new Error(`close not clean (code ${info.code})`);
      if (![4001, 1000].includes(info.code)) throw new Error(`server answered close with ${info.code} ${info.reason}`);
      return `server echoed close ${info.code} '${info.reason}'`;
    }
    case 'subprotocol_chat_superchat': {
      const c = await open(['chat', 'superchat']);
      if (c.ws.protocol !== expectSp) throw new Error(`negotiated '${c.ws.protocol}', expected '${expectSp}'`);
      await done(c); return `subprotocol='${c.ws.protocol}'`;
    }
    case 'permessage_deflate': {  // Chromium always offers permessage-deflate
      const c = await open();
      const ext = c.ws.extensions;
      if (expectDeflate === 'no' && ext !== '') throw new Error(`server accepted extension '${ext}'`);
      if (expectDeflate !== 'no' && !ext.startsWith('permessage-deflate')) throw new Error(`server declined permessage-deflate ('${ext}')`);
      c.ws.send('x'.repeat(1000));
      if ((await c.recv()) !== 'x'.repeat(1000)) throw new Error('echo failed');
      await done(c); return ext ? `accepted: ${ext}` : 'no extension negotiated';
    }
  }
  // ---- --suite deflate ----
  const SIZES = [0, 1, 2, 5, 125, 126, 127, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097,
    16384, 65535, 65536, 65537, 100000, 262144, MiB];
  const PHRASE = 'permessage-deflate κόσμε 🎉 rfc6455 — the same words again and again. ';
  const enc = new TextEncoder(); const dec = new TextDecoder();
  const exactText = (str, n) => {  // cut at a character boundary, padded to exactly n UTF-8 bytes
    const full = enc.encode(str); let end = Math.min(n, full.length);
    while (end > 0 && end < full.length && (full[end] & 0xc0) === 0x80) end--;
    return dec.decode(full.subarray(0, end)) + '.'.repeat(n - end);
  };
  const payload = (kind, n, seed = 1) => {
    let x = ((seed * 1000003 + n) >>> 0) || 1;
    const r = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
    if (kind === 'text_compressible') return exactText(PHRASE.repeat(Math.ceil(n / 10) + 1), n);
    if (kind === 'text_random') {
      const ranges = [[0x20, 0x7e], [0xa0, 0x7ff], [0x800, 0xd7ff], [0x10000, 0x10ffff]];
      const out = []; let size = 0;
      while (size < n) {
        const [lo, hi] = ranges[r() % 4]; const cp = lo + (r() % (hi - lo + 1));
        out.push(String.fromCodePoint(cp)); size += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      }
      return exactText(out.join(''), n);
    }
    const b = new Uint8Array(n);
    if (kind === 'binary_compressible') { for (let i = 0; i < n; i++) b[i] = (((i % 61) * 7) ^ (i >> 12)) & 0xff; return b; }
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
    return b;
  };
  const same = (got, want) => (typeof want === 'string'
    ? typeof got === 'string' && got === want
    : got instanceof ArrayBuffer && sameBytes(new Uint8Array(got), want));
  const k = /^deflate_echo_(.*)$/.exec(name);
  if (k) {
    const c = await open();
    if (!c.ws.extensions.startsWith('permessage-deflate')) throw new Error(`not negotiated ('${c.ws.extensions}')`);
    let total = 0;
    for (const n of SIZES) {
      const data = payload(k[1], n);
      c.ws.send(data);
      if (!same(await c.recv(), data)) throw new Error(`echo of ${n} B differs`);
      total += n;
    }
    await done(c);
    return `${SIZES.length} sizes 0..${MiB} B, ${total} B each way over '${c.ws.extensions}'`;
  }
  switch (name) {
    case 'deflate_negotiated': {
      const c = await open();
      const ext = c.ws.extensions;
      c.ws.send('x'.repeat(1000));
      if ((await c.recv()) !== 'x'.repeat(1000)) throw new Error('echo failed');
      await done(c);
      const params = ext.split(';').map((t) => t.trim());
      const [first, ...items] = expect.split(',').map((t) => t.trim()).filter(Boolean);
      if (first !== 'deflate') throw new Error("--expect must start with 'deflate'");
      if (params[0] !== 'permessage-deflate') throw new Error(`permessage-deflate not agreed ('${ext}')`);
      for (const item of items) if (!params.includes(item)) throw new Error(`answer '${ext}' lacks ${item}`);
      return `answered: Sec-WebSocket-Extensions: ${ext}`;
    }
    case 'deflate_pipelined_500': {
      const kinds = ['text_compressible', 'text_random', 'binary_compressible', 'binary_random'];
      const c = await open();
      const want = Array.from({ length: 500 }, (_, i) => payload(kinds[i % 4], (i * 37) % 700, i));
      for (const m of want) c.ws.send(m);
      for (let i = 0; i < want.length; i++) if (!same(await c.recv(), want[i])) throw new Error(`message ${i} wrong`);
      await done(c); return '500 messages of 0..700 B, all four kinds, in order';
    }
    default: throw new Error(`unknown scenario ${name}`);
  }
}

const MiB = 1024 * 1024;
const names = suite === 'deflate'
  ? ['deflate_negotiated', ...['text_compressible', 'text_random', 'binary_compressible', 'binary_random'].map((k) => `deflate_echo_${k}`),
    'deflate_pipelined_500']
  : ['text_utf8', 'text_empty', 'binary_empty',
    ...[125, 126, 65535, 65536, MiB, 16 * MiB].map((n) => `binary_${n}`),
    'burst_1000_in_order', 'close_by_client_code_reason', 'subprotocol_chat_superchat', 'permessage_deflate'];

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfc6455-chromium-'));
const netlogDir = suite === 'deflate' ? fs.mkdtempSync(path.join(os.tmpdir(), 'rfc6455-netlog-')) : null;
const netlog = netlogDir && path.join(netlogDir, 'netlog.json');
const ran = [];  // deflate scenarios run, in order: one WebSocket connection each
let passed = 0; let failed = 0; let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
      // let data:/file: pages (opaque origin) reach ws://127.0.0.1 (Chromium's Local Network Access checks)
      '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessRespectPreflightResults',
      // The deflate suite reads the frame headers (RSV1, payload length) from Chromium's NetLog.
      ...(netlog ? [`--log-net-log=${netlog}`] : [])],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(timeoutS * 1000);
  await page.goto(page_url, { timeout: 30000 });
  console.log(`browser: ${await context.browser()?.version?.() ?? 'chromium'} page=${page_url.slice(0, 60)} ws=${url}`);
  for (const name of names) {
    if (only && !only.has(name)) continue;
    const t0 = performance.now();
    try {
      const note = await Promise.race([
        page.evaluate(inPage, { name, url, expectSp, MiB, expectDeflate, expect }),
        new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout ${timeoutS}s`)), timeoutS * 1000).unref()),
      ]);
      passed++;
      console.log(`PASS ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${note ?? ''}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${String(e.message).split('\n')[0]}`);
    }
    ran.push(name);
  }
} catch (e) {
  failed++;
  console.log(`FAIL browser_launch ${String(e.message).split('\n')[0]}`);
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

// What went over the wire, from the NetLog Chromium wrote on exit: per connection, the data
// frames each way, how many messages had RSV1 (compressed), and their payload bytes. Both
// sides must have compressed, and compressible payloads must have shrunk: a run where
// permessage-deflate was agreed but not used fails here.
if (netlog) {
  const t0 = performance.now();
  try {
    const d = JSON.parse(fs.readFileSync(netlog, 'utf8'));
    const T = d.constants.logEventTypes;
    const conns = new Map();
    for (const e of d.events) {
      const dir = e.type === T.WEBSOCKET_SENT_FRAME_HEADER ? 'sent' : e.type === T.WEBSOCKET_RECV_FRAME_HEADER ? 'recv' : null;
      if (!dir || ![0, 1, 2].includes(e.params.opcode)) continue;
      if (!conns.has(e.source.id)) conns.set(e.source.id, { sent: { msgs: 0, rsv1: 0, frames: 0, bytes: 0 }, recv: { msgs: 0, rsv1: 0, frames: 0, bytes: 0 } });
      const side = conns.get(e.source.id)[dir];
      side.frames++; side.bytes += e.params.payload_length;
      if (e.params.opcode !== 0) { side.msgs++; if (e.params.reserved1) side.rsv1++; }
    }
    const ids = [...conns.keys()].sort((a, b) => a - b);
    if (ids.length !== ran.length) throw new Error(`${ids.length} connections with data in the NetLog, ${ran.length} scenarios run`);
    const problems = [];
    ids.forEach((id, i) => {
      const { sent, recv } = conns.get(id);
      const name = ran[i];
      console.log(`  wire ${name.padEnd(32)} sent ${sent.msgs} msgs (${sent.rsv1} RSV1) in ${sent.frames} frames, ${sent.bytes} B; `
        + `received ${recv.msgs} msgs (${recv.rsv1} RSV1) in ${recv.frames} frames, ${recv.bytes} B`);
      if (sent.rsv1 === 0) problems.push(`${name}: Chromium compressed nothing`);
      // Our server compresses every message (threshold 0) with a window of 9 bits or more.
      if (recv.rsv1 !== recv.msgs) problems.push(`${name}: the server left ${recv.msgs - recv.rsv1} of ${recv.msgs} uncompressed`);
      const m = /^deflate_echo_(.*)_compressible$/.exec(name);
      const payloadBytes = 1640994;  // the sum of SIZES
      if (m && (sent.bytes * 4 > payloadBytes || recv.bytes * 4 > payloadBytes)) problems.push(`${name}: ${payloadBytes} B did not shrink 4:1`);
    });
    if (problems.length) throw new Error(problems.join('; '));
    passed++;
    console.log(`PASS ${'deflate_on_the_wire'.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${ids.length} connections, RSV1 both ways, compressible data shrank`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${'deflate_on_the_wire'.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${String(e.message).split('\n')[0]}`);
  } finally {
    fs.rmSync(netlogDir, { recursive: true, force: true });
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
