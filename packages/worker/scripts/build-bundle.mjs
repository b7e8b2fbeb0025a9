// Builds the prebuilt generic SharedWorker bundle: dist/bundle/tandem-worker.js + chunks + the
// engines' assets (PGlite's wasm/data, sqlite3.wasm), flat: each engine finds its assets beside the
// bundle (assetsUrl), and PGlite also relative to the chunk that contains it.
// Also dist/bundle/tandem-client.js: @tandem/client (+ defineActions) as one browser ES module, for
// pages without a bundler, which cannot import a bare `@tandem/client`, and its tandem-client.d.ts.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleClientDeclarations } from './bundle-client-dts.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// By path, not by package name: @tandem/client is not a dependency of @tandem/worker (the worker
// must not depend on the tab side), so only the monorepo layout can find it. This script runs only
// in the monorepo; the published package ships its output.
const clientEntry = join(root, '../client/src/index.ts');
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
  conditions: ['@tandem/source'],
  external: nodeBuiltins,
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// A page imports it as './tandem/tandem-client.js', and an actions module (which runs inside the
// worker) imports defineActions from the same file, so one copy serves both without a bundler.
await build({
  stdin: {
    // The client's index re-exports defineActions from @tandem/core.
    contents: `export * from ${JSON.stringify(clientEntry)};\n`,
    resolveDir: root,
    sourcefile: 'tandem-client-entry.js',
    loader: 'js',
  },
  outfile: join(out, 'tandem-client.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['@tandem/source'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
// Evaluating it in Node (no window, document, SharedWorker or navigator.locks) proves it has no
// top-level DOM use, which would break actions modules: they import it inside the worker.
const client = await import(pathToFileURL(join(out, 'tandem-client.js')).href);
for (const name of ['openTandem', 'defineActions', 'TandemError']) {
  if (typeof client[name] !== 'function') throw new Error(`tandem-client.js does not export ${name}`);
}

// Its types, standalone beside it (a page importing it has no @tandem/client installed).
await bundleClientDeclarations({ clientDir: join(root, '../client'), outFile: join(out, 'tandem-client.d.ts') });

const require = createRequire(import.meta.url);
const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
for (const asset of ['pglite.wasm', 'pglite.data', 'initdb.wasm']) await copyFile(join(pgliteDist, asset), join(out, asset));
await copyFile(require.resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm'), join(out, 'sqlite3.wasm'));
console.log(`worker bundle → ${out} (${(performance.now() - t0).toFixed(0)} ms)`);
