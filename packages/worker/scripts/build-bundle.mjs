// Builds the prebuilt generic SharedWorker bundle: dist/bundle/tandem-worker.js, and in
// dist/bundle/immutable/ its chunks, the engines' assets (PGlite's wasm/data, sqlite3.wasm) and the
// empty PGlite image, each named by its content hash (bundle-names.mjs). The entry keeps its name and
// knows the hashed names (esbuild `define`), so a server may cache everything in immutable/ for a
// year and revalidate only the entry: a repeat visit downloads nothing that did not change.
// The empty image must be built first (package.json: build-empty-image.mjs → build/, outside the
// published dist/); it is copied into immutable/ under its hashed name.
// Also dist/bundle/tandem-client.js: @tandem/client (+ defineActions) as one browser ES module, for
// pages without a bundler, which cannot import a bare `@tandem/client`, and its tandem-client.d.ts.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleClientDeclarations } from './bundle-client-dts.mjs';
import { IMMUTABLE_DIR, contentHashedName } from './cli/bundle-names.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// By path, not by package name: @tandem/client is not a dependency of @tandem/worker (the worker
// must not depend on the tab side), so only the monorepo layout can find it. This script runs only
// in the monorepo; the published package ships its output.
const clientEntry = join(root, '../client/src/index.ts');
const out = join(root, 'dist/bundle');
const immutable = join(out, IMMUTABLE_DIR);
const emptyImage = join(root, 'build/tandem-empty-pglite.tar');
const nodeBuiltins = ['node:*', 'fs', 'path', 'crypto', 'module', 'url', 'worker_threads', 'util', 'os', 'stream', 'child_process', 'fs/promises'];

const require = createRequire(import.meta.url);
const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
const engineFiles = {
  'pglite.wasm': join(pgliteDist, 'pglite.wasm'),
  'pglite.data': join(pgliteDist, 'pglite.data'),
  'initdb.wasm': join(pgliteDist, 'initdb.wasm'),
  'sqlite3.wasm': require.resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm'),
};
const imageBytes = await readFile(emptyImage).catch(() => {
  throw new Error(`build-bundle: no ${emptyImage}; run \`node scripts/build-empty-image.mjs build/tandem-empty-pglite.tar\` first (npm run build does).`);
});

await rm(out, { recursive: true, force: true });
await mkdir(immutable, { recursive: true });
const t0 = performance.now();
const assetFiles = {};
for (const [name, source] of Object.entries(engineFiles)) {
  const bytes = await readFile(source);
  assetFiles[name] = contentHashedName(name, bytes);
  await writeFile(join(immutable, assetFiles[name]), bytes);
}
const emptyPgliteImage = contentHashedName('tandem-empty-pglite.tar', imageBytes);
await writeFile(join(immutable, emptyPgliteImage), imageBytes);

await build({
  entryPoints: { 'tandem-worker': join(root, 'src/bundle/tandem-worker.ts') },
  outdir: out,
  // esbuild's [hash] is of the chunk's content; the entry keeps its plain name (entryNames default).
  chunkNames: `${IMMUTABLE_DIR}/[name]-[hash]`,
  define: { TANDEM_BUNDLE_FILES: JSON.stringify({ assetsDir: `./${IMMUTABLE_DIR}/`, assetFiles, emptyPgliteImage }) },
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

console.log(`worker bundle → ${out} (${(performance.now() - t0).toFixed(0)} ms)`);
