// B15: the worker is killed → the first acknowledged write from a tab that had it open. Node kills
// the SharedWorker through CDP (Target.closeTarget, as the testing kit's killWorker does: no unload,
// no goodbye to its ports), then the tab calls an action at once. Baseline: a cold start of the same
// database in a fresh tab, the worker not running (what a recovery cannot do better than).
import { benchPage, sharedWorkers, waitForWorkerGone } from '../lib/browser.mjs';
import { clockOffset, nodeNow } from '../lib/clock.mjs';
import { engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { ms, summarize } from '../lib/stats.mjs';

const sleep = (t) => new Promise((r) => setTimeout(r, t));
const med = (xs) => summarize(xs).median;
const p95 = (xs) => summarize(xs).p95;

export async function b15({ browser, engine = 'pglite', seed = 300, samples = 15, settleMs = 300 }) {
  const name = engineDb('b15', engine);
  const workerName = `tandem:${name}`;
  const { cdp } = browser;
  const opts = { name, engine };
  let page = await benchPage(browser.context, ` ${name}`);
  await page.evaluate((o) => globalThis.bench.b15Open(o), opts);
  const { rows } = await page.evaluate((o) => globalThis.bench.b15Seed(o), { ...opts, count: seed });

  const recovery = [];
  const cold = [];
  const phases = { noticed: [], callIssued: [], workerCreated: [], moduleEvaluated: [], engineReady: [], ready: [] };
  const offsets = [];
  let answeredByOld = 0;
  let targetReused = 0;
  let last = null;
  for (let i = 0; i < samples; i++) {
    // --- the kill, with the tab open
    await page.evaluate(() => globalThis.bench.b15Arm());
    const off = await clockOffset(page, 10);
    offsets.push(off.rtt);
    await sleep(settleMs);
    const targets = await sharedWorkers(cdp, workerName);
    if (targets.length !== 1) throw new Error(`${workerName}: ${targets.length} shared workers before kill ${i}, expected 1`);
    const killAt = nodeNow();
    await cdp.send('Target.closeTarget', { targetId: targets[0].targetId });
    const w = await page.evaluate(() => globalThis.bench.b15Write());
    const tl = await page.evaluate((o) => globalThis.bench.b15Timeline(o), opts);
    const since = (pageTime) => pageTime - off.offset - killAt;
    const reconnecting = w.events.find((e) => e.state === 'reconnecting');
    const ready = w.events.find((e) => e.state === 'ready' && (!reconnecting || e.at >= reconnecting.at));
    // The old worker answered the call before it was gone: not a recovery (counted, left out).
    if (!reconnecting || reconnecting.at > w.ackAt || tl.timeOrigin - off.offset < killAt) {
      answeredByOld++;
    } else {
      recovery.push(since(w.ackAt));
      phases.noticed.push(since(reconnecting.at));
      phases.callIssued.push(since(w.callAt));
      phases.workerCreated.push(since(tl.timeOrigin));
      phases.moduleEvaluated.push(since(tl.moduleStart));
      const engineReady = tl.logs.find((l) => l.message.startsWith('engine ready'));
      if (engineReady) phases.engineReady.push(since(engineReady.at));
      if (ready) phases.ready.push(since(ready.at));
    }
    const after = await sharedWorkers(cdp, workerName);
    if (after.some((t) => t.targetId === targets[0].targetId)) targetReused++;
    last = tl;

    // --- the baseline: the same database, cold, in a fresh tab
    await page.close();
    await waitForWorkerGone(cdp, workerName);
    page = await benchPage(browser.context, ` ${name}`);
    cold.push((await page.evaluate((o) => globalThis.bench.b15Open(o), opts)).ms);
  }
  const end = await page.evaluate((o) => globalThis.bench.b15Timeline(o), opts);
  await page.close();
  await waitForWorkerGone(cdp, workerName);
  if (recovery.length === 0) throw new Error(`${workerName}: every call after a kill was answered by the dying worker`);

  const subject = summarize(recovery);
  const base = summarize(cold);
  const seg = (key) => `${ms(med(phases[key]))} / ${ms(p95(phases[key]))}`;
  const engineLog = last?.logs.find((l) => l.message.startsWith('engine ready'))?.message ?? 'none';
  return [
    {
      id: engineId('B15', engine),
      title: engineTitle(`Worker killed → first acknowledged write from an open tab (${seed} actions in the journal)`, engine),
      unit: 'ms',
      subject,
      baseline: { label: 'cold start of the same database in a fresh tab, worker not running: openTandem() → first acknowledged write', ...base },
      ratio: subject.median / base.median,
      target: 'report',
      pass: null,
      method: `One tab opens \`${name}\` (a live count of its rows held, as an app's tab would), writes ${seed} \`add\` actions one at a time (each its own journal record; no checkpoint before 500: every start replays them all), then ${samples} times: Node kills the SharedWorker (CDP \`Target.closeTarget\` on its target, what the testing kit's \`killWorker\` does) and, once the browser has taken the command, the tab calls \`db.actions.add\` at once; timed on Node's clock (the page's mapped by an NTP-style offset, best probe ≤ ${ms(Math.max(...offsets))}) from the kill being issued to that call resolving. The tab notices the death (the worker's life lock is granted), opens a fresh SharedWorker, which restores from IndexedDB and replays the journal, reconnects as the same tab, subscribes its live query again and retries the call under its call id. ${settleMs} ms pause before each kill. Breakdown, p50 / p95 from the kill: call issued ${seg('callIssued')}, death noticed in the tab (\`db.connection\` 'reconnecting') ${seg('noticed')}, fresh worker created ${seg('workerCreated')}, its module running ${seg('moduleEvaluated')}, its engine ready (restore, before replay) ${seg('engineReady')}, tab 'ready' (replay, connect, live query restored) ${seg('ready')}, write acknowledged ${ms(subject.median)} / ${ms(subject.p95)}. Engine log of the last fresh worker: "${engineLog}". Baseline, after each kill sample: the tab is closed, the worker's exit awaited, a fresh tab times openTandem() → its first acknowledged \`add\` (p50 ${ms(base.median)}, p95 ${ms(base.p95)}). Rows: ${rows} after seeding; journal records at the end ${end.journalRecords} (checkpoint @${end.lastCheckpointSeq}). Calls answered by the dying worker (left out): ${answeredByOld} of ${samples}; killed target id listed again afterwards: ${targetReused}.`,
      details: { recovery, cold, phases },
    },
  ];
}
