// Two devices on one list, through the sync server: a Firefox profile and a WebKitGTK profile open the
// same `?list=<id>` (two anonymous users), each adds a todo and the other must show it live.
//
//   node scripts/cross-browser/xsync.mjs --base http://localhost:3411 [--mode shared|dedicated]
import { launchFirefox, launchWebKit } from './drivers.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const base = arg('base', 'http://localhost:3411');
const mode = arg('mode', 'shared');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const STATE = `async () => ({ ready: !!window.tandem && document.querySelector('.todoapp')?.getAttribute('data-ready') === 'true', todos: [...document.querySelectorAll('.todo-list li label')].map((l) => l.textContent), shown: [...document.querySelectorAll('.tandem-error')].map((e) => e.textContent), online: document.querySelector('.tandem-sync')?.getAttribute('data-online') })`;
async function waitFor(tab, pred, ms, what) {
  const start = Date.now();
  let last;
  while (Date.now() - start < ms) {
    last = await tab.eval(STATE).catch((e) => ({ evalError: e.message }));
    if (pred(last)) return Date.now() - start;
    await sleep(200);
  }
  throw new Error(`timed out (${ms} ms) waiting for ${what}: ${JSON.stringify(last)}`);
}

const ff = await launchFirefox();
const wk = await launchWebKit();
let failed = false;
try {
  const f = await ff.newTab();
  const w = await wk.newTab();
  const url = mode === 'dedicated' ? `${base}/?sharedWorker=0` : `${base}/`;
  await f.goto(url);
  await waitFor(f, (s) => s.ready, 120_000, 'firefox ready');
  const listUrl = await f.url();
  await w.goto(listUrl);
  await waitFor(w, (s) => s.ready && s.online === 'true', 120_000, 'webkit ready and online');
  await waitFor(f, (s) => s.online === 'true', 30_000, 'firefox online');
  for (const [from, to, title] of [
    [f, w, 'from-firefox'],
    [w, f, 'from-webkit'],
  ]) {
    const start = Date.now();
    await from.typeEnter('.new-todo', title);
    try {
      await waitFor(to, (s) => s.todos.includes(title), 15_000, `${title} on the other device`);
      console.log(`PASS ${title} reached the other browser live in ${Date.now() - start} ms`);
    } catch (e) {
      failed = true;
      console.log(`FAIL ${title}: ${e.message}`);
    }
  }
  console.log(`list ${listUrl}`);
} finally {
  await ff.close().catch(() => {});
  await wk.close().catch(() => {});
}
process.exit(failed ? 1 : 0);
