#!/usr/bin/env node
// Browser interop: Debian's headless Chromium (driven by playwright-core; no browser
// is ever downloaded) runs the scenarios with the page's own `WebSocket` API.
//
//   node tests/peers/browser.mjs ws://127.0.0.1:PORT/ [--page URL] [--expect-subprotocol chat|none]
//        [--only a,b] [--timeout SECONDS]
//
// --page: page the tests run in (default: http://<host:port of the ws URL>/, i.e. the
//         echo server's HTTP side; a data: URL such as 'data:text/html,x' also works).
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
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--page') page_url = argv[++i];
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
async function inPage({ name, url, expectSp, MiB }) {
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
    case 'permessage_deflate_declined': {  // Chromium always offers permessage-deflate
      const c = await open();
      if (c.ws.extensions !== '') throw new Error(`server accepted extension '${c.ws.extensions}'`);
      c.ws.send('x'.repeat(1000));
      if ((await c.recv()) !== 'x'.repeat(1000)) throw new Error('echo failed');
      await done(c); return 'no extension negotiated';
    }
    default: throw new Error(`unknown scenario ${name}`);
  }
}

const MiB = 1024 * 1024;
const names = ['text_utf8', 'text_empty', 'binary_empty',
  ...[125, 126, 65535, 65536, MiB, 16 * MiB].map((n) => `binary_${n}`),
  'burst_1000_in_order', 'close_by_client_code_reason', 'subprotocol_chat_superchat', 'permessage_deflate_declined'];

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfc6455-chromium-'));
let passed = 0; let failed = 0; let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
      // let data:/file: pages (opaque origin) reach ws://127.0.0.1 (Chromium's Local Network Access checks)
      '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessRespectPreflightResults'],
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
        page.evaluate(inPage, { name, url, expectSp, MiB }),
        new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout ${timeoutS}s`)), timeoutS * 1000).unref()),
      ]);
      passed++;
      console.log(`PASS ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${note ?? ''}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name.padEnd(30)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${String(e.message).split('\n')[0]}`);
    }
  }
} catch (e) {
  failed++;
  console.log(`FAIL browser_launch ${String(e.message).split('\n')[0]}`);
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
