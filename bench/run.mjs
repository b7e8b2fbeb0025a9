#!/usr/bin/env node
// Runs every benchmark in Debian Chromium and rewrites BENCHMARKS.md at the repo root.
//   node bench/run.mjs [--only B1,B3,...] [--quick] [--no-report]
// `npm run bench` (root) builds the workspace first, then runs this. With --only, the rows of the
// benchmarks run replace theirs in BENCHMARKS.md and every other row is kept (see mergeReport).
// `--only B1` runs B1 alone; `--only B4` runs B4, B4s, B4d, B4-sqlite, B4d-sqlite and B4c, `--only B12` B12 and B12r.
// B3, B4, B7, B9a and B9b also run on the SQLite engine (rows `<id>-sqlite`, right after PGlite's);
// `--only Size` measures the prebuilt bundle's download per engine without starting a browser.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBench, emptyImageSource } from './build.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { mergeReport, renderReport, value, writeReport } from './lib/report.mjs';
import { serve } from './lib/serve.mjs';
import { ENGINE_LABEL } from './lib/engine.mjs';
import { b1 } from './benchmarks/b1.mjs';
import { b3 } from './benchmarks/b3.mjs';
import { b4Concurrent, b4Sequential } from './benchmarks/b4.mjs';
import { b7 } from './benchmarks/b7.mjs';
import { b7f } from './benchmarks/b7f.mjs';
import { b4d, b7d } from './benchmarks/nosw.mjs';
import { b9Cold, b9First, b9History, b9Second } from './benchmarks/b9.mjs';
import { b13Migrate, b14Handoff } from './benchmarks/b13.mjs';
import { b15 } from './benchmarks/b15.mjs';
import { size } from './benchmarks/size.mjs';
import { memory } from './benchmarks/memory.mjs';
import { b12 } from './benchmarks/b12.mjs';
import { b10, b11, drain } from './benchmarks/sync.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).toUpperCase().split(',') : null;
// An id matches itself and its lettered variants (B4 → B4c, B12 → B12r, Mem → Mem-p), not B1 → B10.
const matches = (id, o) => id.toUpperCase() === o || (id.toUpperCase().startsWith(o) && /[^0-9]/.test(id[o.length]));
const wanted = (step) => !only || [step.id, ...(step.also ?? [])].some((id) => only.some((o) => matches(id, o)));
const q = (full, small) => (quick ? small : full);
const STEP_TIMEOUT_MS = 240_000;

const t0 = Date.now();
// Steps marked `browser: false` (Size) need neither the bench bundle nor Chromium.
const needBrowser = (step) => step.browser !== false;
let browser = null;
let server = null;
let built = { emptyImage: emptyImageSource() };
async function startBrowser() {
  built = await buildBench();
  console.log(`bench bundle built in ${built.ms.toFixed(0)} ms; empty PGlite image: ${built.emptyImage}`);
  server = await serve(join(here, 'dist'));
  browser = await launchBrowser(server.url);
  console.log(`Chromium ${browser.version}, serving ${server.url}`);
}

