import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_NAMES, journalDatabaseName } from '@tandem/core';
import type { EngineName, Row } from '@tandem/core';
import { deleteDatabase } from './delete-database.ts';
import { openTandem } from './open-tandem.ts';
import type { Tandem } from './tandem.ts';

// The prebuilt worker bundle and actions module (scripts/browser-test-assets.ts). Local-only
// databases: what is tested here is the local side (storage, tabs, the owner); the server's side of
// a user switch is in e2e/tests/user-switch.spec.ts.
const SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';
const COUNT = 'select count(*) as n from todos';

const opened: Tandem[] = [];
afterEach(() => opened.splice(0).forEach((db) => db.close()));

async function open(name: string, engine: EngineName, sharedWorker = true): Promise<Tandem> {
  const db = await openTandem({ worker: '/tandem/tandem-worker.js', schema: SCHEMA, actionsUrl: '/todo-actions.js', name, engine, sharedWorker });
  opened.push(db);
  return db;
}
const uniqueName = () => `so${crypto.randomUUID().slice(0, 8)}`;

async function count(db: Tandem): Promise<number> {
  const [row] = await db.query<Row & { n: number | string }>(COUNT);
  return Number(row!.n);
}

async function storedDatabases(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '');
}

/** Resolves once `db`'s live rows of `sql` satisfy `ok` (they are delivered again after a reconnect). */
function liveUntil(db: Tandem, sql: string, ok: (rows: Row[]) => boolean): Promise<Row[]> {
  return new Promise((resolve) => {
    const stop = db.live(sql, [], (rows) => {
      if (!ok(rows)) return;
      queueMicrotask(() => stop());
      resolve(rows);
    });
  });
}

describe.each(ENGINE_NAMES)('%s: signing out and deleting the local database', (engine) => {
  it('signOut wipe discards the pending actions, and every tab ends up on a fresh empty database with a new client id', async () => {
    const name = uniqueName();
    const first = await open(name, engine);
    const second = await open(name, engine);
    await first.actions.add!({ title: 'a' });
    await second.actions.add!({ title: 'b' });
    // The other tab sees its rows go through its live query, restored on the fresh database.
    let had = 0;
    const emptied = liveUntil(second, 'select id from todos', (rows) => (had = Math.max(had, rows.length)) === 2 && rows.length === 0);
    await liveUntil(second, 'select id from todos', (rows) => rows.length === 2);
    const oldClient = first.clientId;

    await expect(first.sync.signOut({ data: 'wipe' })).resolves.toEqual({ discarded: 2 });
    expect(await count(first)).toBe(0);
    expect(first.clientId).not.toBe(oldClient);
    await emptied;
    expect(await count(second)).toBe(0);
    expect(second.clientId).toBe(first.clientId);
    expect(second.connection).toBe('ready');
    // The fresh database starts signed out and belongs to no one: the next user signs in.
    expect((await second.status()).sync).toMatchObject({ signedOut: true, user: null, pending: 0 });
    await second.sync.signIn({ user: 'bob', token: 'bob-token' });
    expect((await first.status()).sync).toMatchObject({ signedOut: false, user: 'bob' });
    await first.actions.add!({ title: 'c' });
    expect(await count(second)).toBe(1);
  });

  it('deleteDatabase removes the IndexedDB storage once no tab has the database open, and refuses while one has', async () => {
    const name = uniqueName();
    const db = await open(name, engine);
    await db.actions.add!({ title: 'a' });
    expect(await storedDatabases()).toContain(journalDatabaseName(name));

    await expect(deleteDatabase(name)).rejects.toMatchObject({ kind: 'database_locked', message: expect.stringContaining('db.close()') });
    expect(await count(db)).toBe(1);

    db.close();
    // The SharedWorker outlives the closed handle: it is asked to let go.
    await deleteDatabase(name);
    expect(await storedDatabases()).not.toContain(journalDatabaseName(name));

    const again = await open(name, engine);
    expect(await count(again)).toBe(0);
    expect(again.clientId).not.toBe(db.clientId);
  });
});

describe('without SharedWorker (one tab hosts a dedicated Worker)', () => {
  it('signOut wipe from a tab that dials the host moves both tabs to a fresh database', async () => {
    const name = uniqueName();
    const host = await open(name, 'pglite', false);
    const dialer = await open(name, 'pglite', false);
    expect((await dialer.status()).host).toBe('dedicated-worker');
    await host.actions.add!({ title: 'a' });
    let had = 0;
    const emptied = liveUntil(host, 'select id from todos', (rows) => (had = Math.max(had, rows.length)) === 1 && rows.length === 0);
    await expect(dialer.sync.signOut({ data: 'wipe' })).resolves.toEqual({ discarded: 1 });
    expect(await count(dialer)).toBe(0);
    await emptied;
    await host.actions.add!({ title: 'b' });
    expect(await count(dialer)).toBe(1);
    expect(dialer.clientId).toBe(host.clientId);
  });
});

describe('signIn and signOut keep (the local side)', () => {
  it('binds the database to its first user, refuses another one without changing anything, and keeps the data for the same user', async () => {
    const db = await open(uniqueName(), 'pglite');
    await db.actions.add!({ title: 'before sign-in' });
    await db.sync.signIn({ user: 'alice', token: 'alice-token' });
    await db.actions.add!({ title: 'as alice' });
    await expect(db.sync.signOut({ data: 'keep' })).resolves.toEqual({ discarded: 0 });
    expect((await db.status()).sync).toMatchObject({ signedOut: true, user: 'alice' });

    const refused = await db.sync.signIn({ user: 'bob', token: 'bob-token' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'user_mismatch', details: { owner: 'alice', user: 'bob' } });
    expect((refused as Error).message).toContain("signOut({ data: 'wipe' })");
    expect((refused as Error).message).toContain('one database per user');
    expect((await db.status()).sync).toMatchObject({ signedOut: true, user: 'alice' });
    expect(await count(db)).toBe(2);

    await db.sync.signIn({ user: 'alice', token: 'alice-token-2' });
    expect((await db.status()).sync).toMatchObject({ signedOut: false, user: 'alice' });
    expect(await count(db)).toBe(2);
  });

  it('validates signIn and signOut at the boundary', async () => {
    const db = await open(uniqueName(), 'pglite');
    await expect(db.sync.signIn({ user: '', token: 't' })).rejects.toMatchObject({ kind: 'invalid_request' });
    await expect(db.sync.signIn({ user: 'a', token: '' })).rejects.toMatchObject({ kind: 'invalid_request' });
    await expect(db.sync.signOut({ data: 'burn' } as never)).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringContaining("'wipe'") });
    await expect(deleteDatabase('no/slash')).rejects.toMatchObject({ kind: 'invalid_request' });
    expect((await db.status()).sync).toMatchObject({ signedOut: false, user: null });
  });
});
