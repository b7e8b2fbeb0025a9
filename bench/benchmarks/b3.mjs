// B3: one action inside the worker vs a raw INSERT on the same engine + raw Dexie put, sequential, same worker.
import { benchPage, waitForWorkerGone } from '../lib/browser.mjs';
import { ENGINE_LABEL, engineDb, engineId, engineTitle } from '../lib/engine.mjs';
import { ms, summarize } from '../lib/stats.mjs';

export async function b3({ browser, engine = 'pglite', n = 1000, block = 50, warmup = 100, profileSequential = 200, profileBurst = 500 }) {
  const name = engineDb('b3', engine);
  const page = await benchPage(browser.context, ` ${name}`);
  const r = await page.evaluate((o) => globalThis.bench.b3(o), { name, engine, n, block, warmup, profileSequential, profileBurst });
  await page.close();
  await waitForWorkerGone(browser.cdp, `tandem:${name}`);
  const subject = summarize(r.tandem);
  const base = summarize(r.raw);
  const ratio = subject.median / base.median;
  const { sequential: ps, burst: pb } = r.profile;
  // SQLite's engine runs each statement synchronously through its connection: statements, not round trips.
  const profile = engine === 'sqlite'
    ? `Profile (separate pass, the engine's \`SqliteConnection\` all/once/exec and the journal's \`append\` wrapped): sequential, ${ps.wasmCallsPerAction.toFixed(1)} SQLite statements per action taking ${ms(ps.wasmMsPerAction)}, journal append ${ms(ps.journalMsPerAction)} (wall time of the append's promise, which may overlap engine work), wall ${ms(ps.wallMsPerAction)} per action; one burst of ${pb.actions} concurrent actions: ${pb.batches} group commit(s), ${pb.wasmCallsPerAction.toFixed(1)} statements and ${ms(pb.wasmMsPerAction)} of SQLite per action, journal append ${ms(pb.journalMsPerBatch)} per batch, ${Math.round(pb.perSecond)} actions/s.`
    : `Profile (separate pass, PGlite's \`execProtocolRawSync\` and the journal's \`append\` wrapped): sequential, ${ps.wasmCallsPerAction.toFixed(1)} PGlite round trips per action taking ${ms(ps.wasmMsPerAction)}, journal append ${ms(ps.journalMsPerAction)} (wall time of the append's promise, which may overlap engine work), wall ${ms(ps.wallMsPerAction)} per action; one burst of ${pb.actions} concurrent actions: ${pb.batches} group commit(s), ${pb.wasmCallsPerAction.toFixed(1)} round trips and ${ms(pb.wasmMsPerAction)} of PGlite per action, journal append ${ms(pb.journalMsPerBatch)} per batch, ${Math.round(pb.perSecond)} actions/s. For scale, a parameterised INSERT on a bare PGlite costs ${r.profile.rawCalls.query} round trips, a 3-statement \`exec\` ${r.profile.rawCalls.exec}. One-record IndexedDB write, median by shape (scratch DB, alternating): ${Object.entries(r.profile.journalShapes).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}.`;
  // Per-call means of whole blocks: a sub-millisecond action is a few timer steps, its median is coarse.
  const tb = summarize(r.tandemBlocks).median;
  const rb = summarize(r.rawBlocks).median;
  const blocks = `per-call mean of each block of ${block} (block wall time ÷ ${block}, free of the timer's steps), median over blocks: Tandem ${ms(tb)}, raw ${ms(rb)}, ratio ${(tb / rb).toFixed(2)}×`;
  return {
    rows: [
      {
        id: engineId('B3', engine),
        title: engineTitle('One action in the worker (`runtime.run("add")`: tx + insert + capture + pending + journal)', engine),
        unit: 'ms',
        subject,
        baseline: { label: engine === 'sqlite' ? 'raw sqlite-wasm INSERT (:memory:, `db.exec` with bind) + raw Dexie put' : 'raw PGlite INSERT (memory://) + raw Dexie put', ...base },
        ratio,
        target: '≤ 1.5× raw',
        pass: ratio <= 1.5,
        method: `In the SharedWorker, ${n} sequential awaited calls of each after ${warmup} warm-up, alternating blocks of ${block}. Raw parts: ${ENGINE_LABEL[engine]} INSERT median ${ms(summarize(r.rawPg).median)}, Dexie put median ${ms(summarize(r.rawDexie).median)} (relaxed durability, like the journal). Worker timer: ${r.workerCrossOriginIsolated ? '5 µs' : '100 µs (a SharedWorker is not cross-origin isolated here)'}; ${blocks}. ${profile}`,
      },
    ],
    rawSequentialPerSecond: 1000 / base.median,
    rawMedianMs: base.median,
    profile: r.profile,
  };
}
