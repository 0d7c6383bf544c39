#!/usr/bin/env node
// End-to-end check of `examples/chat.rs` in Debian's headless Chromium, driven by
// playwright-core (no browser is ever downloaded). Starts nothing itself: run the
// example first, then
//
//   cargo run --release --example chat -- 127.0.0.1:8080 &
//   node tests/peers/chat_e2e.mjs http://127.0.0.1:8080/ [--screenshot PREFIX] [--timeout SECONDS]
//
// Opens two tabs, sends from each (Enter and the button), and checks that both
// tabs show every message with a timestamp, as text (never HTML); checks the
// state indicator, the reconnect after a close, and the HTTP side (404, the
// refused WebSocket path). --screenshot writes PREFIX-a.png and PREFIX-b.png.
// Prints PASS/FAIL per check and 'N passed, M failed'; exit 1 on any failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node', 'package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const argv = process.argv.slice(2);
let url; let shots = null; let timeoutS = 20;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--screenshot') shots = argv[++i];
  else if (argv[i] === '--timeout') timeoutS = Number(argv[++i]);
  else url = argv[i];
}
if (!url) { console.error('usage: chat_e2e.mjs http://127.0.0.1:8080/ [--screenshot PREFIX]'); process.exit(2); }
if (!fs.existsSync(CHROMIUM)) {
  console.error(`chat_e2e: ${CHROMIUM} not found (apt-get install -y chromium)`);
  process.exit(1);
}

let passed = 0; let failed = 0;
async function check(name, fn) {
  const t0 = performance.now();
  try {
    const note = await fn();
    passed++;
    console.log(`PASS ${name.padEnd(34)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${note ?? ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name.padEnd(34)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms ${String(e.message).split('\n')[0]}`);
  }
}

// The texts of the chat bubbles (not the info lines) in a page.
const bubbles = (page) => page.$$eval('#log li:not(.info)', (lis) => lis.map((li) => ({
  cls: li.className,
  meta: li.querySelector('.meta')?.textContent ?? '',
  time: li.querySelector('time')?.textContent ?? '',
  text: li.querySelector('.text')?.textContent ?? '',
  html: li.querySelector('.text')?.innerHTML ?? '',
})));
const waitForText = (page, text) => page.waitForFunction(
  (t) => [...document.querySelectorAll('#log li .text')].some((e) => e.textContent === t), text);
const waitOpen = (page) => page.waitForSelector('#state.open');

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfc6455-chat-e2e-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60000,
    viewport: { width: 720, height: 560 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const a = context.pages()[0] || await context.newPage();
  const b = await context.newPage();
  for (const p of [a, b]) p.setDefaultTimeout(timeoutS * 1000);
  const tag = Math.random().toString(36).slice(2, 8);

  await check('page_loads_and_connects', async () => {
    const response = await a.goto(url);
    if (response.status() !== 200) throw new Error(`status ${response.status()}`);
    const type = response.headers()['content-type'];
    if (!/^text\/html; charset=utf-8$/i.test(type)) throw new Error(`content-type ${type}`);
    await b.goto(url);
    await Promise.all([waitOpen(a), waitOpen(b)]);
    return `state "${await a.textContent('#state')}"`;
  });

  await check('enter_sends_to_both_tabs', async () => {
    const text = `hello from A ${tag}`;
    await a.fill('#input', text);
    await a.press('#input', 'Enter');
    await Promise.all([waitForText(a, text), waitForText(b, text)]);
    if ((await a.inputValue('#input')) !== '') throw new Error('input not cleared');
    const mine = (await bubbles(a)).find((m) => m.text === text);
    const theirs = (await bubbles(b)).find((m) => m.text === text);
    if (!mine.cls.includes('mine') || !mine.meta.startsWith('you')) throw new Error(`A shows ${JSON.stringify(mine)}`);
    if (!theirs.cls.includes('theirs') || !theirs.meta.startsWith('#')) throw new Error(`B shows ${JSON.stringify(theirs)}`);
  });

  await check('button_sends_to_both_tabs', async () => {
    const text = `reply from B ${tag}`;
    await b.fill('#input', text);
    await b.click('#send');
    await Promise.all([waitForText(a, text), waitForText(b, text)]);
  });

  await check('messages_have_timestamps', async () => {
    for (const p of [a, b]) {
      const all = await bubbles(p);
      if (all.length < 2) throw new Error(`${all.length} bubbles`);
      for (const m of all) if (!/\d{1,2}:\d{2}/.test(m.time)) throw new Error(`no time in ${JSON.stringify(m)}`);
    }
  });

  await check('unicode_and_markup_are_text', async () => {
    const text = `héllo 🦀 "quoted" \\ <b>not bold</b> & ${tag}`;
    await a.fill('#input', text);
    await a.press('#input', 'Enter');
    await Promise.all([waitForText(a, text), waitForText(b, text)]);
    const got = (await bubbles(b)).find((m) => m.text === text);
    if (got.html.includes('<b>')) throw new Error('markup was interpreted');
  });

  await check('reconnects_after_close', async () => {
    await b.evaluate(() => ws.close(4000, 'test'));
    await b.waitForFunction(() => /reconnecting in \d+ s/.test(document.getElementById('state').textContent));
    const shown = await b.textContent('#state');
    if ((await b.isDisabled('#send')) !== true) throw new Error('send enabled while closed');
    await waitOpen(b);
    const text = `after reconnect ${tag}`;
    await b.fill('#input', text);
    await b.press('#input', 'Enter');
    await Promise.all([waitForText(a, text), waitForText(b, text)]);
    return `saw "${shown}"`;
  });

  await check('http_404_and_refused_ws_path', async () => {
    const status = await a.evaluate(() => fetch('/no-such-page').then((r) => r.status));
    if (status !== 404) throw new Error(`GET /no-such-page: ${status}`);
    const code = await a.evaluate(() => new Promise((resolve) => {
      const s = new WebSocket(`ws://${location.host}/not-ws`);
      s.onopen = () => resolve('opened');
      s.onclose = (e) => resolve(e.code);
    }));
    if (code !== 1006) throw new Error(`ws on /not-ws: ${code}`);
  });

  if (shots) {
    await check('screenshots', async () => {
      await a.screenshot({ path: `${shots}-a.png` });
      await b.screenshot({ path: `${shots}-b.png` });
      return `${shots}-a.png ${shots}-b.png`;
    });
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
