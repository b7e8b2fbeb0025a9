// Builds the pre-initialised empty PGlite image the worker bundle ships, so a first visit restores
// a data dir (~0.5 s) instead of running initdb (~2 s, DESIGN "Durability").
//
//   node packages/worker/scripts/build-empty-image.mjs [out.tar] [--no-compare]
//
// --no-compare skips timing a stock initdb for comparison (for tests).
// Default output: packages/worker/build/tandem-empty-pglite.tar (not published), where
// build-bundle.mjs (run after it) takes it into the bundle under its content-hashed name. The image is also the base of every checkpoint, so it is shrunk
// (stock initdb: ~40 MB):
// - 1 MB WAL segments instead of 16 MB (fixed at initdb), min_wal_size 2 MB and wal_recycle off,
//   so a checkpoint leaves little WAL behind (the engine checkpoints before each snapshot);
// - no template0/template1 databases (~7.5 MB each): Tandem never runs CREATE DATABASE;
// - no preallocated WAL segments ahead of the insert position (Postgres recreates them on demand).
// It also holds capture's tables and functions (not the app's triggers), marked so that
// installCapture skips creating them on a new database (engine/pglite/capture-sql.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
// From the compiled package (npm run build runs tsc first), so the image holds this build's text.
import { CAPTURE_SCHEMA_INSTALL_SQL, CAPTURE_SCHEMA_MARK, CAPTURE_SCHEMA_MARK_SQL } from '../dist/engine/pglite/capture-sql.js';

const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const compare = !args.includes('--no-compare');
const out = resolve(args.find((a) => !a.startsWith('--')) ?? join(packageRoot, 'build/tandem-empty-pglite.tar'));
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;

// Measured for comparison only: what a first visit costs without the image.
let t0 = performance.now();
let freshTime = 'not measured';
let stockSize = 0;
if (compare) {
  const stock = await PGlite.create({ dataDir: 'memory://' });
  freshTime = ms(t0);
  stockSize = (await stock.dumpDataDir('none')).size;
  await stock.close();
}

const fresh = await PGlite.create({ dataDir: 'memory://', initDbStartParams: ['--wal-segsize=1'] });
// ALTER SYSTEM and DROP DATABASE refuse to run in a transaction block, so one statement per exec.
for (const statement of [
  "alter system set min_wal_size = '2MB'",
  'alter system set wal_recycle = off',
  "update pg_database set datistemplate = false where datname in ('template0', 'template1')",
  'drop database template0',
  'drop database template1',
  'checkpoint',
]) {
  await fresh.exec(statement);
}
const firstPass = await fresh.dumpDataDir('none');
await fresh.close();

// The WAL settings apply from the next start: restart, checkpoint, drop the segments ahead.
const second = await PGlite.create({ dataDir: 'memory://', loadDataDir: firstPass });
// Capture's tables and functions (they do not depend on the app's schema), with the mark that lets
// installCapture skip them: a new database then creates only its triggers.
await second.exec(CAPTURE_SCHEMA_INSTALL_SQL);
await second.exec('checkpoint');
const [{ current }] = (await second.query('select pg_walfile_name(pg_current_wal_insert_lsn()) as current')).rows;
const walDir = `${PGlite.paths.PGDATA}/pg_wal`;
const fs = second.Module.FS;
for (const name of fs.readdir(walDir)) {
  if (/^[0-9A-F]{24}$/.test(name) && name > current) fs.unlink(`${walDir}/${name}`);
}
const image = await second.dumpDataDir('none');
await second.close();

t0 = performance.now();
const check = await PGlite.create({ dataDir: 'memory://', loadDataDir: image });
const restoreTime = ms(t0);
const [state] = (await check.query(`select current_database() as db, current_setting('wal_segment_size') as seg, (select count(*)::int from pg_database) as dbs`)).rows;
const [{ mark }] = (await check.query(CAPTURE_SCHEMA_MARK_SQL)).rows;
await check.close();
if (state.db !== 'postgres' || state.seg !== '1MB' || state.dbs !== 1) throw new Error(`Unexpected image state: ${JSON.stringify(state)}`);
if (mark !== CAPTURE_SCHEMA_MARK) throw new Error(`The image holds capture schema mark ${JSON.stringify(mark)}, not ${JSON.stringify(CAPTURE_SCHEMA_MARK)}`);

await mkdir(dirname(out), { recursive: true });
await writeFile(out, new Uint8Array(await image.arrayBuffer()));
console.log(`empty PGlite image → ${out}`);
console.log(`  size ${mb(image.size)}${compare ? ` (stock initdb data dir: ${mb(stockSize)})` : ''}`);
console.log(`  fresh PGlite.create() with initdb: ${freshTime}; PGlite.create({ loadDataDir }) from the image: ${restoreTime}`);
