// `tandem-worker copy-assets <dir>`: copies the prebuilt worker bundle (JS + wasm + data) into an
// app's static folder, so the app serves it next to its own files, and says what to do next.
import { cp, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMMUTABLE_DIR, plainName } from './bundle-names.mjs';

const bundle = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'dist/bundle');

/** What each known file is for (by its plain name: in the bundle most carry a content hash), so the listing tells a newcomer which ones matter to them. */
const ROLES = {
  'tandem-worker.js': 'the SharedWorker: pass its URL to openTandem as `worker`',
  'tandem-client.js': 'openTandem + defineActions as one ES module, for pages without a bundler',
  'pglite.wasm': 'PGlite engine (the default)',
  'pglite.data': 'PGlite engine',
  'initdb.wasm': 'PGlite engine',
  'tandem-empty-pglite.tar': 'PGlite: a ready empty database, for a fast first visit',
  'sqlite3.wasm': "SQLite engine (engine: 'sqlite')",
};

const size = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`);

/** Returns the exit code. */
export async function copyAssets(target) {
  const dest = resolve(target);
  let names;
  try {
    // Relative paths: the content-hashed files are in immutable/.
    names = (await readdir(bundle, { recursive: true })).filter((name) => name !== IMMUTABLE_DIR).sort();
    await stat(join(bundle, 'tandem-worker.js'));
  } catch {
    console.error(`tandem-worker: no bundle at ${bundle}; build @tandem/worker first (npm run build).`);
    return 1;
  }
  await cp(bundle, dest, { recursive: true });

  const files = await Promise.all(names.map(async (name) => ({ name: name.split(sep).join('/'), role: ROLES[plainName(basename(name))], bytes: (await stat(join(bundle, name))).size })));
  const maps = files.filter((f) => f.name.endsWith('.map'));
  const order = (f) => Object.values(ROLES).indexOf(f.role);
  const known = files.filter((f) => f.role).sort((a, b) => order(a) - order(b));
  const chunks = files.filter((f) => !f.role && f.name.endsWith('.js'));
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  const width = Math.max(...known.map((f) => f.name.length));

  const shown = relative(process.cwd(), dest) || '.';
  console.log(`Copied the Tandem worker bundle to ${shown}${sep} (${files.length} files, ${size(total)}):`);
  for (const f of known) console.log(`  ${f.name.padEnd(width)}  ${size(f.bytes).padStart(7)}  ${f.role}`);
  console.log(`  + ${chunks.length} .js chunks in ${IMMUTABLE_DIR}/ that tandem-worker.js loads (keep the folder beside it)`);
  if (maps.length) console.log(`  + ${maps.length} source maps (.map)`);
  console.log(`
Next:
  1. Serve this folder as it is, .wasm as application/wasm. Files in ${IMMUTABLE_DIR}/ are named by
     their content: cache them for a year (immutable); revalidate the others (no-cache).
  2. In your page, open Tandem with the URL the folder is served at, e.g.
       openTandem({ worker: '${workerUrlGuess(shown)}', schema, actionsUrl: '/actions.js' })
  To try a plain page locally: npx tandem-worker serve <the page's folder>`);
  return 0;
}

/** `public/tandem` is served at /tandem (Vite and most frameworks strip `public/`). */
function workerUrlGuess(shown) {
  if (shown === '.') return '/tandem-worker.js';
  const path = shown.split(sep).join('/');
  if (path.startsWith('..') || path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `/${basename(shown)}/tandem-worker.js`;
  return `/${path.replace(/^(public|static)\//, '')}/tandem-worker.js`;
}
