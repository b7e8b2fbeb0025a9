// Builds the initialised empty data directory the embedded store starts a new database from
// (src/store/pglite-empty-image.ts), so it skips initdb: dist/pglite-empty.tar.gz, beside
// dist/pglite-empty.json naming the PGlite version that made it (another version never uses it).
// A stock initdb, nothing removed: the server is a general Postgres for the app's schema.
//
//   node packages/server/scripts/build-empty-image.mjs
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { installedPgliteVersion } from '../dist/store/pglite-empty-image.js';

const dist = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist');
const t0 = performance.now();
const pg = await PGlite.create({ dataDir: 'memory://' });
const image = await pg.dumpDataDir('gzip');
await pg.close();
const version = installedPgliteVersion();
if (!version) throw new Error('@electric-sql/pglite is not installed: cannot name the image\'s version');
await mkdir(dist, { recursive: true });
await writeFile(join(dist, 'pglite-empty.tar.gz'), new Uint8Array(await image.arrayBuffer()));
await writeFile(join(dist, 'pglite-empty.json'), `${JSON.stringify({ pglite: version })}\n`);
console.log(`server empty PGlite image: ${(image.size / 1e6).toFixed(1)} MB (PGlite ${version}) in ${(performance.now() - t0).toFixed(0)} ms`);
