// B4: tab call → durable acknowledgement (sequential), and concurrent durable writes from 4 tabs.
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { ms, summarize } from '../lib/stats.mjs';

/**
 * `durability: 'strict'` is B4s: the same calls with the journal's IndexedDB transactions strict
 * (flushed to disk before they complete); `relaxed`, B4's row from the same run, is set beside it.
 */
export async function b4Sequential({ browser, engine = 'pglite', durability, relaxed, n = 1000, block = 50, warmup = 100 }) {
  const strict = durability === 'strict';
  const name = engineDb(strict ? 'b4s' : 'b4', engine);
  const page = await benchPage(browser.context, ` ${name}`);
  const r = await page.evaluate((o) => globalThis.bench.b4Sequential(o), { name, engine, n, block, warmup, ...(durability ? { durability } : {}) });
  await page.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
  const subject = summarize(r.ack);
  const base = summarize(r.echo);
  if (strict) {
    const same = relaxed
      ? ` Same run, B4 (relaxed): p50 ${ms(relaxed.subject.median)}, p95 ${ms(relaxed.subject.p95)}; strict ÷ relaxed = ${(subject.median / relaxed.subject.median).toFixed(2)}× at p50, ${(subject.p95 / relaxed.subject.p95).toFixed(2)}× at p95.`
      : ' B4 (relaxed) did not run before it in this run.';
    return [
      {
        id: engineId('B4s', engine),
        title: engineTitle("Tab `db.actions.add()` → durable ack, sequential, durability 'strict'", engine),
        unit: 'ms',
        subject,
        baseline: { label: 'raw MessagePort echo, same worker', ...base },
        ratio: subject.median / base.median,
        target: 'report',
        pass: null,
        method: `As B4 with \`durability: 'strict'\` (each journal transaction is flushed to disk before it completes): ${n} awaited calls after ${warmup} warm-up, alternating blocks of ${block} with the echo; fresh database. In the same worker right after (200 calls, mean): ${ms(r.inWorkerMs)} per action.${same}`,
      },
    ];
  }
  return [
    {
      id: engineId('B4', engine),
      title: engineTitle('Tab `db.actions.add()` → durable ack, sequential', engine),
      unit: 'ms',
      subject,
      baseline: { label: 'raw MessagePort echo, same worker', ...base },
      ratio: subject.median / base.median,
      target: 'p50 ≤ 1.5 ms',
      pass: subject.median <= 1.5,
      method: `${n} awaited calls after ${warmup} warm-up, alternating blocks of ${block} with the echo; fresh database (default checkpointEvery 500). The same action awaited sequentially inside the same worker right after (200 calls, mean): ${ms(r.inWorkerMs)} per action.`,
    },
  ];
}

export async function b4Concurrent({ browser, tabs = 4, perTab = 500, rounds = 5, rawSequentialPerSecond, rawMedianMs }) {
  const pages = [];
  for (let i = 0; i < tabs; i++) pages.push(await benchPage(browser.context, ` b4c-${i}`));
  await Promise.all(pages.map((p) => p.evaluate((o) => globalThis.bench.b4ConcurrentOpen(o), { name: 'b4c' })));
  const rates = [];
  let failed = 0;
  let firstError = null;
  for (let round = 0; round < rounds; round++) {
    const results = await Promise.all(pages.map((p) => p.evaluate((o) => globalThis.bench.b4ConcurrentFire(o), { count: perTab, round })));
    const start = Math.min(...results.map((r) => r.start));
    const end = Math.max(...results.map((r) => r.end));
    const ok = results.reduce((s, r) => s + r.ok, 0);
    failed += results.reduce((s, r) => s + r.failed, 0);
    firstError ??= results.find((r) => r.firstError)?.firstError ?? null;
    rates.push(ok / ((end - start) / 1000));
  }
  const counters = await pages[0].evaluate((o) => globalThis.bench.b4ConcurrentCounters(o), { name: 'b4c' });
  for (const p of pages) await p.close();
  await waitForWorkerGone(browser.cdp, 'tandem:b4c');
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const total = tabs * perTab * rounds;
  return [
    {
      id: 'B4c',
      title: `Concurrent durable writes, ${tabs} tabs × ${perTab} actions in flight each`,
      unit: 'writes/s',
      subject: { n: rounds, median, p95: sorted[0], p95Label: 'slowest round' },
      baseline: { label: 'raw PGlite INSERT + Dexie put, sequential in the worker (B3 baseline, writes/s)', median: rawSequentialPerSecond },
      ratio: median / rawSequentialPerSecond,
      target: '≥ 3,000 writes/s',
      pass: median >= 3000 && failed === 0,
      method: `${rounds} rounds; in each, ${tabs} tabs fire ${perTab} \`add\` actions at once and await them all; rate = acknowledged writes / (last ack − first start) across tabs (performance.timeOrigin-based clock). ${total} writes: ${failed} failed${firstError ? ` (${firstError})` : ''}. Worker counters afterwards: ${counters.debug.actionsRun} actions in ${counters.debug.batchesCommitted} batches (mean ${(counters.debug.actionsRun / counters.debug.batchesCommitted).toFixed(0)} per group commit), ${counters.debug.checkpoints} checkpoints (default checkpointEvery 500: forced at 2,000 records under load, included in the rates). Per-round writes/s: ${rates.map((r) => r.toFixed(0)).join(', ')}. Baseline raw sequential median ${rawMedianMs.toFixed(3)} ms/write.`,
    },
  ];
}
