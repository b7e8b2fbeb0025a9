// Runs the demo's cross-browser scenarios in one browser, against one running demo server (its engine
// is the server's TANDEM_ENGINE), in one mode (default: SharedWorker; dedicated: ?sharedWorker=0).
//
//   node scripts/cross-browser/run.mjs --browser firefox|webkit --base http://localhost:3411 --mode shared|dedicated [--out file.json]
//
// Each run uses a fresh browser profile. Scenarios (see README.md):
//   S1 open, ready, add 3 todos via the UI, toggle one
//   S2 second tab on the same URL: same todos; add there, appears live in the first
//   S3 reload the second tab: todos persist
//   S4 close the first tab (the elected leader with sharedWorker=0): the second still works
//   S5 reload the only tab left: todos persist (the worker restarts from the journal when it was the only one)
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchFirefox, launchWebKit } from './drivers.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((a) => a.trim().split(/\s+/)),
);
const browserName = args.browser ?? 'firefox';
const base = args.base ?? 'http://localhost:3411';
const mode = args.mode ?? 'shared';
const READY_MS = Number(args.readyMs ?? 120_000);
const LIVE_MS = Number(args.liveMs ?? 10_000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const results = [];
const logs = [];
const t0 = Date.now();
function record(scenario, pass, detail = {}) {
  const r = { scenario, pass, ...detail };
  results.push(r);
  console.log(`${pass ? 'PASS' : 'FAIL'} ${scenario} ${JSON.stringify(detail)}`);
}

const READ_STATE = `async () => {
  const root = document.querySelector('.todoapp');
  const err = [...document.querySelectorAll('.tandem-error, .tandem-connection, .tandem-update')].map((e) => e.textContent.trim()).filter(Boolean);
  return {
    ready: !!window.tandem && root?.getAttribute('data-ready') === 'true',
    todos: [...document.querySelectorAll('.todo-list li')].map((li) => ({ title: li.querySelector('label')?.textContent ?? '', done: li.classList.contains('completed') })),
    shown: err,
    pending: document.querySelector('.tandem-pending')?.textContent ?? null,
    online: document.querySelector('.tandem-sync')?.getAttribute('data-online') ?? null,
  };
}`;
const PAGE_LOG = `async () => (window.__xbLog || []).splice(0)`;
const STATUS = `async () => { if (!window.tandem) return null; const s = await window.tandem.status(); return { host: s.host, engine: window.tandem.engine, connection: window.tandem.connection, storage: s.storage }; }`;
// Proves the log channels work: this line must come back through the page capture (and, in Firefox, BiDi).
const SELF_TEST = `async () => { console.warn('[xb] capture self-test'); return true; }`;
const FEATURES = `async () => ({
  ua: navigator.userAgent,
  SharedWorker: typeof SharedWorker,
  locks: !!navigator.locks,
  BroadcastChannel: typeof BroadcastChannel,
  storagePersist: typeof navigator.storage?.persist,
  isSecureContext,
  capture: Array.isArray(window.__xbLog),
})`;

const browserOutput = [];
function pullBrowserOutput() {
  for (const line of browser.browserOutput?.() ?? []) {
    browserOutput.push(line);
    // Firefox's own chrome code (resource://, chrome://) logs errors of its own under automation: not the page's.
    if (/^(console\.(error|warn|assert)|JavaScript error|JavaScript warning)/.test(line) && !/^JavaScript (error|warning): (resource|chrome):\/\//.test(line)) logs.push({ tab: 'firefox-stdout', kind: 'browser-stdout', text: line.slice(0, 3000) });
  }
}

async function pullLogs(tab, label) {
  pullBrowserOutput();
  const fromDriver = tab.logs();
  let fromPage = [];
  try {
    fromPage = (await tab.eval(PAGE_LOG)) ?? [];
  } catch (e) {
    fromPage = [{ kind: 'harness', text: `could not read window.__xbLog: ${e.message}` }];
  }
  for (const l of [...fromDriver, ...fromPage]) logs.push({ tab: label, ...l, text: String(l.text).slice(0, 3000) });
}

async function waitFor(tab, pred, ms, what) {
  const start = Date.now();
  let last;
  while (Date.now() - start < ms) {
    try {
      last = await tab.eval(READ_STATE);
      if (pred(last)) return { ms: Date.now() - start, state: last };
    } catch (e) {
      last = { evalError: e.message };
    }
    await sleep(200);
  }
  const err = new Error(`timed out after ${ms} ms waiting for ${what}; last state ${JSON.stringify(last).slice(0, 1500)}`);
  err.state = last;
  throw err;
}

const titles = (s) => s.todos.map((t) => t.title);
const has = (s, list) => list.every((t) => titles(s).includes(t));

async function step(name, fn) {
  const start = Date.now();
  try {
    const detail = (await fn()) ?? {};
    record(name, true, { ms: Date.now() - start, ...detail });
    return true;
  } catch (e) {
    record(name, false, { ms: Date.now() - start, error: e.message });
    return false;
  }
}

const browser = browserName === 'webkit' ? await launchWebKit() : await launchFirefox();
const url = mode === 'dedicated' ? `${base}/?sharedWorker=0` : `${base}/`;
let A;
let B;
let listUrl;
let features;
try {
  A = await browser.newTab();
  const ok1 = await step('S1 open+ready', async () => {
    await A.goto(url);
    features = await A.eval(FEATURES);
    const { ms } = await waitFor(A, (s) => s.ready || s.shown.length > 0, READY_MS, 'tab A ready');
    const s = await A.eval(READ_STATE);
    if (!s.ready) throw new Error(`not ready; shown: ${JSON.stringify(s.shown)}`);
    listUrl = await A.url();
    await A.eval(SELF_TEST);
    return { readyMs: ms, status: await A.eval(STATUS), listUrl };
  });
  if (ok1) {
    await step('S1 add 3 todos', async () => {
      const perAdd = [];
      for (let i = 1; i <= 3; i++) {
        const start = Date.now();
        await A.typeEnter('.new-todo', `xb-${i}`);
        await waitFor(A, (s) => titles(s).includes(`xb-${i}`), LIVE_MS, `xb-${i} in A`);
        perAdd.push(Date.now() - start);
      }
      return { perAddMs: perAdd };
    });
    await step('S1 toggle one', async () => {
      await A.click('.todo-list li:nth-child(2) .toggle');
      const { state } = await waitFor(A, (s) => s.todos[1]?.done === true, LIVE_MS, 'second todo done in A');
      // Give the write time to settle, then read again: a live query must not flip it back.
      await sleep(500);
      const after = await A.eval(READ_STATE);
      if (JSON.stringify(after.todos) !== JSON.stringify(state.todos)) throw new Error(`list changed after toggle: ${JSON.stringify(after.todos)}`);
      return { todos: after.todos };
    });
  }
  await pullLogs(A, 'A');

  let okB = false;
  if (ok1) {
    B = await browser.newTab();
    okB = await step('S2 second tab same todos', async () => {
      await B.goto(listUrl);
      const { ms } = await waitFor(B, (s) => (s.ready && has(s, ['xb-1', 'xb-2', 'xb-3'])) || s.shown.length > 0, READY_MS, 'tab B ready with xb-1..3');
      const s = await B.eval(READ_STATE);
      if (!s.ready || !has(s, ['xb-1', 'xb-2', 'xb-3'])) throw new Error(`B: ${JSON.stringify(s)}`);
      const a = await A.eval(READ_STATE);
      if (JSON.stringify(a.todos) !== JSON.stringify(s.todos)) throw new Error(`A ${JSON.stringify(a.todos)} != B ${JSON.stringify(s.todos)}`);
      return { readyMs: ms, todos: s.todos, status: await B.eval(STATUS) };
    });
    if (okB) {
      await step('S2 add in B, live in A', async () => {
        const start = Date.now();
        await B.typeEnter('.new-todo', 'xb-4');
        const inB = (await waitFor(B, (s) => titles(s).includes('xb-4'), LIVE_MS, 'xb-4 in B')).ms;
        const { state } = await waitFor(A, (s) => titles(s).includes('xb-4'), LIVE_MS, 'xb-4 live in A');
        return { inBms: inB, inAms: Date.now() - start, todosA: state.todos.length };
      });
      await step('S2b toggle in A, live in B', async () => {
        const start = Date.now();
        await A.click('.todo-list li:nth-child(1) .toggle');
        const clickMs = Date.now() - start;
        await waitFor(B, (s) => s.todos[0]?.done === true, LIVE_MS, 'first todo done in B');
        return { clickMs, inBms: Date.now() - start };
      });
    }
    await pullLogs(B, 'B');
    await pullLogs(A, 'A');
  }

  if (okB) {
    await step('S3 reload B, todos persist', async () => {
      await pullLogs(B, 'B');
      await B.reload();
      const { ms, state } = await waitFor(B, (s) => s.ready && has(s, ['xb-1', 'xb-2', 'xb-3', 'xb-4']), READY_MS, 'B ready after reload with 4 todos');
      return { readyMs: ms, todos: state.todos.length, status: await B.eval(STATUS) };
    });
    await step('S3 after reload: add in A, live in B', async () => {
      const start = Date.now();
      await A.typeEnter('.new-todo', 'xb-4a');
      await waitFor(B, (s) => titles(s).includes('xb-4a'), LIVE_MS, 'xb-4a live in B');
      return { ms: Date.now() - start };
    });
    await pullLogs(B, 'B');
    await pullLogs(A, 'A');

    await step('S4 close A; B still works', async () => {
      await pullLogs(A, 'A');
      const closedAt = Date.now();
      await A.close();
      A = null;
      await B.typeEnter('.new-todo', 'xb-5');
      const { state } = await waitFor(B, (s) => titles(s).includes('xb-5'), 30_000, 'xb-5 in B after A closed');
      const status = await B.eval(STATUS);
      return { msFromClose: Date.now() - closedAt, todos: state.todos.length, status };
    });
    await step('S4b second add in B after A closed', async () => {
      const start = Date.now();
      await B.typeEnter('.new-todo', 'xb-6');
      await waitFor(B, (s) => titles(s).includes('xb-6'), LIVE_MS, 'xb-6 in B');
      return { ms: Date.now() - start };
    });
    await pullLogs(B, 'B');

    await step('S5 reload the only tab, todos persist', async () => {
      await B.reload();
      const want = ['xb-1', 'xb-2', 'xb-3', 'xb-4', 'xb-4a', 'xb-5', 'xb-6'];
      const { ms, state } = await waitFor(B, (s) => s.ready && has(s, want), READY_MS, 'B ready after reload with all todos');
      return { readyMs: ms, todos: state.todos.length, doneCount: state.todos.filter((t) => t.done).length, status: await B.eval(STATUS) };
    });
    await pullLogs(B, 'B');

    await step('S6 synced with the server (online, 0 pending)', async () => {
      const { ms, state } = await waitFor(B, (s) => s.online === 'true' && s.pending === '0', 30_000, 'B online with 0 pending');
      return { ms, online: state.online, pending: state.pending };
    });

    await step('S7 close every app tab, open a fresh one: todos persist', async () => {
      const C = await browser.newTab();
      await C.goto('about:blank');
      await pullLogs(B, 'B');
      await B.close();
      B = C;
      // Let the SharedWorker (or the leader's dedicated worker) go away with its last tab.
      await sleep(3000);
      await C.goto(listUrl);
      const want = ['xb-1', 'xb-2', 'xb-3', 'xb-4', 'xb-4a', 'xb-5', 'xb-6'];
      const { ms, state } = await waitFor(C, (s) => s.ready && has(s, want), READY_MS, 'C ready with all todos');
      return { readyMs: ms, todos: state.todos.length, doneCount: state.todos.filter((t) => t.done).length, status: await C.eval(STATUS) };
    });
    await pullLogs(B, 'C');

    // With sharedWorker=0 the tab left alone is the leader: reloading it hands the worker to the other tab.
    await step('S8 reload the leader while another tab is open', async () => {
      const C = B;
      const D = await browser.newTab();
      A = D;
      await D.goto(listUrl);
      await waitFor(D, (s) => s.ready && s.todos.length === 7, READY_MS, 'D ready with 7 todos');
      const start = Date.now();
      await C.reload();
      const { ms: cReady } = await waitFor(C, (s) => s.ready && s.todos.length === 7, READY_MS, 'C ready again after its reload');
      await D.typeEnter('.new-todo', 'xb-8');
      await waitFor(D, (s) => s.todos.includes('xb-8') || titles(s).includes('xb-8'), 30_000, 'xb-8 in D');
      await waitFor(C, (s) => titles(s).includes('xb-8'), LIVE_MS, 'xb-8 live in C');
      await C.typeEnter('.new-todo', 'xb-9');
      await waitFor(D, (s) => titles(s).includes('xb-9'), LIVE_MS, 'xb-9 live in D');
      return { cReadyMs: cReady, totalMs: Date.now() - start, statusC: await C.eval(STATUS), statusD: await D.eval(STATUS) };
    });
    await pullLogs(B, 'C');
    await pullLogs(A, 'D');
  }
} catch (e) {
  record('harness', false, { error: String(e?.stack || e) });
} finally {
  for (const [tab, label] of [
    [A, 'A'],
    [B, 'B'],
  ])
    if (tab) await pullLogs(tab, label).catch(() => {});
  await browser.close().catch(() => {});
}

pullBrowserOutput();
const out = { browser: browserName, version: browser.version, base, mode, features, totalMs: Date.now() - t0, results, logs, browserOutput };
const file = args.out ?? path.join('/tmp/xb/results', `${browserName}-${new URL(base).port}-${mode}.json`);
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 2));
console.log(`\n${browserName} ${browser.version} ${base} ${mode}: ${results.filter((r) => r.pass).length}/${results.length} passed, ${logs.length} log entries -> ${file}`);
const selfTest = logs.filter((l) => l.text.includes('[xb] capture self-test')).map((l) => l.kind);
console.log(`  log capture self-test seen via: ${selfTest.join(', ') || 'NOTHING (logs are not being captured!)'}`);
for (const l of logs.filter((l) => !l.text.includes('[xb] capture self-test'))) console.log(`  [${l.tab}] ${l.kind}: ${l.text.split('\n')[0].slice(0, 300)}`);
process.exit(0);
