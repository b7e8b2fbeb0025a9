// B3: one action inside the worker vs raw PGlite INSERT + raw Dexie put, sequential, same worker.
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { ms, summarize } from '../lib/stats.mjs';

export async function b3({ browser, n = 1000, block = 50, warmup = 100, profileSequential = 200, profileBurst = 500 }) {
  const page = await benchPage(browser.context, ' b3');
  const r = await page.evaluate((o) => globalThis.bench.b3(o), { name: 'b3', n, block, warmup, profileSequential, profileBurst });
  await page.close();
  await waitForWorkerGone(browser.cdp, 'tandem:b3');
  const subject = summarize(r.tandem);
  const base = summarize(r.raw);
  const ratio = subject.median / base.median;
  const { sequential: ps, burst: pb } = r.profile;
  const profile = `Profile (separate pass, PGlite's \`execProtocolRawSync\` and the journal's \`append\` wrapped): sequential, ${ps.wasmCallsPerAction.toFixed(1)} PGlite round trips per action taking ${ms(ps.wasmMsPerAction)}, journal append ${ms(ps.journalMsPerAction)} (wall time of the append's promise, which may overlap engine work), wall ${ms(ps.wallMsPerAction)} per action; one burst of ${pb.actions} concurrent actions: ${pb.batches} group commit(s), ${pb.wasmCallsPerAction.toFixed(1)} round trips and ${ms(pb.wasmMsPerAction)} of PGlite per action, journal append ${ms(pb.journalMsPerBatch)} per batch, ${Math.round(pb.perSecond)} actions/s. For scale, a parameterised INSERT on a bare PGlite costs ${r.profile.rawCalls.query} round trips, a 3-statement \`exec\` ${r.profile.rawCalls.exec}. One-record IndexedDB write, median by shape (scratch DB, alternating): ${Object.entries(r.profile.journalShapes).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}.`;
  return {
    rows: [
      {
        id: 'B3',
        title: 'One action in the worker (`runtime.run("add")`: tx + insert + capture + pending + journal)',
        unit: 'ms',
        subject,
        baseline: { label: 'raw PGlite INSERT (memory://) + raw Dexie put', ...base },
        ratio,
        target: '≤ 1.5× raw',
        pass: ratio <= 1.5,
        method: `In the SharedWorker, ${n} sequential awaited calls of each after ${warmup} warm-up, alternating blocks of ${block}. Raw parts: PGlite INSERT median ${ms(summarize(r.rawPg).median)}, Dexie put median ${ms(summarize(r.rawDexie).median)} (relaxed durability, like the journal). Worker timer: ${r.workerCrossOriginIsolated ? '5 µs' : '100 µs (a SharedWorker is not cross-origin isolated here)'}. ${profile}`,
      },
    ],
    rawSequentialPerSecond: 1000 / base.median,
    rawMedianMs: base.median,
    profile: r.profile,
  };
}
