// B4d, B7d: B4 (tab → durable ack) and B7 (cross-tab live update, 100 live queries) in the
// no-SharedWorker mode (`openTandem({ sharedWorker: false })`). A leader page opens the database
// first and so hosts the worker as a dedicated Worker; a second page, the measured one, dials it over
// BroadcastChannel. Baseline: the same loop through a SharedWorker (a database of its own) from the
// same page, in alternating blocks; the ratio is d ÷ shared.
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { ms, summarize } from '../lib/stats.mjs';

/** The page whose tab wins the Web Lock: it runs the worker script as its dedicated Worker. */
async function leaderPage(browser, name, engine) {
  const page = await benchPage(browser.context, ` ${name}-leader`);
  const lead = await page.evaluate((o) => globalThis.bench.noSwLead(o), { name, engine });
  if (lead.host !== 'dedicated-worker' || lead.locks.held !== 1) throw new Error(`${name}: the leader page runs on ${lead.host}, leader lock held ${lead.locks.held} time(s)`);
  return page;
}

/** The measured clients ran where they should: d through a dedicated worker they dialled, the baseline through the SharedWorker. */
function check(name, r, dialling) {
  if (r.host.d !== 'dedicated-worker' || r.host.shared !== 'shared-worker') throw new Error(`${name}: hosts ${JSON.stringify(r.host)}`);
  if (r.locks.held !== 1 || r.locks.queued !== dialling) throw new Error(`${name}: leader lock held ${r.locks.held}, queued ${r.locks.queued} (expected 1 and ${dialling})`);
}

async function closeAll(browser, pages, sharedName) {
  for (const p of pages) {
    await p.evaluate(() => globalThis.bench.noSwClose());
    await p.close();
  }
  await waitForWorkerGone(browser.cdp, `tandem:${sharedName}`);
}

const sameRun = (id, row, subject) =>
  row ? ` Same run, ${id} (its own SharedWorker, measured before): p50 ${ms(row.subject.median)}, p95 ${ms(row.subject.p95)}; this row ÷ ${id} = ${(subject.median / row.subject.median).toFixed(2)}× at p50.` : ` ${id} did not run before it in this run.`;

export async function b4d({ browser, engine = 'pglite', n = 600, block = 50, warmup = 100, sharedRow }) {
  const name = engineDb('b4d', engine);
  const sharedName = engineDb('b4d-shared', engine);
  const leader = await leaderPage(browser, name, engine);
  const tab = await benchPage(browser.context, ` ${name}-tab`);
  const o = { name, sharedName, engine, n, block, warmup };
  const r = await tab.evaluate((x) => globalThis.bench.b4d(x), o);
  check(name, r, 1);
  // The leader's own tab: its calls reach the worker over a MessageChannel, as with a SharedWorker.
  const l = await leader.evaluate((x) => globalThis.bench.b4d(x), o);
  check(name, l, 0);
  await closeAll(browser, [tab, leader], sharedName);
  const subject = summarize(r.d);
  const base = summarize(r.shared);
  const ld = summarize(l.d);
  const ls = summarize(l.shared);
  const ratio = subject.median / base.median;
  return [
    {
      id: engineId('B4d', engine),
      title: engineTitle('No SharedWorker: `db.actions.add()` → durable ack from a tab that dials the elected tab\'s dedicated Worker (BroadcastChannel), sequential', engine),
      unit: 'ms',
      subject,
      baseline: { label: 'the same calls through a SharedWorker (own database), same page, alternating blocks', ...base },
      ratio,
      target: '≤ 1.5× SharedWorker mode',
      pass: ratio <= 1.5,
      method: `A leader page opens \`${name}\` with \`sharedWorker: false\` first (it wins the Web Lock and starts the bench worker script as its dedicated Worker); a second page opens \`${name}\` the same way (leader lock held 1, queued ${r.locks.queued}: it dials, its calls and answers cross a BroadcastChannel per connection) and \`${sharedName}\` through a SharedWorker, and times ${n} awaited \`add\` calls on each after ${warmup} warm-up each, in alternating blocks of ${block}; fresh databases. Non-leader tab: p50 ${ms(subject.median)}, p95 ${ms(subject.p95)}; SharedWorker p50 ${ms(base.median)}, p95 ${ms(base.p95)}; d ÷ shared ${ratio.toFixed(2)}× at p50, ${(subject.p95 / base.p95).toFixed(2)}× at p95. Then the same from the leader page (its own client, a MessageChannel to its dedicated Worker): p50 ${ms(ld.median)}, p95 ${ms(ld.p95)}, against SharedWorker p50 ${ms(ls.median)}, p95 ${ms(ls.p95)}: ${(ld.median / ls.median).toFixed(2)}× at p50, ${(ld.p95 / ls.p95).toFixed(2)}× at p95.${sameRun(engineId('B4', engine), sharedRow, subject)}`,
      details: { d: r.d, shared: r.shared, leaderD: l.d, leaderShared: l.shared },
    },
  ];
}

