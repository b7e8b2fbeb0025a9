// Worker JS heap across many tab open/close cycles, measured on the SharedWorker through CDP.
import { attachWorker, benchPage, countObjects, waitForWorkerGone, workerHeap } from '../lib/browser.mjs';

const MB = (b) => b / 1e6;

async function settle(holder, expectTabs, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  let s;
  do {
    s = await holder.evaluate(() => globalThis.bench.memStatus());
    if (s.tabs === expectTabs) return s;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < end);
  return s;
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return num / den;
}

const HEAP_NOTE =
  'Heap = `Runtime.getHeapUsage` usedSize after 2× `HeapProfiler.collectGarbage` on the SharedWorker target via CDP (PGlite\'s wasm memory is outside the JS heap and not counted).';

export async function memory({ browser, frameCycles = 1000, frameBudgetMs = 75_000, chunk = 100, pageCycles = 1000, pageBudgetMs = 20_000, closeCycles = 200, warmupCycles = 20 }) {
  const name = 'mem';
  const holder = await benchPage(browser.context, ' mem-holder');
  await holder.evaluate((o) => globalThis.bench.memHold(o), { name });
  const worker = await attachWorker(browser.cdp, `tandem:${name}`);
  const status = () => holder.evaluate(() => globalThis.bench.memStatus());
  const measure = async () => ({ heap: (await workerHeap(worker)).usedSize });
  const objects = async () => countObjects(worker);

  // Warm-up: every code path the cycles use has run (and been compiled) before the start figure.
  await holder.evaluate((o) => globalThis.bench.memFrameCycles(o), { name, n: warmupCycles, budgetMs: 60_000 });
  await settle(holder, 1);
  const start = await measure();
  const startObjects = await objects();
  const startStatus = await status();

  // 1) Tabs as iframes of the holder page: a document that connects, subscribes and is destroyed.
  const series = [{ cycles: 0, ...start }];
  const t0 = Date.now();
  let frames = 0;
  while (frames < frameCycles && Date.now() - t0 < frameBudgetMs) {
    const r = await holder.evaluate((o) => globalThis.bench.memFrameCycles(o), { name, n: Math.min(chunk, frameCycles - frames), budgetMs: frameBudgetMs - (Date.now() - t0) });
    frames += r.done;
    await settle(holder, 1);
    series.push({ cycles: frames, ...(await measure()) });
  }
  const framesMs = Date.now() - t0;
  const endObjects = await objects();
  const grew = Object.entries(endObjects.counts)
    .map(([k, v]) => [k, v - (startObjects.counts[k] ?? 0)])
    .filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6);
  const ports = `live MessagePort objects ${startObjects.counts.MessagePort ?? 0} → ${endObjects.counts.MessagePort ?? 0}`;
  const byType = Object.entries(endObjects.bytesByType)
    .map(([k, v]) => [k, v - (startObjects.bytesByType[k] ?? 0)])
    .filter(([, d]) => Math.abs(d) >= 1000)
    .sort((a, b) => b[1] - a[1])
    .map(([k, d]) => `${k} ${d > 0 ? '+' : ''}${(d / 1000).toFixed(0)} kB`)
    .join(', ');
  const afterFramesStatus = await status();
  const afterFrames = series[series.length - 1];
  const secondHalf = series.filter((p) => p.cycles >= frames / 2);
  const bytesPerCycle = slope(secondHalf.map((p) => ({ x: p.cycles, y: p.heap })));

  // 2) Real tabs: a new page each, loaded, connected, closed.
  const t1 = Date.now();
  let pages = 0;
  while (pages < pageCycles && Date.now() - t1 < pageBudgetMs) {
    const page = await benchPage(browser.context);
    await page.evaluate((o) => globalThis.bench.memTab(o), { name, write: pages % 10 === 0 });
    await page.close();
    pages++;
  }
  const pagesMs = Date.now() - t1;
  const afterPagesStatus = await settle(holder, 1);
  const afterPages = await measure();

  // 3) openTandem() → live queries → db.close(), repeatedly in one page that stays open.
  const inPage = await benchPage(browser.context, ' mem-close');
  const closes = await inPage.evaluate((o) => globalThis.bench.memInPageCycles(o), { name, n: closeCycles });
  const afterClosesStatus = await settle(holder, 1);
  const afterCloses = await measure();
  await inPage.close();

  await worker.detach();
  await holder.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);

  const fmt = (s) => `${s.tabs} tab(s), ${s.liveQueries} live queries, ${s.subscriptions} subscriptions`;
  const clean = (s) => s.tabs === startStatus.tabs && s.subscriptions === startStatus.subscriptions && s.liveQueries === startStatus.liveQueries;
  const row = (id, title, n, m, after, method) => ({
    id,
    title,
    unit: 'MB',
    subject: { n, median: MB(m.heap), p95: null },
    baseline: { label: `worker heap at start (after ${warmupCycles} warm-up cycles)`, median: MB(start.heap) },
    ratio: m.heap / start.heap,
    target: '≤ 1.10× start',
    pass: m.heap / start.heap <= 1.1 && clean(after),
    method: `${method} Worker status: ${fmt(after)} (at start: ${fmt(startStatus)}).`,
  });
  const trend = series.map((p) => `${p.cycles}: ${MB(p.heap).toFixed(2)}`).join(', ');
  return [
    row(
      'Mem',
      `Worker JS heap after ${frames.toLocaleString('en')} tab open/close cycles (tab = iframe document)`,
      frames,
      afterFrames,
      afterFramesStatus,
      `${frames} of ${frameCycles} cycles in ${(framesMs / 1000).toFixed(0)} s${frames < frameCycles ? ` (stopped by the ${frameBudgetMs / 1000} s budget)` : ''}: the holder tab adds an iframe whose document calls openTandem(), subscribes 2 live queries (every 10th also writes), and is removed without close(), so the worker learns of it only through the released Web Lock, as for a closed tab. Heap growth over the second half: ${Number.isFinite(bytesPerCycle) ? `${Math.round(bytesPerCycle)} bytes per cycle` : 'n/a'}. Trend (cycles: MB): ${trend}. Heap snapshots before/after these cycles: ${ports}; self size change by node type: ${byType || 'none over 1 kB'}; object counts that grew most (constructor names are minified): ${grew.map(([k, d]) => `${k} +${d}`).join(', ') || 'none'}. ${HEAP_NOTE}`,
    ),
    row(
      'Mem-p',
      `… then ${pages} cycles with a real page each`,
      pages,
      afterPages,
      afterPagesStatus,
      `${pages} new pages in ${(pagesMs / 1000).toFixed(0)} s (${(pagesMs / Math.max(1, pages)).toFixed(0)} ms each, mostly page creation and load; ${pages < pageCycles ? `a ${pageBudgetMs / 1000} s budget, so fewer than ${pageCycles}` : 'all'}), same work per tab, then page.close().`,
    ),
    row(
      'Mem-c',
      `… then ${closeCycles} openTandem()/db.close() cycles in one open page`,
      closeCycles,
      afterCloses,
      afterClosesStatus,
      `One page runs openTandem() → 2 live queries → db.close() ${closeCycles} times (${(closes.ms / closeCycles).toFixed(1)} ms per cycle); measured with that page still open.`,
    ),
  ];
}