const rows = [];
const errors = [];
const shared = {};
const plan = [
  { id: 'B1', title: 'Comlink no-op call', target: '≤ 1.3×', run: () => b1({ browser, n: q(2000, 300), warmup: q(200, 50) }) },
  {
    id: 'B3',
    title: 'One action in the worker',
    target: '≤ 1.5×',
    run: async () => {
      const r = await b3({ browser, n: q(600, 200), warmup: q(100, 30) });
      Object.assign(shared, { rawSequentialPerSecond: r.rawSequentialPerSecond, rawMedianMs: r.rawMedianMs });
      return r.rows;
    },
  },
  { id: 'B3-sqlite', title: 'SQLite: one action in the worker', target: '≤ 1.5×', run: async () => (await b3({ browser, engine: 'sqlite', n: q(600, 200), warmup: q(100, 30) })).rows },
  {
    id: 'B4',
    title: 'Tab → durable ack',
    target: 'p50 ≤ 1.5 ms',
    run: async () => {
      const out = await b4Sequential({ browser, n: q(600, 200), warmup: q(100, 30) });
      shared.b4 = out[0];
      return out;
    },
  },
  // Right after B4, so the two durabilities meet the same machine state; its row names B4's figures.
  { id: 'B4s', title: "Tab → durable ack, durability 'strict'", target: 'report', run: () => b4Sequential({ browser, durability: 'strict', relaxed: shared.b4, n: q(600, 200), warmup: q(100, 30) }) },
  // No-SharedWorker mode, right after B4 like B4s; its row names B4's figures, its baseline is its own SharedWorker loop.
  { id: 'B4d', title: 'No SharedWorker: tab → durable ack', target: '≤ 1.5×', run: () => b4d({ browser, sharedRow: shared.b4, n: q(600, 200), warmup: q(100, 30) }) },
  {
    id: 'B4-sqlite',
    title: 'SQLite: tab → durable ack',
    target: 'p50 ≤ 1.5 ms',
    run: async () => {
      const out = await b4Sequential({ browser, engine: 'sqlite', n: q(600, 200), warmup: q(100, 30) });
      shared.b4sqlite = out[0];
      return out;
    },
  },
  { id: 'B4d-sqlite', title: 'SQLite: no SharedWorker: tab → durable ack', target: '≤ 1.5×', run: () => b4d({ browser, engine: 'sqlite', sharedRow: shared.b4sqlite, n: q(600, 200), warmup: q(100, 30) }) },
  {
    id: 'B4c',
    title: 'Concurrent durable writes',
    target: '≥ 3,000/s',
    run: () => b4Concurrent({ browser, perTab: 250, rounds: q(4, 2), rawSequentialPerSecond: shared.rawSequentialPerSecond ?? NaN, rawMedianMs: shared.rawMedianMs ?? NaN }),
  },
  {
    id: 'B7',
    title: 'Reactive loop',
    target: 'p50 ≤ 5 ms',
    run: async () => {
      const out = await b7({ browser, n: q(500, 100), warmup: q(50, 10), echoN: q(500, 100) });
      shared.b7 = out[0];
      return out;
    },
  },
  { id: 'B7d', title: 'No SharedWorker: reactive loop', target: '≤ 2×', run: () => b7d({ browser, sharedRow: shared.b7, n: q(500, 100), warmup: q(50, 10) }) },
  {
    id: 'B7-sqlite',
    also: ['B7u-sqlite'],
    title: 'SQLite: reactive loop',
    target: 'p50 ≤ 5 ms',
    run: async () => {
      const out = await b7({ browser, engine: 'sqlite', n: q(500, 100), warmup: q(50, 10), echoN: q(500, 100) });
      shared.b7sqlite = out[0];
      return out;
    },
  },
  { id: 'B7d-sqlite', title: 'SQLite: no SharedWorker: reactive loop', target: '≤ 2×', run: () => b7d({ browser, engine: 'sqlite', sharedRow: shared.b7sqlite, n: q(500, 100), warmup: q(50, 10) }) },
  { id: 'B7f', also: ['B7fr'], title: 'Reactive loop, 100 live queries on the written table', target: 'p50 ≤ 5 ms', run: () => b7f({ browser, n: q(300, 60), warmup: q(30, 10), echoN: q(300, 60) }) },
  { id: 'B7f-sqlite', also: ['B7fr-sqlite'], title: 'SQLite: reactive loop, 100 live queries on the written table', target: 'p50 ≤ 5 ms', run: () => b7f({ browser, engine: 'sqlite', n: q(300, 60), warmup: q(30, 10), echoN: q(300, 60) }) },
  { id: 'B9a', title: 'Second tab start-up', target: '≤ 50 ms', run: () => b9Second({ browser, samples: q(20, 6) }) },
  { id: 'B9a-sqlite', title: 'SQLite: second tab start-up', target: '≤ 50 ms', run: () => b9Second({ browser, engine: 'sqlite', samples: q(20, 6) }) },
  { id: 'B9b', title: 'Cold start on 10k rows', target: '≤ 1.2×', run: () => b9Cold({ browser, rows: 10_000, samples: q(5, 2) }) },
  { id: 'B9b-sqlite', title: 'SQLite: cold start on 10k rows', target: '≤ 1.2×', run: () => b9Cold({ browser, engine: 'sqlite', rows: 10_000, samples: q(10, 3) }) }, // ~0.15 s a start: more samples cost little
  { id: 'B9c', title: 'Cold start after bulk writes, 10k rows', target: '≤ 1.2×', run: () => b9History({ browser, rows: 10_000, samples: q(4, 2) }) },
  { id: 'B9c-sqlite', title: 'SQLite: cold start after bulk writes, 10k rows', target: '≤ 1.2×', run: () => b9History({ browser, engine: 'sqlite', rows: 10_000, samples: q(6, 2) }) },
  { id: 'B9d', title: 'First visit, empty cache', target: '≤ 1.5×', run: () => b9First({ server, samples: q(4, 2) }) },
  { id: 'B9d-sqlite', title: 'SQLite: first visit, empty cache', target: '≤ 1.5×', run: () => b9First({ server, engine: 'sqlite', samples: q(4, 2) }) },
  { id: 'B13', title: 'Cold start with a pending migration, 10k rows', target: 'report', run: () => b13Migrate({ browser, rows: 10_000, samples: q(3, 1) }) },
  { id: 'B13-sqlite', title: 'SQLite: cold start with a pending migration, 10k rows', target: 'report', run: () => b13Migrate({ browser, engine: 'sqlite', rows: 10_000, samples: q(3, 1) }) },
  { id: 'B14', title: 'Hand-off to a new version', target: '≤ 3 s', run: () => b14Handoff({ browser, samples: q(8, 3) }) },
  { id: 'B14-sqlite', title: 'SQLite: hand-off to a new version', target: '≤ 3 s', run: () => b14Handoff({ browser, engine: 'sqlite', samples: q(8, 3) }) },
  { id: 'B15', title: 'Worker killed → first acknowledged write', target: 'report', timeoutMs: 480_000, run: () => b15({ browser, samples: q(15, 4) }) },
  { id: 'B15-sqlite', title: 'SQLite: worker killed → first acknowledged write', target: 'report', timeoutMs: 480_000, run: () => b15({ browser, engine: 'sqlite', samples: q(15, 4) }) },
  { id: 'Size', also: ['Size-pglite', 'Size-sqlite'], title: 'Download size per engine', target: 'report', browser: false, run: () => size() },
  { id: 'Mem', title: 'Worker memory after tab cycles', target: '≤ 1.10×', run: () => memory({ browser, frameCycles: q(1000, 200), frameBudgetMs: q(75_000, 15_000), pageBudgetMs: q(20_000, 5_000), closeCycles: q(200, 50) }) },
  { id: 'B10', title: 'Initial sync of 100k rows', target: '≥ 50,000 rows/s', timeoutMs: 600_000, run: () => b10({ browser, rows: 100_000, channels: 10, samples: q(3, 1) }) },
  { id: 'B11', title: 'Device A → device B', target: 'p50 ≤ 15 ms, p99 ≤ 30 ms', run: () => b11({ browser, n: q(300, 60), warmup: q(30, 10) }) },
  { id: 'B12', also: ['B12r'], title: 'Push throughput', target: '≥ 0.8× the single-row floor', timeoutMs: 600_000, run: () => b12({ clients: 8, pushes: q(25, 10), batch: 100, rounds: q(3, 1), sockets: 20 }) },
  { id: 'Drain', title: 'Drain after reconnect', target: 'report', timeoutMs: 600_000, run: () => drain({ browser, count: q(10_000, 2_000), concurrency: 250 }) },
];

