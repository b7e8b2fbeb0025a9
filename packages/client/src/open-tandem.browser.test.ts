import { afterEach, describe, expect, it } from 'vitest';
import type { Row } from '@tandem/core';
import { openTandem } from './open-tandem.ts';
import type { Tandem } from './tandem.ts';

// The real prebuilt bundle and a prebuilt actions module, served untouched from Vite's publicDir
// (scripts/browser-test-assets.ts): the worker imports the actions by URL as it does an app's.
const WORKER_URL = '/tandem/tandem-worker.js';
const ACTIONS_URL = '/todo-actions.js';
const SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';

const opened: Tandem[] = [];
afterEach(() => opened.splice(0).forEach((db) => db.close()));

async function open(name: string, schema = SCHEMA) {
  const db = await openTandem({ worker: WORKER_URL, schema, actionsUrl: ACTIONS_URL, name });
  opened.push(db);
  return db;
}
const uniqueName = () => `c${crypto.randomUUID().slice(0, 8)}`;

function nextRows(db: Tandem, sql: string, count: number): Promise<Row[][]> {
  return new Promise((resolve) => {
    const seen: Row[][] = [];
    const stop = db.live(sql, [], (rows) => {
      seen.push(rows);
      if (seen.length === count) {
        stop();
        resolve(seen);
      }
    });
  });
}

describe('openTandem against the prebuilt SharedWorker bundle', () => {
  it('runs actions and keeps unchanged live rows identical across updates', async () => {
    const db = await open(uniqueName());
    const a = (await db.actions.add!({ title: 'a' })) as string;
    const updates = nextRows(db, 'select id, title, done from todos order by created_at, id', 3);
    await new Promise((r) => setTimeout(r, 50));
    await db.actions.add!({ title: 'b' });
    await db.actions.toggle!({ id: a, done: true });
    const [first, second, third] = await updates;
    expect(first!.map((r) => r.title)).toEqual(['a']);
    expect(second!.map((r) => r.title)).toEqual(['a', 'b']);
    expect(second![0]).toBe(first![0]);
    expect(third![0]).toMatchObject({ id: a, done: true });
    expect(third![1]).toBe(second![1]);
  });

  it('delivers errors as TandemErrors with kind and details', async () => {
    const db = await open(uniqueName());
    const error = await db.actions.add!({ title: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ kind: 'invalid_args', details: { action: 'add', issues: [{ path: 'title' }] } });
    await expect(db.actions.nope!({})).rejects.toMatchObject({ kind: 'unknown_action' });
    await expect(db.query(42 as unknown as string)).rejects.toMatchObject({ kind: 'invalid_request' });
    await expect(db.query('select $1', [{ a: 1 }])).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringContaining('params[0]') });
    expect(await db.query('select count(*)::int as n from todos')).toEqual([{ n: 0 }]);
  });

  it('refuses a tab whose base schema differs from the running worker, which keeps running', async () => {
    const name = uniqueName();
    const first = await open(name);
    await expect(open(name, `${SCHEMA}\ncreate table other (id text primary key);`)).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('appending a migration') });
    await first.actions.add!({ title: 'still here' });
    expect(first.updateAvailable).toBe(false);
  });

  it('reports a worker URL that does not serve the bundle, saying what the server answered and how to fix it', async () => {
    const error = await openTandem({ worker: '/no/such/tandem-worker.js', schema: SCHEMA, actionsUrl: ACTIONS_URL, name: uniqueName(), timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not_ready', message: expect.stringContaining('could not start') });
    const message = (error as Error).message;
    expect(message).toContain(`${location.origin}/no/such/tandem-worker.js`);
    expect(message).toMatch(/HTTP 404|served as text\/html/);
    expect(message).toContain('tandem-worker copy-assets');
  });

  it('reports a worker URL served with a non-JavaScript MIME type', async () => {
    // A file of the bundle that exists but is not a script: the browser refuses it as a module.
    const url = '/tandem/tandem-worker.js.map';
    const error = await openTandem({ worker: url, schema: SCHEMA, actionsUrl: ACTIONS_URL, name: uniqueName(), timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not_ready' });
    expect((error as Error).message).toMatch(/is served as \S[^,]*, but a module worker must be served as JavaScript/);
  });

  it('reports a broken schema with schema_error', async () => {
    await expect(open(uniqueName(), 'create tabel nope (')).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('schema') });
  });
});

describe('one runtime per local database', () => {
  it('refuses a second worker on the same database with a clear error', async () => {
    const name = uniqueName();
    await open(name);
    // A different worker name means a second SharedWorker instance for the same local database.
    const other = new SharedWorker(WORKER_URL, { type: 'module', name: `other:${name}` });
    const error = await openTandem({ worker: other, schema: SCHEMA, actionsUrl: ACTIONS_URL, name }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'database_locked', message: expect.stringContaining('Another Tandem worker') });
  });

  it('lists the pending actions across the tab boundary and discards one: rolled back, reported, refused when unknown', async () => {
    const db = await open(uniqueName());
    const rejected: string[][] = [];
    db.sync.onRejected((r) => rejected.push(r.map((x) => `${x.name}:${x.error.kind}`)));
    await db.actions.add!({ title: 'a' });
    await db.actions.add!({ title: 'b' });
    const listed = await db.sync.pending();
    expect(listed.map((p) => [p.name, p.args])).toEqual([
      ['add', { title: 'a' }],
      ['add', { title: 'b' }],
    ]);
    const seen: string[][] = [];
    const stop = db.live('select title from todos order by title', [], (rows) => seen.push(rows.map((r) => r.title as string)));
    await expect.poll(() => seen).toEqual([['a', 'b']]);
    await db.sync.discard(listed[0]!.id);
    await expect.poll(() => seen).toEqual([['a', 'b'], ['b']]);
    stop();
    expect((await db.sync.pending()).map((p) => p.id)).toEqual([listed[1]!.id]);
    await expect.poll(() => rejected).toEqual([['add:discarded']]);
    await expect(db.sync.discard(listed[0]!.id)).rejects.toMatchObject({ kind: 'invalid_request' });
    await expect(db.sync.discard(42 as unknown as string)).rejects.toMatchObject({ kind: 'invalid_request' });
    expect(await db.query('select title from todos')).toEqual([{ title: 'b' }]);
  });
});
