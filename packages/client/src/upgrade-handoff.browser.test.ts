import { afterEach, describe, expect, it } from 'vitest';
import type { Row } from '@tandem/core';
import { openTandem } from './open-tandem.ts';
import type { Tandem } from './tandem.ts';
import type { TandemUpdate } from './update-feed.ts';

// The real prebuilt worker and actions module (scripts/browser-test-assets.ts). "New code" is that
// module's text plus more, served from a blob: URL: the worker identifies code by its content.
const WORKER_URL = '/tandem/tandem-worker.js';
const ACTIONS_URL = '/todo-actions.js';
const SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';
const MIGRATION = `export const migrations = [{ name: 'todos-by-title', sql: 'create index if not exists todos_by_title on todos (title)' }];`;

const opened: Tandem[] = [];
const urls: string[] = [];
afterEach(() => {
  opened.splice(0).forEach((db) => db.close());
  urls.splice(0).forEach((u) => URL.revokeObjectURL(u));
});

const uniqueName = () => `h${crypto.randomUUID().slice(0, 8)}`;

async function open(name: string, actionsUrl = ACTIONS_URL, worker: string | SharedWorker = WORKER_URL): Promise<Tandem> {
  const db = await openTandem({ worker, schema: SCHEMA, actionsUrl, name });
  opened.push(db);
  return db;
}

/** The fixture's actions module with `extra` appended, at a URL of its own. */
async function deployed(extra: string): Promise<string> {
  const text = await (await fetch(ACTIONS_URL)).text();
  const url = URL.createObjectURL(new Blob([`${text}\n${extra}\n`], { type: 'text/javascript' }));
  urls.push(url);
  return url;
}

function updateOf(db: Tandem): Promise<TandemUpdate> {
  return new Promise((resolve) => db.onUpdate(resolve));
}

function firstRows(db: Tandem, sql: string): Promise<Row[]> {
  return new Promise((resolve) => {
    const stop = db.live(sql, [], (rows) => {
      stop();
      resolve(rows);
    });
  });
}

const TITLES = 'select title from todos order by created_at, id';

describe('a tab of a new version takes the worker over', () => {
  it('in the same SharedWorker: the old tab is told to reload and refused, the new one has every write', async () => {
    const name = uniqueName();
    const old = await open(name);
    await old.actions.add!({ title: 'before the deploy' });
    const told = updateOf(old);

    const fresh = await open(name, await deployed('// v2: a comment is new code'));
    expect(fresh.version).not.toBe(old.version);
    expect(fresh.schemaVersion).toBe(0);
    expect(await told).toEqual({ version: fresh.version, schemaVersion: 0 });
    expect(old.updateAvailable).toBe(true);
    expect((await firstRows(fresh, TITLES)).map((r) => r.title)).toEqual(['before the deploy']);

    await expect(old.actions.add!({ title: 'typed in the old tab' })).rejects.toMatchObject({ kind: 'update_required' });
    await fresh.actions.add!({ title: 'after the deploy' });
    expect((await fresh.query(TITLES)).map((r) => r.title)).toEqual(['before the deploy', 'after the deploy']);
  });

  it('refuses a tab older than the running schema version, and lets one of the same version join', async () => {
    const name = uniqueName();
    const v1 = await deployed(MIGRATION);
    const fresh = await open(name, v1);
    expect(fresh.schemaVersion).toBe(1);
    await expect(open(name)).rejects.toMatchObject({ kind: 'update_required', message: expect.stringContaining('older version') });
    const again = await open(name, v1);
    expect(again.version).toBe(fresh.version);
    await again.actions.add!({ title: 'joined' });
    expect(fresh.updateAvailable).toBe(false);
  });

  it('starts one runtime when tabs of a new version connect at once', async () => {
    const name = uniqueName();
    const old = await open(name);
    await old.actions.add!({ title: 'a' });
    const v2 = await deployed('// v2');
    const tabs = await Promise.all([open(name, v2), open(name, v2), open(name, v2)]);
    expect(new Set(tabs.map((t) => t.clientId)).size).toBe(1);
    const statuses = await Promise.all(tabs.map((t) => t.status()));
    expect(statuses.map((s) => s.tabs)).toEqual([3, 3, 3]);
    await tabs[0]!.actions.add!({ title: 'b' });
    expect((await tabs[2]!.query(TITLES)).map((r) => r.title)).toEqual(['a', 'b']);
  });
});

describe('across workers (the worker URL changed with the deploy)', () => {
  it('the old worker hands the database over at once', async () => {
    const name = uniqueName();
    const old = await open(name);
    await old.actions.add!({ title: 'kept' });
    const told = updateOf(old);
    const t0 = performance.now();
    const fresh = await open(name, await deployed(MIGRATION), `${WORKER_URL}?deploy=2`);
    const took = performance.now() - t0;
    expect((await told).schemaVersion).toBe(1);
    // Well under the 10 s a locked database waits before giving up.
    expect(took).toBeLessThan(8_000);
    expect((await fresh.query(TITLES)).map((r) => r.title)).toEqual(['kept']);
    await expect(old.actions.add!({ title: 'lost?' })).rejects.toMatchObject({ kind: 'update_required' });
  });

  it('a worker of an older version is refused with update_required at once', async () => {
    const name = uniqueName();
    await open(name, await deployed(MIGRATION));
    const t0 = performance.now();
    const error = await openTandem({ worker: `${WORKER_URL}?deploy=old`, schema: SCHEMA, actionsUrl: ACTIONS_URL, name }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'update_required', message: expect.stringContaining('Reload') });
    expect(performance.now() - t0).toBeLessThan(8_000);
  });
});
