// The checkpoint path (engine image written to IndexedDB, then opened from it), which the scenarios in
// run.mjs never reach (a checkpoint needs 500 journal records): 520 todos added through
// window.tandem.actions, wait for debug().checkpoints > 0, close the app's tab, open a fresh one and
// check every todo is back.
//
//   node scripts/cross-browser/checkpoint-probe.mjs --browser firefox|webkit --base http://localhost:3411 [--mode shared|dedicated]
import { launchFirefox, launchWebKit } from './drivers.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const browserName = arg('browser', 'firefox');
const base = arg('base', 'http://localhost:3411');
const mode = arg('mode', 'shared');
const N = Number(arg('n', '520'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const COUNT = `async () => ({ ready: !!window.tandem && document.querySelector('.todoapp')?.getAttribute('data-ready') === 'true', n: document.querySelectorAll('.todo-list li').length, shown: [...document.querySelectorAll('.tandem-error')].map((e) => e.textContent) })`;
async function until(tab, pred, ms, what) {
  const start = Date.now();
  let last;
  while (Date.now() - start < ms) {
    last = await tab.eval(COUNT).catch((e) => ({ evalError: e.message }));
    if (pred(last)) return Date.now() - start;
    await sleep(250);
  }
  throw new Error(`timed out (${ms} ms) waiting for ${what}: ${JSON.stringify(last)}`);
}

const browser = browserName === 'webkit' ? await launchWebKit() : await launchFirefox();
let ok = true;
try {
  const A = await browser.newTab();
  await A.goto(mode === 'dedicated' ? `${base}/?sharedWorker=0` : `${base}/`);
  await until(A, (s) => s.ready, 120_000, 'A ready');
  const url = await A.url();
  const t0 = Date.now();
  await A.eval(`async () => { const db = window.tandem; await Promise.all(Array.from({ length: ${N} }, (_, i) => db.actions.addTodo({ title: 'bulk-' + i, listId: db.listId }))); return true; }`);
  const addMs = Date.now() - t0;
  await until(A, (s) => s.n === N, 60_000, `${N} todos shown`);
  const start = Date.now();
  let debug;
  while (Date.now() - start < 60_000) {
    debug = await A.eval(`async () => window.tandem.debug()`);
    if (debug.checkpoints > 0) break;
    await sleep(500);
  }
  console.log(`${N} adds in ${addMs} ms; checkpoints ${debug.checkpoints} after ${Date.now() - start} ms more`);
  if (!debug.checkpoints) ok = false;
  const C = await browser.newTab();
  await C.goto('about:blank');
  await A.close();
  await sleep(3000);
  const reopen = Date.now();
  await C.goto(url);
  await until(C, (s) => s.ready && s.n === N, 120_000, `fresh tab ready with ${N} todos`);
  console.log(`fresh tab ready with all ${N} todos ${Date.now() - reopen} ms after navigation; status ${JSON.stringify(await C.eval(`async () => (await window.tandem.status()).host`))}`);
  const out = browser.browserOutput?.() ?? [];
  for (const l of out.filter((l) => /tandem|console\.(error|warn)/.test(l))) console.log(`  ${l}`);
  const pageLog = await C.eval(`async () => window.__xbLog || null`);
  if (pageLog?.length) console.log('page log:', JSON.stringify(pageLog).slice(0, 2000));
} catch (e) {
  ok = false;
  console.log(`FAIL ${e.message}`);
} finally {
  await browser.close().catch(() => {});
}
console.log(ok ? 'PASS checkpoint written and reopened' : 'FAIL');
process.exit(ok ? 0 : 1);
