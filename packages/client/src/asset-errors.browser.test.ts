import { afterEach, describe, expect, it } from 'vitest';
import type { EngineName } from '@tandem/core';
import { openTandem } from './open-tandem.ts';
import type { Tandem } from './tandem.ts';

// The real worker bundle served wrong, one fault per site: /faulty/<fault>/ comes from the Vite
// plugin in scripts/faulty-asset-sites.ts, the correct site /tandem/ from publicDir. Every test
// opens its own local database (`name`), so a failed start can only leave traces in its own.
const GOOD_WORKER = '/tandem/tandem-worker.js';
const faultyWorker = (fault: string) => `/faulty/${fault}/tandem-worker.js`;
const ACTIONS_URL = '/todo-actions.js';
const SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';
const WASM: Record<EngineName, string> = { pglite: 'pglite.wasm', sqlite: 'sqlite3.wasm' };
const ENGINE_IN_MESSAGE: Record<EngineName, string> = { pglite: "PGlite engine (engine: 'pglite')", sqlite: "SQLite engine (engine: 'sqlite')" };
const COPY_FIX = 'npx tandem-worker copy-assets <dir>';

const opened: Tandem[] = [];
afterEach(() => opened.splice(0).forEach((db) => db.close()));

const uniqueName = (engine: EngineName) => `assets-${engine}-${crypto.randomUUID().slice(0, 8)}`;

async function open(engine: EngineName, worker: string, name: string, schema = SCHEMA): Promise<Tandem> {
  const db = await openTandem({ worker, engine, name, schema, actionsUrl: ACTIONS_URL, timeoutMs: 60_000 });
  opened.push(db);
  return db;
}

/** The error openTandem rejects with (fails the test if it opens). */
async function openError(engine: EngineName, worker: string, name: string, schema = SCHEMA): Promise<{ kind: string; message: string }> {
  const db = await open(engine, worker, name, schema).catch((error: unknown) => error as { kind: string; message: string });
  if ('actions' in db) throw new Error(`openTandem opened ${worker} with engine ${engine}; expected it to fail`);
  return db;
}

/** The database works: an action commits and a query reads it back. */
async function expectWorks(db: Tandem): Promise<void> {
  await db.actions.add!({ title: 'works' });
  expect(await db.query('select title from todos')).toEqual([{ title: 'works' }]);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The URL of an engine file in the bundle, `immutable/<name>-<content hash>.<ext>` (build-bundle.mjs), as a pattern. */
function assetUrlPattern(fault: string, file: string, after: string): RegExp {
  const dot = file.indexOf('.');
  return new RegExp(`${escape(`${location.origin}/faulty/${fault}/immutable/${file.slice(0, dot)}-`)}[0-9a-f]{16}${escape(`${file.slice(dot)}${after}`)}`);
}

describe.each(['pglite', 'sqlite'] as const)('%s: start-up errors say what is wrong and how to fix it', (engine) => {
  const assetUrl = (fault: string, after: string) => assetUrlPattern(fault, WASM[engine], after);

  it('names a missing wasm file, the HTTP status and copy-assets; the same database then opens with the right assets', async () => {
    const name = uniqueName(engine);
    const error = await openError(engine, faultyWorker('missing-wasm'), name);
    expect(error.kind).toBe('not_ready');
    expect(error.message).toContain(`The ${ENGINE_IN_MESSAGE[engine]} could not start: `);
    expect(error.message).toMatch(assetUrl('missing-wasm', ' answered HTTP 404'));
    expect(error.message).toContain(COPY_FIX);
    // Nothing of the failed start is left to get in the way (journal meta, locks, the tab's port).
    await expectWorks(await open(engine, GOOD_WORKER, name));
  });

  it('names a wasm file the network did not deliver', async () => {
    const error = await openError(engine, faultyWorker('dropped'), uniqueName(engine));
    expect(error.kind).toBe('not_ready');
    expect(error.message).toContain(`The ${ENGINE_IN_MESSAGE[engine]} could not start: `);
    expect(error.message).toMatch(assetUrl('dropped', ' could not be fetched'));
    expect(error.message).toContain(COPY_FIX);
  });

  it('refuses wasm served with a wrong MIME type, naming the Content-Type and application/wasm', async () => {
    const error = await openError(engine, faultyWorker('octet-stream'), uniqueName(engine));
    expect(error.kind).toBe('not_ready');
    expect(error.message).toMatch(assetUrl('octet-stream', ' is served as application/octet-stream, but WebAssembly must be served as application/wasm'));
    expect(error.message).toContain('Content-Type: application/wasm');
  });

  it('refuses an HTML page served for the wasm (an SPA fallback), saying that it is one', async () => {
    const error = await openError(engine, faultyWorker('html'), uniqueName(engine));
    expect(error.kind).toBe('not_ready');
    expect(error.message).toMatch(assetUrl('html', " is served as text/html; charset=utf-8: an HTML page, not the engine's file"));
    expect(error.message).toContain(COPY_FIX);
    expect(error.message).toContain('application/wasm');
  });

  it.each([
    ['a syntax error', 'create tabel nope (id text primary key);', 'create tabel nope (id text primary key)'],
    ['a missing column', 'create index todos_nope on todos (nope);', 'create index todos_nope on todos (nope)'],
  ])('names the engine and the failing statement of a schema with %s; the fixed schema then opens', async (_, bad, statement) => {
    const name = uniqueName(engine);
    const error = await openError(engine, GOOD_WORKER, name, `${SCHEMA}\n${bad}\ncreate table later (id text primary key);`);
    expect(error.kind).toBe('schema_error');
    expect(error.message).toContain(`The schema failed on the ${ENGINE_IN_MESSAGE[engine]}: `);
    expect(error.message).toContain(`, in the statement \`${statement}\`. `);
    expect(error.message).toContain('Fix the schema passed to openTandem()');
    // The broken schema was not recorded as this database's schema.
    await expectWorks(await open(engine, GOOD_WORKER, name));
  });
});

describe('pglite: its data file', () => {
  it('names a missing pglite.data (content-hashed in the bundle)', async () => {
    const error = await openError('pglite', faultyWorker('missing-data'), uniqueName('pglite'));
    expect(error.kind).toBe('not_ready');
    expect(error.message).toMatch(assetUrlPattern('missing-data', 'pglite.data', ' answered HTTP 404'));
    expect(error.message).toContain(COPY_FIX);
  });
});
