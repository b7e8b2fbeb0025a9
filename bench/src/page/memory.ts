/** Worker memory across tab open/close cycles. The node side measures the worker's heap via CDP. */
import { firstResult, open } from './common.ts';
import type { BenchDb } from './common.ts';

const SQLS = ['select id, title from todos order by id desc limit 20', 'select count(*)::int as n from todos'];

let holder: BenchDb | null = null;

/** The long-lived tab that keeps the worker (and its runtime) alive during the cycles. */
export async function memHold(opts: { name: string }) {
  holder = await open(opts.name);
  await holder.actions.add({ title: 'memory' });
  await firstResult(holder, SQLS[0]!);
  return holder.status();
}

export async function memStatus() {
  const s = await holder!.status();
  return { tabs: s.tabs, liveQueries: s.liveQueries, subscriptions: s.subscriptions };
}

/** What one short-lived tab does before it is closed: connect, two live queries, a write. */
export async function memTab(opts: { name: string; write: boolean }) {
  const db = await open(opts.name);
  await Promise.all(SQLS.map((sql) => firstResult(db, sql)));
  if (opts.write) await db.actions.add({ title: 'tab' });
}

/** In-page cycles: openTandem → live queries → close(), many times in one page. */
export async function memInPageCycles(opts: { name: string; n: number }) {
  const t0 = performance.now();
  for (let i = 0; i < opts.n; i++) {
    const db = await open(opts.name);
    await Promise.all(SQLS.map((sql) => firstResult(db, sql)));
    db.close();
  }
  return { ms: performance.now() - t0 };
}

/**
 * "Tab" open/close cycles as iframes of this page: each iframe document runs memTab (its own
 * SharedWorker connection, tab id and Web Lock) and is then removed without calling close(), so the
 * worker learns of its end only from the released lock, exactly as for a closed tab. Far cheaper than
 * a new page, so 1,000 cycles fit in the time budget.
 */
export async function memFrameCycles(opts: { name: string; n: number; budgetMs: number }) {
  const t0 = performance.now();
  let done = 0;
  while (done < opts.n && performance.now() - t0 < opts.budgetMs) {
    const frame = document.createElement('iframe');
    frame.src = './index.html';
    const loaded = new Promise<void>((resolve, reject) => {
      frame.onload = () => resolve();
      frame.onerror = () => reject(new Error('iframe failed to load'));
    });
    document.body.append(frame);
    await loaded;
    const bench = (frame.contentWindow as unknown as { bench: { memTab: typeof memTab } }).bench;
    await bench.memTab({ name: opts.name, write: done % 10 === 0 });
    frame.remove();
    done++;
  }
  return { done, ms: performance.now() - t0 };
}
