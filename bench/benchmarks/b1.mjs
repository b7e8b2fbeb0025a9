// B1: Comlink no-op call tab → worker vs a raw MessagePort echo to the same worker.
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { summarize } from '../lib/stats.mjs';

export async function b1({ browser, n = 2000, block = 50, warmup = 200 }) {
  const page = await benchPage(browser.context, ' b1');
  const r = await page.evaluate((o) => globalThis.bench.b1(o), { name: 'b1', n, block, warmup });
  await page.close();
  await waitForWorkerGone(browser.cdp, 'tandem:b1');
  const subject = summarize(r.comlink);
  const base = summarize(r.echo);
  const ratio = subject.median / base.median;
  return [
    {
      id: 'B1',
      title: 'Comlink no-op call tab → worker (`api.ping()`)',
      unit: 'ms',
      subject,
      baseline: { label: 'raw MessagePort echo, same port', ...base },
      ratio,
      target: '≤ 1.3× raw echo',
      pass: ratio <= 1.3,
      method: `${n} sequential calls of each after ${warmup} warm-up, alternating blocks of ${block}; page cross-origin isolated: ${r.crossOriginIsolated}.`,
    },
  ];
}