export async function b7d({ browser, engine = 'pglite', n = 500, block = 50, warmup = 50, sharedRow }) {
  const name = engineDb('b7d', engine);
  const sharedName = engineDb('b7d-shared', engine);
  const leader = await leaderPage(browser, name, engine);
  const tab = await benchPage(browser.context, ` ${name}-tab`);
  const r = await tab.evaluate((x) => globalThis.bench.b7d(x), { name, sharedName, engine, n, block, warmup });
  check(name, r, 2);
  await closeAll(browser, [tab, leader], sharedName);
  const subject = summarize(r.d.seen);
  const base = summarize(r.shared.seen);
  const ackD = summarize(r.d.ack);
  const ackS = summarize(r.shared.ack);
  const ratio = subject.median / base.median;
  return [
    {
      id: engineId('B7d', engine),
      title: engineTitle('No SharedWorker: write in tab A → live callback in tab B (B holds 100 live queries, 5 on the written table), A and B dialling the elected tab\'s dedicated Worker', engine),
      unit: 'ms',
      subject,
      baseline: { label: 'the same loop through a SharedWorker (own database), same page, alternating blocks', ...base },
      ratio,
      target: '≤ 2× SharedWorker mode',
      pass: ratio <= 2,
      method: `A leader page opens \`${name}\` with \`sharedWorker: false\` first (its dedicated Worker hosts the database) and stays idle. In a second page, as in B7, A and B are two openTandem() clients of \`${name}\` (\`sharedWorker: false\`: leader lock held 1, queued ${r.locks.queued}, so both dial the leader's worker and A's call and B's diffs cross BroadcastChannels), B holding 5 live queries on \`hot\` and 95 on the cold tables; the same pair on \`${sharedName}\` through a SharedWorker. ${n} sequential writes by A on each (after ${warmup} warm-up each), each awaited (B's first hot callback and A's ack), in alternating blocks of ${block}. d: p50 ${ms(subject.median)}, p95 ${ms(subject.p95)}; SharedWorker p50 ${ms(base.median)}, p95 ${ms(base.p95)}; d ÷ shared ${ratio.toFixed(2)}× at p50, ${(subject.p95 / base.p95).toFixed(2)}× at p95. A's own ack: d p50 ${ms(ackD.median)}, SharedWorker p50 ${ms(ackS.median)}. Re-runs of B's 95 cold queries during the writes: d ${r.reruns.d.cold}, SharedWorker ${r.reruns.shared.cold} (hot queries re-ran ${(r.reruns.d.hot / r.reruns.d.writes).toFixed(2)} and ${(r.reruns.shared.hot / r.reruns.shared.writes).toFixed(2)} times per write).${sameRun(engineId('B7', engine), sharedRow, subject)}`,
      details: r,
    },
  ];
}
