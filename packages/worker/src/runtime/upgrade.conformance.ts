import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionDefinitions, EngineName, Migration, Rejection, WorkerEvent } from '@tandem/core';
import type { CreateEngine, Engine } from '../engine/engine.ts';
import { DexieJournalStore } from '../store/dexie-journal-store.ts';
import { actionsV0, actionsV1, flakyControl, migrationsV1, UPGRADE_SCHEMA } from '../test-support/upgrade-fixture.ts';
import { legacySchemaVersion } from './config-version.ts';
import { TandemRuntime } from './tandem-runtime.ts';

/**
 * Upgrades on one engine with the real journal (IndexedDB): migrations at start, pending actions
 * carried across a schema change by the new code, rejections that survive restarts, the checks on
 * stored schema identity, and the hand-over of a retiring runtime.
 */
export function runUpgradeConformance(engineName: EngineName, createEngine: CreateEngine): void {
  describe(`upgrades: ${engineName} + IndexedDB`, () => {
    const open: TandemRuntime[] = [];
    let emptyImage: Blob;
    beforeAll(async () => {
      const engine = await createEngine({});
      emptyImage = await engine.snapshot();
      await engine.close();
    }, 120_000);
    afterEach(async () => {
      flakyControl.fail = false;
      for (const r of open.splice(0)) await r.close();
    });

    const newName = () => `up-${crypto.randomUUID()}`;
    const config = (name: string, schema = UPGRADE_SCHEMA) => ({ name, schema, actionsUrl: 'https://app.test/actions.js', engine: engineName, checkpointEvery: 10_000 });

    /** The engine of the runtime started last: tests write what a tab cannot (db.query only reads). */
    let lastEngine: Engine | undefined;
    const trackingEngine: CreateEngine = async (options) => (lastEngine = await createEngine(options));

    async function start(name: string, app: { actions: ActionDefinitions; migrations?: Migration[] }, o: { schema?: string; logs?: string[] } = {}) {
      const store = new DexieJournalStore(name);
      const runtime = await TandemRuntime.start({
        config: config(name, o.schema),
        store,
        createEngine: trackingEngine,
        loadActions: async () => app,
        emptyImage: async () => emptyImage,
        checkpointIdleMs: 60_000,
        log: (m) => o.logs?.push(m),
      });
      open.push(runtime);
      return { runtime, store };
    }
    async function stop(runtime: TandemRuntime) {
      await runtime.close();
      open.splice(open.indexOf(runtime), 1);
    }
    const v0 = { actions: actionsV0 };
    const v1 = { actions: actionsV1, migrations: migrationsV1 };
    const todos = (runtime: TandemRuntime) => runtime.query('select title, priority from todos order by title', []);
    const rejections = async (runtime: TandemRuntime): Promise<Rejection[]> => (await runtime.status()).sync.rejections;

    it('a new database runs the schema and every migration, and journals under that version', async () => {
      const name = newName();
      const { runtime, store } = await start(name, v1);
      expect(runtime.schemaVersion).toBe(1);
      expect((await runtime.status()).schemaVersion).toBe(1);
      await runtime.run('add', { text: 'new', priority: 2 });
      expect(await todos(runtime)).toEqual([{ title: 'new', priority: 2 }]);
      expect((await store.readAfter(0)).map((e) => e.record)).toMatchObject([{ kind: 'action', name: 'add', v: 1 }]);
      const [meta] = await runtime.query("select value from tandem_meta where key = 'schema_identity'", []);
      const identity = typeof meta!.value === 'string' ? JSON.parse(meta!.value) : meta!.value;
      expect(identity.steps).toHaveLength(1);
      // Captured as any action's writes: the migration's column is in the patch.
      const [patch] = await runtime.query('select new_row from tandem_patches', []);
      expect(JSON.stringify(patch!.new_row)).toContain('"priority":2');
    });

    it('migrates with actions pending in the checkpoint and in the journal: upgraded, re-run once, refused ones listed', async () => {
      const name = newName();
      let { runtime, store } = await start(name, v0);
      const a = (await runtime.run('add', { title: 'a' })) as string;
      await runtime.run('add', { title: 'b' });
      await runtime.checkpoint();
      await runtime.run('add', { title: 'c' });
      await runtime.run('tag', { todoId: a, name: 'gone in v1' });
      await runtime.run('add', { title: 'forbidden' });
      await runtime.run('add', { title: 'd' });
      expect(await store.count()).toBe(4);
      await stop(runtime);

      const logs: string[] = [];
      ({ runtime, store } = await start(name, v1, { logs }));
      expect(runtime.schemaVersion).toBe(1);
      // The column is there with its default; every accepted action ran once, by the new code.
      expect(await todos(runtime)).toEqual(['a', 'b', 'c', 'd'].map((title) => ({ title, priority: 0 })));
      expect(await runtime.query('select count(*) as n from tags', [])).toEqual([{ n: 0 }]);
      const pending = await runtime.query('select id, name, args from tandem_pending order by seq', []);
      expect(pending.map((p) => (typeof p.args === 'string' ? JSON.parse(p.args) : p.args))).toEqual([{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }]);
      expect((await runtime.status()).pendingActions).toBe(4);
      // Each pending action has its patches again (so a rebase can revert it).
      const patched = await runtime.query('select distinct action_id from tandem_patches', []);
      expect(patched).toHaveLength(4);
      const listed = await rejections(runtime);
      expect(listed.map((r) => [r.name, r.error.kind])).toEqual([
        ['tag', 'upgrade_rejected'],
        ['add', 'upgrade_rejected'],
      ]);
      expect(listed[0]).toMatchObject({ args: { todoId: a, name: 'gone in v1' }, error: { message: expect.stringContaining('no longer has that action') } });
      expect(listed[1]).toMatchObject({ args: { title: 'forbidden' }, error: { message: expect.stringContaining('does not allow that title') } });
      // Checkpointed: the journal is empty, and the next start opens at version 1 without migrating.
      expect(await store.count()).toBe(0);
      expect(logs.some((m) => m.includes('migrated the local database from schema version 0 to 1'))).toBe(true);
      // Ids continue after every action ever journaled, the refused ones included.
      expect(await runtime.run('add', { text: 'e' })).toBe(`${runtime.clientId}-7.0`);
      await stop(runtime);

      const again: string[] = [];
      ({ runtime } = await start(name, v1, { logs: again }));
      expect(again.some((m) => m.includes('migrated'))).toBe(false);
      expect((await todos(runtime)).map((r) => r.title)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect((await rejections(runtime)).map((r) => r.id)).toEqual(listed.map((r) => r.id));

      await expect(runtime.acknowledgeRejections('x' as never)).rejects.toMatchObject({ kind: 'invalid_request' });
      await expect(runtime.acknowledgeRejections([42] as never)).rejects.toMatchObject({ kind: 'invalid_request' });
      await runtime.acknowledgeRejections([listed[0]!.id, 'not-a-rejection']);
      expect((await rejections(runtime)).map((r) => r.id)).toEqual([listed[1]!.id]);
      await stop(runtime);
      ({ runtime } = await start(name, v1));
      expect((await rejections(runtime)).map((r) => r.id)).toEqual([listed[1]!.id]);
    });

    it('an action that fails on replay at the same version is rejected (replay_rejected) and voided, not dropped', async () => {
      const name = newName();
      let { runtime, store } = await start(name, v0);
      await runtime.run('add', { title: 'kept' });
      await runtime.run('flaky', { title: 'flaky' });
      await stop(runtime);
      flakyControl.fail = true;
      ({ runtime, store } = await start(name, v0));
      expect((await runtime.query('select title from todos order by title', [])).map((r) => r.title)).toEqual(['kept']);
      const [rejection] = await rejections(runtime);
      expect(rejection).toMatchObject({ name: 'flaky', args: { title: 'flaky' }, error: { kind: 'replay_rejected', message: expect.stringContaining('flaky refuses today') } });
      expect((await store.readAfter(0)).map((e) => e.record.kind)).toEqual(['action', 'action', 'void']);
      await stop(runtime);
      // Voided: it stays out even once it would succeed, and is listed once.
      flakyControl.fail = false;
      ({ runtime } = await start(name, v0));
      expect((await runtime.query('select title from todos order by title', [])).map((r) => r.title)).toEqual(['kept']);
      expect(await rejections(runtime)).toEqual([rejection]);
    });

    it('opens a database made before versioning as version 0, with or without a checkpoint, and migrates it', async () => {
      for (const withCheckpoint of [true, false]) {
        const name = newName();
        let { runtime, store } = await start(name, v0);
        await runtime.run('add', { title: 'old' });
        // What such a database looks like: no identity anywhere, the raw schema hash in the meta.
        await lastEngine!.query("delete from tandem_meta where key = 'schema_identity'");
        if (withCheckpoint) await runtime.checkpoint();
        await runtime.run('add', { title: 'older' });
        await stop(runtime);
        const raw = new DexieJournalStore(name);
        await raw.setMeta('schemaIdentity', undefined);
        await raw.setMeta('schemaVersion', withCheckpoint ? await legacySchemaVersion(config(name)) : 'another-schema-text');
        raw.close();
        // Records written before versioning carry no `v`.
        await stripRecordVersions(name);
        const logs: string[] = [];
        ({ runtime, store } = await start(name, v1, { logs }));
        expect(await todos(runtime)).toEqual([
          { title: 'old', priority: 0 },
          { title: 'older', priority: 0 },
        ]);
        expect((await runtime.status()).pendingActions).toBe(2);
        expect(logs.some((m) => m.includes('before schema versioning'))).toBe(!withCheckpoint);
        expect(await store.count()).toBe(0);
      }
    });

    it('a cosmetic edit of the schema or a step is no new version: nothing migrates', async () => {
      const name = newName();
      let { runtime, store } = await start(name, v1);
      await runtime.run('add', { text: 'x' });
      await runtime.checkpoint();
      const checkpoint = (await store.latestCheckpoint())!.seq;
      await stop(runtime);
      const reformatted = [{ name: 'todo-priority', sql: '-- priorities\nalter table todos\n  add column priority integer not null default 0;' }];
      const logs: string[] = [];
      ({ runtime, store } = await start(name, { actions: actionsV1, migrations: reformatted }, { schema: `-- the app's tables\n${UPGRADE_SCHEMA.replace(/, /g, ',\n  ')}`, logs }));
      expect(runtime.schemaVersion).toBe(1);
      expect(logs.some((m) => m.includes('migrated'))).toBe(false);
      expect((await store.latestCheckpoint())!.seq).toBe(checkpoint);
      expect(await todos(runtime)).toEqual([{ title: 'x', priority: 0 }]);
    });

    it('refuses a database newer than the code (update_required) and an edited base or step (schema_error)', async () => {
      const name = newName();
      const { runtime } = await start(name, v1);
      await runtime.run('add', { text: 'x' });
      await stop(runtime);
      await expect(start(name, v0)).rejects.toMatchObject({ kind: 'update_required', message: expect.stringContaining('reload') });
      const edited = [{ name: 'todo-priority', sql: 'alter table todos add column priority integer not null default 1' }];
      await expect(start(name, { actions: actionsV1, migrations: edited })).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('Migration 1 ("todo-priority")') });
      await expect(start(name, v1, { schema: `${UPGRADE_SCHEMA}\ncreate table extra (id text primary key);` })).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('new migration step') });
      // With a checkpoint too: the identity then comes from the image.
      const { runtime: again } = await start(name, v1);
      await again.checkpoint();
      await stop(again);
      await expect(start(name, v0)).rejects.toMatchObject({ kind: 'update_required' });
      const { runtime: ok } = await start(name, v1);
      expect(await todos(ok)).toEqual([{ title: 'x', priority: 0 }]);
    });

    it('a failing step is a schema_error naming it and changes nothing; a fixed deploy migrates', async () => {
      const name = newName();
      let { runtime, store } = await start(name, v0);
      await runtime.run('add', { title: 'a' });
      await runtime.checkpoint();
      await runtime.run('add', { title: 'b' });
      const checkpoint = (await store.latestCheckpoint())!.seq;
      await stop(runtime);
      const broken = [{ name: 'broken-step', sql: 'alter table no_such_table add column x integer' }];
      await expect(start(name, { actions: actionsV1, migrations: broken })).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('Migration 1 ("broken-step")') });
      const throwing = [{ name: 'js-step', run: () => Promise.reject(new Error('step says no')) }];
      await expect(start(name, { actions: actionsV1, migrations: throwing })).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('step says no') });
      const check = new DexieJournalStore(name);
      expect((await check.latestCheckpoint())!.seq).toBe(checkpoint);
      expect(await check.count()).toBe(1);
      check.close();
      ({ runtime } = await start(name, v1));
      expect(await todos(runtime)).toEqual([
        { title: 'a', priority: 0 },
        { title: 'b', priority: 0 },
      ]);
    });

    it("the server's rejections join the same durable list, with their args, and reach the tabs", async () => {
      const name = newName();
      const schema = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null, list_id text);';
      const verdict = (id: string) => ({ id, seq: 1, name: 'add', error: { kind: 'forbidden', message: 'not on this list' } });
      let rejectedId = '';
      const fetch: typeof globalThis.fetch = async (input, init) => {
        const body = JSON.parse(String(init?.body)) as { actions?: { id: string }[] };
        if (String(input).endsWith('/push')) {
          rejectedId = body.actions![0]!.id;
          return Response.json({ lastSeq: 1, rejected: [verdict(rejectedId)], version: 1 });
        }
        return Response.json({ version: 1, changes: [], snapshots: [], lastSeq: rejectedId ? 1 : 0, rejected: rejectedId ? [verdict(rejectedId)] : [], more: false });
      };
      const synced = { ...config(name, schema), channels: { todos: 'list_id' }, sync: { url: 'http://127.0.0.1:9/sync', channels: ['l1'] } };
      let runtime = await TandemRuntime.start({ config: synced, store: new DexieJournalStore(name), createEngine, loadActions: async () => v0, emptyImage: async () => emptyImage, fetch, log: () => undefined });
      open.push(runtime);
      const events: WorkerEvent[] = [];
      runtime.addTab('tab1', (m) => events.push(m));
      await runtime.run('add', { title: 'refused' });
      await expect.poll(async () => (await rejections(runtime)).map((r) => r.id), { timeout: 10_000 }).toEqual([`${runtime.clientId}-1`]);
      expect((await rejections(runtime))[0]).toMatchObject({ args: { title: 'refused' }, error: { kind: 'forbidden' } });
      // The tabs are told after the list is kept: a busy machine can show the list first.
      await expect.poll(() => events.some((e) => e.tandem === 'rejected')).toBe(true);
      expect(await runtime.query('select count(*) as n from todos', [])).toEqual([{ n: 0 }]);
      await stop(runtime);
      // Local-only now: the list is still there until acknowledged.
      runtime = (await start(name, v0, { schema })).runtime;
      expect((await rejections(runtime)).map((r) => r.id)).toEqual([rejectedId]);
    });

    it('retire: finishes queued writes, checkpoints, tells the tabs, then refuses every call with update_required', async () => {
      const name = newName();
      let { runtime } = await start(name, v1);
      const events: WorkerEvent[] = [];
      runtime.addTab('tab1', (m) => events.push(m));
      await runtime.subscribe('tab1', 'select title from todos', []);
      const queued = runtime.run('add', { text: 'queued' });
      const retired = runtime.retire({ version: 'next-version', schemaVersion: 2 });
      await expect(runtime.run('add', { text: 'too late' })).rejects.toMatchObject({ kind: 'update_required', message: expect.stringContaining('Nothing was written') });
      await expect(queued).resolves.toEqual(expect.any(String));
      await retired;
      expect(events.at(-1)).toEqual({ tandem: 'update', version: 'next-version', schemaVersion: 2 });
      for (const call of [(): Promise<unknown> => runtime.query('select 1', []), () => runtime.status(), () => runtime.subscribe('tab1', 'select 1', []), () => runtime.acknowledgeRejections([])]) {
        await expect(Promise.resolve().then(call)).rejects.toMatchObject({ kind: 'update_required' });
      }
      open.splice(open.indexOf(runtime), 1);
      const check = new DexieJournalStore(name);
      expect(await check.count()).toBe(0);
      expect((await check.latestCheckpoint())!.seq).toBeGreaterThan(0);
      check.close();
      ({ runtime } = await start(name, v1));
      expect((await todos(runtime)).map((r) => r.title)).toEqual(['queued']);
    });
  });
}

/** Rewrites the journal as code from before versioning wrote it: records without `v`. */
async function stripRecordVersions(name: string): Promise<void> {
  const request = indexedDB.open(`tandem:${name}`);
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('journal', 'readwrite');
    const journal = tx.objectStore('journal');
    const cursor = journal.openCursor();
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c) return;
      const { v: _v, ...record } = c.value.record;
      c.update({ ...c.value, record });
      c.continue();
    };
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}
