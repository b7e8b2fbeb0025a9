// Size: what a browser downloads to start each engine from the prebuilt worker bundle
// (packages/worker/dist/bundle, built by `npx turbo run build`). No browser: the entry
// tandem-worker.js, the static-import closure of the entry and of the engine's dynamically imported
// chunk, and the engine's wasm/data files, raw and gzip (node:zlib level 9, per file: each is its
// own request). The import graph comes from esbuild's metafile over the built files (a parser, not
// a regex); nothing is written.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ENGINE_LABEL } from '../lib/engine.mjs';
import { kB } from '../lib/stats.mjs';
import { IMMUTABLE_DIR, plainName } from '../../packages/worker/scripts/cli/bundle-names.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const BUNDLE_DIR = join(here, '../../packages/worker/dist/bundle');
const ENTRY = 'tandem-worker.js';

/**
 * The engines' non-JS files as the bundle's engines fetch them on a first visit (checked against the
 * requests Chromium makes for the prebuilt bundle), by their plain names; in the bundle they are in
 * immutable/ under content-hashed names. PGlite: its wasm, its file-system data, the empty database
 * image, and initdb.wasm: engine/pglite/load-assets.ts loads it on every start (PGlite 0.5.16
 * would fetch it itself otherwise). SQLite: sqlite3.wasm; it starts from an empty in-memory database.
 */
export const ENGINE_ASSETS = {
  pglite: ['pglite.wasm', 'pglite.data', 'tandem-empty-pglite.tar', 'initdb.wasm'],
  sqlite: ['sqlite3.wasm'],
};

/** Every built file's imports by kind, from esbuild's metafile (the files are read, not rebundled into anything kept). */
async function importGraph(dir) {
  const result = await build({
    entryPoints: [join(dir, ENTRY)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir: join(dir, '.size-scratch'),
    // Bare specifiers left in the bundle are Node built-ins behind runtime checks: never fetched by a browser.
    packages: 'external',
    external: ['node:*', 'fs', 'path', 'crypto', 'module', 'url', 'worker_threads', 'util', 'os', 'stream', 'stream/*', 'child_process', 'fs/*'],
    logLevel: 'silent',
  });
  const graph = new Map();
  for (const [path, input] of Object.entries(result.metafile.inputs)) {
    const file = relative(dir, join(process.cwd(), path));
    const local = input.imports.filter((i) => !i.external).map((i) => ({ file: relative(dir, join(process.cwd(), i.path)), kind: i.kind }));
    graph.set(file, {
      static: local.filter((i) => i.kind === 'import-statement').map((i) => i.file),
      dynamic: local.filter((i) => i.kind === 'dynamic-import').map((i) => i.file),
    });
  }
  return graph;
}

/** `roots` and everything they import statically, transitively; plus the dynamic imports met on the way. */
function staticClosure(graph, roots) {
  const seen = new Set();
  const dynamic = new Set();
  const stack = [...roots];
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const node = graph.get(file);
    if (!node) throw new Error(`size: ${file} is not in the import graph`);
    stack.push(...node.static);
    for (const d of node.dynamic) dynamic.add(d);
  }
  return { files: [...seen].sort(), dynamic };
}

function measure(dir, files) {
  const each = files.map((file) => {
    const bytes = readFileSync(join(dir, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { files: each, raw: each.reduce((s, f) => s + f.raw, 0), gzip: each.reduce((s, f) => s + f.gzip, 0) };
}

/** Newest modification time of the non-test sources under `dir` (ms). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.includes('.test.')) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

export async function size({ dir = BUNDLE_DIR, engines = ['pglite', 'sqlite'] } = {}) {
  if (!existsSync(join(dir, ENTRY))) throw new Error(`no ${ENTRY} in ${dir}: run \`npx turbo run build\` first`);
  // `--only Size` does not build: say so when the bundle is older than the sources it is built from.
  const src = join(here, '../../packages');
  const stale = ['worker/src', 'core/src'].some((d) => newestSource(join(src, d)) > statSync(join(dir, ENTRY)).mtimeMs);
  if (stale) console.warn(`size: ${dir} is older than packages/worker or packages/core sources; run \`npx turbo run build\` for current figures`);
  const graph = await importGraph(dir);
  const entry = staticClosure(graph, [ENTRY]);
  const rows = [];
  for (const engine of engines) {
    // The bundle's entry imports each engine as its own chunk, named by esbuild after the module (pglite-engine.ts → pglite-engine-<hash>.js).
    const chunk = [...entry.dynamic].find((f) => basename(f).startsWith(`${engine}-engine-`));
    if (!chunk) throw new Error(`size: ${ENTRY} has no dynamic import of a ${engine}-engine chunk (dynamic imports: ${[...entry.dynamic].join(', ') || 'none'})`);
    const closure = staticClosure(graph, [ENTRY, chunk]);
    const js = measure(dir, closure.files);
    const hashed = existsSync(join(dir, IMMUTABLE_DIR)) ? readdirSync(join(dir, IMMUTABLE_DIR)) : [];
    const located = ENGINE_ASSETS[engine].map((plain) => {
      const name = hashed.find((f) => plainName(f) === plain);
      return name ? `${IMMUTABLE_DIR}/${name}` : plain;
    });
    const missing = located.filter((f) => !existsSync(join(dir, f)));
    if (missing.length) throw new Error(`size: ${missing.join(', ')} missing from ${dir}`);
    const assets = measure(dir, located);
    // Dynamic imports reachable from the engine's code that a start does not fetch (other file systems, Node paths).
    const notFetched = [...closure.dynamic].filter((f) => !closure.files.includes(f) && !(f !== chunk && basename(f).match(/^(pglite|sqlite)-engine-/)));
    rows.push({ engine, js, assets, notFetched });
  }
  const pglite = rows.find((r) => r.engine === 'pglite');
  return rows.map(({ engine, js, assets, notFetched }) => {
    const total = { raw: js.raw + assets.raw, gzip: js.gzip + assets.gzip };
    const list = (m) => m.files.map((f) => `${f.file} ${kB(f.raw)} → ${kB(f.gzip)}`).join(', ');
    return {
      id: `Size-${engine}`,
      table: 'size',
      engine,
      title: `${ENGINE_LABEL[engine]}: JS + ${ENGINE_ASSETS[engine].join(' + ')}`,
      unit: 'bytes',
      js,
      assets,
      total,
      subject: { n: 1, median: total.gzip },
      baseline: { label: 'PGlite download (gzip)', median: pglite?.js && pglite.js.gzip + pglite.assets.gzip },
      ratio: pglite ? total.gzip / (pglite.js.gzip + pglite.assets.gzip) : NaN,
      target: 'report',
      pass: null,
      method: `From \`packages/worker/dist/bundle\`, first visit (raw → gzip -9): JS ${list(js)}; wasm/data ${list(assets)}.${engine === 'pglite' ? ' initdb.wasm is counted because the engine loads it on every start (PGlite 0.5.16 would fetch it itself otherwise); a returning visit with a checkpoint skips the empty image. Every file here is content-hashed: a repeat visit takes them from the HTTP cache.' : ''}${notFetched.length ? ` Not counted (dynamic imports a start in memory does not make): ${notFetched.join(', ')}.` : ''}`,
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await size()) console.log(`${r.id}: JS ${kB(r.js.raw)} / ${kB(r.js.gzip)} gzip, wasm+data ${kB(r.assets.raw)} / ${kB(r.assets.gzip)} gzip, total ${kB(r.total.raw)} / ${kB(r.total.gzip)} gzip\n  ${r.method}`);
}