const ran = [];
for (const step of plan) {
  if (!wanted(step)) continue;
  if (needBrowser(step) && !browser) await startBrowser();
  ran.push(step);
  const s0 = Date.now();
  process.stdout.write(`${step.id} ${step.title}… `);
  try {
    // A hung benchmark must not hang the run: it is reported as not measured and the next one starts.
    let timer;
    const limit = step.timeoutMs ?? STEP_TIMEOUT_MS;
    const out = await Promise.race([
      step.run(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${step.id} did not finish within ${limit / 1000} s`)), limit))),
    ]).finally(() => clearTimeout(timer));
    rows.push(...out.map(withPeer));
    console.log(`${((Date.now() - s0) / 1000).toFixed(1)} s: ${out.map((r) => `${r.id} median ${r.subject.median?.toFixed?.(3)} ratio ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '—'} ${r.pass === null ? 'measured' : r.pass ? 'pass' : 'MISSED'}`).join('; ')}`);
  } catch (error) {
    console.log(`ERROR after ${((Date.now() - s0) / 1000).toFixed(1)} s`);
    console.error(error);
    errors.push({ id: step.id, title: step.title, target: step.target, message: String(error?.stack ?? error) });
  }
}

if (browser?.errors.length) console.error(`uncaught page errors:\n${browser.errors.join('\n')}`);
await browser?.close();
await server?.close();

const durationS = (Date.now() - t0) / 1000;
const report = {
  rows,
  errors,
  date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
  chromium: browser?.version ?? 'not used',
  node: process.version,
  cpus: cpus().length,
  durationS,
  command: only ? `node bench/run.mjs ${args.join(' ')}` : 'npm run bench',
  quick,
  emptyImage: built.emptyImage,
};
// A run without a browser (Size only) has not built dist/.
mkdirSync(join(here, 'dist'), { recursive: true });
writeFileSync(join(here, 'dist', 'results.json'), JSON.stringify(report, null, 2));
if (!args.includes('--no-report') && !only) writeReport(join(here, '..', 'BENCHMARKS.md'), renderReport(report));
else if (!args.includes('--no-report')) {
  // A subset: its rows replace theirs in BENCHMARKS.md, the others stay as the last run left them.
  const ids = [...new Set([...rows.map((r) => r.id), ...errors.flatMap((e) => [e.id, ...(plan.find((p) => p.id === e.id)?.also ?? [])])])];
  // Every id a step that ran may have written (an earlier error row included) is replaced.
  const replacedIds = [...new Set([...ids, ...ran.flatMap((step) => [step.id, ...(step.also ?? [])])])];
  const runLine = `Rows ${ids.join(', ')}: \`${report.command}\` on ${report.date} — Chromium ${report.chromium}, Node ${report.node}, ${report.cpus} CPU cores; ${durationS.toFixed(0)} s.${quick ? ' **Quick mode: reduced sample counts, not for the record.**' : ''}`;
  mergeReport(join(here, '..', 'BENCHMARKS.md'), renderReport(report), replacedIds, runLine);
  console.log(`BENCHMARKS.md: rows ${ids.join(', ')} replaced, the others kept`);
}
console.log(`done in ${durationS.toFixed(0)} s: ${rows.filter((r) => r.pass).length}/${rows.filter((r) => r.pass !== null).length} targets met${errors.length ? `, ${errors.length} benchmark(s) failed to run` : ''}`);
process.exit(errors.length ? 1 : 0);

/**
 * A SQLite row also states PGlite's figure for the same benchmark when it ran earlier in this run
 * (the step order puts it first): each has its own same-run baseline, this is the engines side by side.
 */
function withPeer(row) {
  const m = /^(.*)-(sqlite)$/.exec(row.id);
  const peer = m && rows.find((r) => r.id === m[1]);
  if (!peer || row.unit !== peer.unit || row.unit === 'count' || !Number.isFinite(peer.subject.median)) return row;
  const r = row.subject.median / peer.subject.median;
  const ratioText = Number.isFinite(peer.ratio) ? ` (ratio to its baseline ${peer.ratio.toFixed(2)}×)` : '';
  return { ...row, method: `${row.method} Same run, PGlite's ${peer.id}: median ${value(peer.unit, peer.subject.median)}${ratioText}; ${ENGINE_LABEL[m[2]]} ÷ PGlite = ${r.toFixed(2)}×.` };
}
