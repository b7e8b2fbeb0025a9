#!/usr/bin/env node
// Runs every benchmark in Debian Chromium and rewrites BENCHMARKS.md at the repo root.
//   node bench/run.mjs [--only B1,B3,...] [--quick] [--no-report]
// `npm run bench` (root) builds the workspace first, then runs this.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBench } from './build.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { renderReport, writeReport } from './lib/report.mjs';
import { serve } from './lib/serve.mjs';
import { b1 } from './benchmarks/b1.mjs';
import { b3 } from './benchmarks/b3.mjs';
import { b4Concurrent, b4Sequential } from './benchmarks/b4.mjs';
import { b7 } from './benchmarks/b7.mjs';
import { b9Cold, b9Second } from './benchmarks/b9.mjs';
import { memory } from './benchmarks/memory.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).toUpperCase().split(',') : null;
const wanted = (id) => !only || only.some((o) => id.toUpperCase().startsWith(o));
const q = (full, small) => (quick ? small : full);
const STEP_TIMEOUT_MS = 240_000;

const t0 = Date.now();
const built = await buildBench();
console.log(`bench bundle built in ${built.ms.toFixed(0)} ms; empty PGlite image: ${built.emptyImage}`);
const server = await serve(join(here, 'dist'));
const browser = await launchBrowser(server.url);
console.log(`Chromium ${browser.version}, serving ${server.url}`);

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
  { id: 'B4', title: 'Tab → durable ack', target: 'p50 ≤ 1.5 ms', run: () => b4Sequential({ browser, n: q(600, 200), warmup: q(100, 30) }) },
  {
    id: 'B4c',
    title: 'Concurrent durable writes',
    target: '≥ 3,000/s',
    run: () => b4Concurrent({ browser, perTab: 250, rounds: q(4, 2), rawSequentialPerSecond: shared.rawSequentialPerSecond ?? NaN, rawMedianMs: shared.rawMedianMs ?? NaN }),
  },
  { id: 'B7', title: 'Reactive loop', target: 'p50 ≤ 5 ms', run: () => b7({ browser, n: q(500, 100), warmup: q(50, 10), echoN: q(500, 100) }) },
  { id: 'B9a', title: 'Second tab start-up', target: '≤ 50 ms', run: () => b9Second({ browser, samples: q(20, 6) }) },
  { id: 'B9b', title: 'Cold start on 10k rows', target: '≤ 1.2×', run: () => b9Cold({ browser, rows: 10_000, samples: q(5, 2) }) },
  { id: 'Mem', title: 'Worker memory after tab cycles', target: '≤ 1.10×', run: () => memory({ browser, frameCycles: q(1000, 200), frameBudgetMs: q(75_000, 15_000), pageBudgetMs: q(20_000, 5_000), closeCycles: q(200, 50) }) },
];

for (const step of plan) {
  if (!wanted(step.id)) continue;
  const s0 = Date.now();
  process.stdout.write(`${step.id} ${step.title}… `);
  try {
    // A hung benchmark must not hang the run: it is reported as not measured and the next one starts.
    let timer;
    const out = await Promise.race([
      step.run(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${step.id} did not finish within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    rows.push(...out);
    console.log(`${((Date.now() - s0) / 1000).toFixed(1)} s: ${out.map((r) => `${r.id} median ${r.subject.median?.toFixed?.(3)} ratio ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '—'} ${r.pass ? 'pass' : 'MISSED'}`).join('; ')}`);
  } catch (error) {
    console.log(`ERROR after ${((Date.now() - s0) / 1000).toFixed(1)} s`);
    console.error(error);
    errors.push({ id: step.id, title: step.title, target: step.target, message: String(error?.stack ?? error) });
  }
}

if (browser.errors.length) console.error(`uncaught page errors:\n${browser.errors.join('\n')}`);
await browser.close();
await server.close();

const durationS = (Date.now() - t0) / 1000;
const report = {
  rows,
  errors,
  date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
  chromium: browser.version,
  node: process.version,
  cpus: cpus().length,
  durationS,
  command: 'npm run bench',
  quick,
  emptyImage: built.emptyImage,
};
writeFileSync(join(here, 'dist', 'results.json'), JSON.stringify(report, null, 2));
if (!args.includes('--no-report') && !only) writeReport(join(here, '..', 'BENCHMARKS.md'), renderReport(report));
else if (!args.includes('--no-report')) console.log(renderReport(report));
console.log(`done in ${durationS.toFixed(0)} s: ${rows.filter((r) => r.pass).length}/${rows.length} targets met${errors.length ? `, ${errors.length} benchmark(s) failed to run` : ''}`);
process.exit(errors.length ? 1 : 0);
