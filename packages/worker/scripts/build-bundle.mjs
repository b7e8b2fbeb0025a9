// Builds the prebuilt generic SharedWorker bundle: dist/bundle/tandem-worker.js + chunks + the
// engines' assets (PGlite's wasm/data, sqlite3.wasm), flat: each engine finds its assets beside the
// bundle (assetsUrl), and PGlite also relative to the chunk that contains it.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'dist/bundle');
const nodeBuiltins = ['node:*', 'fs', 'path', 'crypto', 'module', 'url', 'worker_threads', 'util', 'os', 'stream', 'child_process', 'fs/promises'];

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const t0 = performance.now();
await build({
  entryPoints: { 'tandem-worker': join(root, 'src/bundle/tandem-worker.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  external: nodeBuiltins,
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const require = createRequire(import.meta.url);
const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
for (const asset of ['pglite.wasm', 'pglite.data', 'initdb.wasm']) await copyFile(join(pgliteDist, asset), join(out, asset));
await copyFile(require.resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm'), join(out, 'sqlite3.wasm'));
console.log(`worker bundle → ${out} (${(performance.now() - t0).toFixed(0)} ms)`);
