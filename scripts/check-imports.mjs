#!/usr/bin/env node
// The import check of `npm test`: reads every import of packages/*/src/**/*.ts (type-only,
// multi-line, `export … from` and dynamic `import('…')` included) and fails on a cycle between
// files (tests included), a cycle between a package's top folders (tests left out), or a worker
// import against its layer order.
// TypeScript's own pre-parser finds the imports (it skips comments and strings), so the check
// needs no dependency the repo does not already have.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** packages/worker/src: lower layers never import higher ones (the design's one-way order). */
export const WORKER_LAYERS = ['engine', 'store', 'actions', 'live', 'sync', 'runtime', 'host'];

/**
 * Worker folders outside the order. The entry points (the root index.ts, bundle/) wire every layer
 * together, so they may import anything and nothing may import them; test-support/ holds fixtures
 * for tests of any layer, so only tests may import it.
 */
export const WORKER_ENTRIES = ['.', 'bundle'];
export const WORKER_TEST_SUPPORT = 'test-support';

/** Test code: it may import its own layer and below, plus test-support/. */
const isTest = (file) => /\.(test|browser\.test|pg\.test|conformance|fixture)\.ts$/.test(file);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function resolveSpecifier(from, specifier, known) {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (known.has(candidate)) return candidate;
  }
  return null;
}

/** Strongly connected components with more than one file (or a file importing itself). */
function cycles(nodes, edges) {
  let index = 0;
  const order = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), order.get(w)));
    }
    if (low.get(v) !== order.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (edges.get(v) ?? new Set()).has(v)) found.push(scc);
  };
  for (const v of nodes) if (!order.has(v)) visit(v);
  return found.map((scc) => onePath(scc, edges));
}

/** One cycle through the component, as `a → b → a`, for the message. */
function onePath(scc, edges) {
  const members = new Set(scc);
  const start = [...scc].sort()[0];
  const path = [start];
  const seen = new Set([start]);
  for (let v = start; ; ) {
    const next = [...(edges.get(v) ?? [])].filter((w) => members.has(w)).sort();
    const back = next.find((w) => w === start);
    if (back !== undefined) return [...path, start];
    const w = next.find((n) => !seen.has(n)) ?? next[0];
    if (seen.has(w)) return [...path.slice(path.indexOf(w)), w];
    seen.add(w);
    path.push(w);
    v = w;
  }
}

/** Reads the tree under `root` (a repo: packages/*\/src); returns what is wrong, one line each. */
export function checkImports(root) {
  const packagesDir = join(root, 'packages');
  const sources = [];
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    try {
      if (!statSync(src).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const file of walk(src)) sources.push({ file, pkg, src });
  }
  const known = new Set(sources.map((s) => s.file));
  const info = new Map(sources.map((s) => [s.file, s]));
  const rel = (file) => relative(root, file).split(sep).join('/');
  /** The top folder of a file under its package's src/ ('.' for files right in src/). */
  const folderOf = (file) => {
    const parts = relative(info.get(file).src, file).split(sep);
    return parts.length > 1 ? parts[0] : '.';
  };

  const fileEdges = new Map();
  let imports = 0;
  for (const { file } of sources) {
    const targets = new Set();
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveSpecifier(file, fileName, known);
      if (target) targets.add(target);
    }
    imports += targets.size;
    fileEdges.set(file, targets);
  }

  const problems = [];
  for (const cycle of cycles([...known].sort(), fileEdges)) problems.push(`file cycle: ${cycle.map(rel).join(' → ')}`);

  // Folder cycles, per package: the graph of its top folders. A test sits above the code it tests
  // (nothing but a test imports it), so its imports are left out: a test in http/ may start the
  // whole server from the package root without http/ depending on the root.
  const byPackage = new Map();
  for (const [from, targets] of fileEdges) {
    const { pkg } = info.get(from);
    if (isTest(from)) continue;
    for (const to of targets) {
      if (info.get(to).pkg !== pkg || folderOf(from) === folderOf(to)) continue;
      const graph = byPackage.get(pkg) ?? new Map();
      byPackage.set(pkg, graph);
      const set = graph.get(folderOf(from)) ?? new Set();
      graph.set(folderOf(from), set);
      set.add(folderOf(to));
    }
  }
  for (const [pkg, graph] of [...byPackage].sort(([a], [b]) => a.localeCompare(b))) {
    for (const cycle of cycles([...graph.keys()].sort(), graph)) problems.push(`folder cycle in packages/${pkg}/src: ${cycle.join(' → ')}`);
  }

  // The worker's layer order.
  const rank = (folder) => WORKER_LAYERS.indexOf(folder);
  const unknown = new Set();
  for (const [from, targets] of fileEdges) {
    if (info.get(from).pkg !== 'worker') continue;
    const fromFolder = folderOf(from);
    if (WORKER_ENTRIES.includes(fromFolder) || fromFolder === WORKER_TEST_SUPPORT) continue;
    if (rank(fromFolder) === -1) {
      unknown.add(fromFolder);
      continue;
    }
    for (const to of targets) {
      if (info.get(to).pkg !== 'worker') continue;
      const toFolder = folderOf(to);
      const allowed = toFolder === WORKER_TEST_SUPPORT ? isTest(from) : rank(toFolder) !== -1 && rank(toFolder) <= rank(fromFolder);
      if (!allowed) problems.push(`layer back-edge in packages/worker/src: ${rel(from)} (${fromFolder}) imports ${rel(to)} (${toFolder})`);
    }
  }
  for (const folder of [...unknown].sort()) problems.push(`packages/worker/src/${folder}/ is in no layer: add it to WORKER_LAYERS in scripts/check-imports.mjs`);
  return { files: sources.length, imports, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { files, imports, problems } = checkImports(root);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error(`\ncheck-imports: ${problems.length} problem(s) in ${files} files (layer order: ${WORKER_LAYERS.join(' ← ')})`);
    process.exit(1);
  }
  console.log(`check-imports: ${files} files, ${imports} relative imports: no cycle, no back-edge`);
}
