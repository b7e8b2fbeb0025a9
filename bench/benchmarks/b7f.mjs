// B7f: 100 live queries on one table, one affected per write (issue 17: predicate-level invalidation).
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { ms, summarize } from '../lib/stats.mjs';

export async function b7f({ browser, engine = 'pglite', n = 300, warmup = 30, echoN = 300 }) {
  const name = engineDb('b7f', engine);
  const page = await benchPage(browser.context, ` ${name}`);
  const r = await page.evaluate((o) => globalThis.bench.b7f(o), { name, engine, n, warmup, echoN });
  await page.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
  const subject = summarize(r.latency);
  const base = summarize(r.echo);
  const ack = summarize(r.ackA);
  const perWrite = r.reruns / r.writes;
  return [
    {
      id: engineId('B7f', engine),
      title: engineTitle('Write in tab A → live callback in tab B (B holds 100 live queries on the written table, 1 affected)', engine),
      unit: 'ms',
      subject,
      baseline: { label: 'raw MessagePort echo, same worker and page', ...base },
      ratio: subject.median / base.median,
      target: 'p50 ≤ 5 ms',
      pass: subject.median <= 5,
      method: `Tab B subscribes \`select id, v from items where list_id = $1 order by id\` for ${r.lists} lists (one SQL text, 100 params); tab A adds an item to one list, ${n} sequential writes after ${warmup} warm-up, each awaited (B's callback and A's ack). A's own ack in the same loop: median ${ms(ack.median)}, p95 ${ms(ack.p95)}. Re-runs of the 100 queries: ${r.reruns} over ${r.writes} writes = ${perWrite.toFixed(2)} per write (table level would be 100). Echo: ${echoN} round trips after the writes.`,
    },
    {
      id: engineId('B7fr', engine),
      title: engineTitle(`Live-query re-runs per write during ${engineId('B7f', engine)} (100 queries on the table, 1 affected)`, engine),
      unit: 'count',
      subject: { n: r.writes, median: perWrite, p95: null },
      baseline: { label: 'table level (every query on the table re-runs)', median: r.lists },
      ratio: perWrite / r.lists,
      target: '≤ 1 per write',
      pass: perWrite <= 1,
      method: `From \`db.debug().liveEvaluations\` of the shared SQL text: ${r.initial} evaluations at subscribe, ${r.reruns} during ${r.writes} writes.`,
    },
  ];
}
