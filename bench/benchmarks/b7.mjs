// B7: reactive loop across tabs, and how many unaffected live queries re-ran.
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { ms, summarize } from '../lib/stats.mjs';

export async function b7({ browser, engine = 'pglite', n = 500, warmup = 50, echoN = 500 }) {
  const name = engineDb('b7', engine);
  const page = await benchPage(browser.context, ` ${name}`);
  const r = await page.evaluate((o) => globalThis.bench.b7(o), { name, engine, n, warmup, echoN });
  await page.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
  const subject = summarize(r.latency);
  const base = summarize(r.echo);
  const ack = summarize(r.ackA);
  const profile =
    engine === 'sqlite'
      ? `In-worker profile of the same write with B's 100 subscriptions live (100 sequential \`runtime.run('addHot')\`, the engine's \`SqliteConnection\` all/once/exec wrapped): ${r.profile.wasmCallsPerAction.toFixed(1)} SQLite statements and ${ms(r.profile.wasmMsPerAction)} in SQLite per write, wall ${ms(r.profile.wallMsPerAction)} (compare B3-sqlite's profile of a write with no live query: the difference is re-evaluating the 5 hot queries before the write resolves).`
      : `In-worker profile of the same write with B's 100 subscriptions live (100 sequential \`runtime.run('addHot')\`, PGlite's \`execProtocolRawSync\` wrapped): ${r.profile.wasmCallsPerAction.toFixed(1)} PGlite round trips and ${ms(r.profile.wasmMsPerAction)} in PGlite per write, wall ${ms(r.profile.wallMsPerAction)} (compare B3's profile of a write with no live query: the difference is re-evaluating the 5 hot queries before the write resolves).`;
  return [
    {
      id: engineId('B7', engine),
      title: engineTitle('Write in tab A → live callback in tab B (B holds 100 live queries, 5 on the written table)', engine),
      unit: 'ms',
      subject,
      baseline: { label: 'raw MessagePort echo, same worker and page', ...base },
      ratio: subject.median / base.median,
      target: 'p50 ≤ 5 ms',
      pass: subject.median <= 5,
      method: `Tabs A and B are two openTandem() clients in one page (two ports, two tab ids: two tabs to the worker), so one performance.now() clock times A's call → B's first hot callback. ${n} sequential writes after ${warmup} warm-up, each awaited (callback and ack). A's own ack in the same loop: median ${ms(ack.median)}, p95 ${ms(ack.p95)}. Echo: ${echoN} round trips after the writes. ${profile}`,
    },
    {
      id: engineId('B7u', engine),
      title: engineTitle(`Re-runs of the 95 unaffected live queries during ${engineId('B7', engine)}`, engine),
      unit: 'count',
      subject: { n: r.coldQueries, median: r.coldReruns, p95: null },
      baseline: { label: `re-runs of the ${r.hotQueries} affected queries (for scale)`, median: r.hotRuns },
      ratio: NaN,
      target: '0 re-runs',
      pass: r.coldReruns === 0 && r.coldInitial === r.coldQueries,
      method: `From \`db.debug().liveEvaluations\` (per SQL text; all 100 texts distinct): ${r.coldQueries} cold queries evaluated ${r.coldInitial} times at subscribe and ${r.coldReruns} times during ${r.writes} writes; the ${r.hotQueries} hot queries re-ran ${r.hotRuns} times (${(r.hotRuns / r.writes).toFixed(2)} per write).`,
    },
  ];
}
