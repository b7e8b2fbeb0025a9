// With ?sharedWorker=0: where does the time go when the leader tab closes? Tab B records, every 50 ms,
// its connection state and the Web Locks held in the origin; the harness closes leader tab A, types a
// todo in B at once, and prints the timeline (ms after the close).
//
//   node scripts/cross-browser/takeover-probe.mjs --browser webkit|firefox --base http://localhost:3411 [--runs 3]
import { launchFirefox, launchWebKit } from './drivers.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const browserName = arg('browser', 'webkit');
const base = arg('base', 'http://localhost:3411');
const runs = Number(arg('runs', '3'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const READY = `async () => !!window.tandem && document.querySelector('.todoapp')?.getAttribute('data-ready') === 'true'`;
const RECORD = `async () => {
  const rec = (window.__xbTakeover = []);
  let last = '';
  const tick = async () => {
    const held = (await navigator.locks.query()).held.map((l) => l.name.replace(/[0-9a-f-]{36}/g, '<id>')).sort().join(',');
    const now = window.tandem?.connection + ' | ' + held + ' | ' + document.querySelectorAll('.todo-list li').length + ' todos';
    if (now !== last) rec.push({ t: Date.now(), now });
    last = now;
  };
  window.__xbTimer = setInterval(tick, 50);
  await tick();
  return true;
}`;

for (let run = 1; run <= runs; run++) {
  // A fresh profile per run, so tab A is the elected leader.
  const browser = browserName === 'webkit' ? await launchWebKit() : await launchFirefox();
  try {
    const A = await browser.newTab();
    await A.goto(`${base}/?sharedWorker=0`);
    while (!(await A.eval(READY))) await sleep(100);
    const url = await A.url();
    const B = await browser.newTab();
    await B.goto(url);
    while (!(await B.eval(READY))) await sleep(100);
    const n0 = await B.eval(`async () => document.querySelectorAll('.todo-list li').length`);
    await B.eval(RECORD);
    await sleep(300);
    const closed = Date.now();
    await A.close();
    await B.typeEnter('.new-todo', `takeover-${run}`);
    while ((await B.eval(`async () => document.querySelectorAll('.todo-list li').length`)) <= n0) {
      if (Date.now() - closed > 30_000) throw new Error('the add never appeared in B');
      await sleep(50);
    }
    const done = Date.now();
    const rec = await B.eval(`async () => { clearInterval(window.__xbTimer); return window.__xbTakeover; }`);
    console.log(`\n${browserName} run ${run}: add visible in B ${done - closed} ms after A.close() was sent`);
    for (const r of rec) console.log(`  ${String(r.t - closed).padStart(6)} ms  ${r.now}`);
  } finally {
    await browser.close().catch(() => {});
  }
}
