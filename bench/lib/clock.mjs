// Node's clock and a bench page's, on one scale: both are performance.timeOrigin + performance.now()
// (absolute ms), and a page's offset against Node's is measured, not assumed.

/** Absolute high-resolution time in this Node process, comparable with a page's `absNow()`. */
export const nodeNow = () => performance.timeOrigin + performance.now();

/** Offset of a page's absNow() clock against Node's (NTP-style, min round trip of `n` probes). */
export async function clockOffset(page, n = 40) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < n; i++) {
    const n0 = nodeNow();
    const p = await page.evaluate(() => globalThis.bench.clockNow());
    const n1 = nodeNow();
    if (n1 - n0 < best.rtt) best = { rtt: n1 - n0, offset: p - (n0 + n1) / 2 };
  }
  return best;
}
