import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyRowDiff, SYNC_LIMITS } from '@tandem/core';
import type { EngineName, LiveBatch, Row, RowDiff } from '@tandem/core';
import type { CreateEngine } from '../engine/engine.ts';
import { DexieJournalStore } from '../store/dexie-journal-store.ts';
import { refuseBlobsInIndexedDB } from '../test-support/blob-fault.ts';
import { failCommitsWithQuota } from '../test-support/quota-fault.ts';
import { TODO_SCHEMA, todoActions } from '../test-support/todo-fixture.ts';
import { TandemRuntime } from './tandem-runtime.ts';

/**
 * The runtime's behaviour on one engine, with the real journal (IndexedDB, so it runs in the
 * browser project): actions, capture, rollback, group commit, journal replay after a restart and
 * after a crash, checkpoints, live-query invalidation and diffs. Each engine's test file calls it
 * with its factory; rebase has its own suite (`actions/rebase.conformance.ts`).
 */
export function runRuntimeConformance(engineName: EngineName, createEngine: CreateEngine): void {
  describe(`TandemRuntime conformance: ${engineName} + IndexedDB`, () => {
    const open: TandemRuntime[] = [];
    // An empty image, as the shipped bundle provides PGlite's: skips initdb per start.
    let emptyImage: Blob;
    beforeAll(async () => {
      const engine = await createEngine({});
      emptyImage = await engine.snapshot();
      await engine.close();
    }, 120_000);
    afterEach(async () => {
      for (const r of open.splice(0)) await r.close();
    });

    async function start(name: string, schema = TODO_SCHEMA, checkpointEvery = 10_000, store = new DexieJournalStore(name)) {
      const runtime = await TandemRuntime.start({
        config: { name, schema, actionsUrl: 'https://app.test/actions.js', checkpointEvery, engine: engineName },
        store,
        createEngine,
        loadActions: async () => todoActions,
        emptyImage: async () => emptyImage,
        checkpointIdleMs: 60_000,
      });
      open.push(runtime);
      return { runtime, store };
    }

    async function restart(runtime: TandemRuntime, name: string, schema?: string) {
      await runtime.close();
      open.splice(open.indexOf(runtime), 1);
      return start(name, schema);
    }

    const newName = () => `rt-${crypto.randomUUID()}`;

    it('runs an action durably and returns its result', async () => {
      const name = newName();
      const { runtime, store } = await start(name);
      const id = await runtime.run('add', { title: '  milk ' });
      expect(id).toBe(`${runtime.clientId}-1.0`);
      expect(await runtime.query('select id, title, done from todos', [])).toEqual([{ id, title: 'milk', done: false }]);
      const journal = await store.readAfter(0);
      expect(journal.map((e) => e.record)).toMatchObject([{ kind: 'action', name: 'add', args: { title: 'milk' } }]);
      expect((await runtime.status()).pendingActions).toBe(1);
    });

    it('fetches the empty image on a first start only, once, not when a checkpoint exists', async () => {
      const name = newName();
      let fetched = 0;
      const counted = async () => {
        fetched++;
        return emptyImage;
      };
      const config = { name, schema: TODO_SCHEMA, actionsUrl: 'https://app.test/actions.js', engine: engineName };
      const first = await TandemRuntime.start({ config, store: new DexieJournalStore(name), createEngine, loadActions: async () => todoActions, emptyImage: counted, checkpointIdleMs: 60_000 });
      open.push(first);
      expect(fetched).toBe(1);
      await first.run('add', { title: 'kept' });
      await first.checkpoint();
      await first.close();
      open.splice(open.indexOf(first), 1);
      const again = await TandemRuntime.start({ config, store: new DexieJournalStore(name), createEngine, loadActions: async () => todoActions, emptyImage: counted, checkpointIdleMs: 60_000 });
      open.push(again);
      expect(await again.query('select title from todos', [])).toEqual([{ title: 'kept' }]);
      expect(fetched).toBe(1);
    });

    it('refuses bad args with invalid_args and writes nothing', async () => {
      const { runtime, store } = await start(newName());
      await expect(runtime.run('add', { title: '' })).rejects.toMatchObject({ kind: 'invalid_args', details: { issues: [{ path: 'title' }] } });
      await expect(runtime.run('add', { title: 42 })).rejects.toMatchObject({ kind: 'invalid_args' });
      await expect(runtime.run('nope', {})).rejects.toMatchObject({ kind: 'unknown_action' });
      expect(await runtime.query('select count(*) as n from todos', [])).toEqual([{ n: 0 }]);
      expect(await store.count()).toBe(0);
    });

    it('refuses args over the size a push can carry with too_large at the call, and writes nothing', async () => {
      const { runtime, store } = await start(newName());
      // Multi-byte text: the limit is in UTF-8 bytes (what the server's body limit counts), not characters.
      const id = 'é'.repeat(SYNC_LIMITS.actionArgs / 2);
      await expect(runtime.run('toggle', { id, done: true })).rejects.toMatchObject({ kind: 'too_large', details: { action: 'toggle', limit: SYNC_LIMITS.actionArgs } });
      expect(await runtime.query('select count(*) as n from todos', [])).toEqual([{ n: 0 }]);
      expect(await store.count()).toBe(0);
      expect((await runtime.status()).pendingActions).toBe(0);
      // Just under the limit still runs.
      await runtime.run('setPref', { key: 'k', value: 'a'.repeat(SYNC_LIMITS.actionArgs - 100) });
      expect((await runtime.status()).pendingActions).toBe(1);
    });

    it('rolls back a throwing action alone, voids it in the journal, and commits its batch-mates', async () => {
      const { runtime, store } = await start(newName());
      const results = await Promise.allSettled([runtime.run('add', { title: 'a' }), runtime.run('boom', {}), runtime.run('add', { title: 'b' })]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ kind: 'action_failed', message: expect.stringContaining('business rule says no') });
      expect((await runtime.query('select title from todos order by title', [])).map((r) => r.title)).toEqual(['a', 'b']);
      // Appended while it ran, then voided before the batch committed: replay never runs it.
      const records = (await store.readAfter(0)).map((e) => e.record);
      const voided = records.flatMap((r) => (r.kind === 'void' ? r.ids : []));
      expect(voided).toHaveLength(1);
      expect(records.filter((r) => r.kind === 'action' && !voided.includes(r.id)).map((r) => (r.kind === 'action' ? r.name : ''))).toEqual(['add', 'add']);
      const patches = await runtime.query('select action_id from tandem_patches', []);
      expect(patches).toHaveLength(2);
    });

    it('commits concurrent actions in shared batches (group commit)', async () => {
      const { runtime, store } = await start(newName());
      await Promise.all(Array.from({ length: 60 }, (_, i) => runtime.run('add', { title: `t${i}` })));
      const { batchesCommitted, actionsRun } = runtime.debug();
      expect(actionsRun).toBe(60);
      expect(batchesCommitted).toBeLessThan(60);
      expect(await store.count()).toBe(60);
    });

    it('refuses writes to synced tables outside an action', async () => {
      const { runtime } = await start(newName());
      await expect(runtime.query("insert into todos (id, title, created_at) values ('x', 'y', 1)", [])).rejects.toMatchObject({
        kind: 'query_failed',
        message: expect.stringContaining('write through an action'),
      });
      expect(await runtime.query('select count(*) as n from todos', [])).toEqual([{ n: 0 }]);
    });

    it('refuses every write through query and live queries, whatever the table, and changes nothing', async () => {
      const { runtime, store } = await start(newName());
      await runtime.run('add', { title: 'keep' });
      await runtime.run('setPref', { key: 'theme', value: 'dark' });
      const snapshot = async () => ({
        todos: await runtime.query('select * from todos order by id', []),
        prefs: await runtime.query('select * from prefs order by key', []),
        pending: await runtime.query('select * from tandem_pending order by seq', []),
        meta: await runtime.query('select * from tandem_meta order by key', []),
        patches: await runtime.query('select * from tandem_patches order by seq', []),
      });
      const before = await snapshot();
      const writes = [
        "update prefs set value = 'light'",
        "insert into prefs (key, value) values ('forged', 'x')",
        'delete from tandem_pending',
        "update tandem_meta set value = '999' where key = 'client_seq'",
        'drop table prefs',
        'create table sneaky (id text primary key)',
        "select 1; delete from prefs",
        engineName === 'pglite' ? "commit; delete from prefs" : "attach ':memory:' as sneaky",
        engineName === 'pglite' ? "select set_config('tandem.action_id', 'forged', false)" : 'pragma foreign_keys = off',
      ];
      for (const sql of writes) {
        const refused = { kind: 'query_failed', message: expect.stringContaining('only read') };
        // set_config is a query: PostgreSQL runs it, then the read's rollback undoes it.
        if (!sql.startsWith('select set_config')) {
          await expect(runtime.query(sql, [])).rejects.toMatchObject(refused);
          await expect(runtime.subscribe('tab1', sql, [])).rejects.toMatchObject({ kind: 'query_failed' });
        } else await runtime.query(sql, []);
      }
      expect(await snapshot()).toEqual(before);
      expect(await store.count()).toBe(2);
      // Actions still write, captured under their own ids.
      const id = await runtime.run('add', { title: 'after' });
      const patches = await runtime.query('select action_id from tandem_patches order by seq', []);
      expect(patches.at(-1)).toEqual({ action_id: String(id).replace(/\.\d+$/, '') });
    });

    it('updates a live query on a local-only table (no capture) when an action writes it', async () => {
      const { runtime } = await start(newName());
      const batches: LiveBatch[] = [];
      runtime.addTab('tab1', (m) => {
        if (m.tandem === 'live') batches.push(m.batch);
      });
      const prefs = await runtime.subscribe('tab1', 'select key, value from prefs order by key', []);
      const todos = await runtime.subscribe('tab1', 'select id from todos', []);
      expect(prefs.rows).toEqual([]);
      await runtime.run('setPref', { key: 'theme', value: 'dark' });
      expect(batches.flatMap((b) => b.updates.map((u) => u.subId))).toEqual([prefs.subId]);
      await runtime.run('setPref', { key: 'theme', value: 'light' });
      expect(batches).toHaveLength(2);
      // A failed action's write is rolled back: nothing to show (a re-run may happen, no diff).
      await expect(runtime.run('boom', {})).rejects.toMatchObject({ kind: 'action_failed' });
      expect(batches).toHaveLength(2);
      expect(runtime.debug().liveEvaluations['select id from todos']).toBe(1);
      expect(todos.rows).toEqual([]);
    });

    it('restores every acknowledged action after a restart by replaying the journal', async () => {
      const name = newName();
      let { runtime } = await start(name);
      const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => runtime.run('add', { title: `t${i}` })));
      await runtime.run('toggle', { id: ids[3] as string, done: true });
      const before = await runtime.query('select * from todos order by id', []);
      ({ runtime } = await restart(runtime, name));
      expect(await runtime.query('select * from todos order by id', [])).toEqual(before);
      // The client sequence continues: new ids never collide with replayed ones.
      const next = await runtime.run('add', { title: 'after restart' });
      expect(ids).not.toContain(next);
      expect((await runtime.status()).pendingActions).toBe(27);
    });

    it('starts from a checkpoint plus the journal after it, and trims the journal', async () => {
      const name = newName();
      let { runtime, store } = await start(name);
      for (let i = 0; i < 5; i++) await runtime.run('add', { title: `before ${i}` });
      await runtime.checkpoint();
      expect(await store.count()).toBe(0);
      const cp = await store.latestCheckpoint();
      expect(cp?.image.size).toBeGreaterThan(0);
      await runtime.run('add', { title: 'after checkpoint' });
      const before = await runtime.query('select * from todos order by id', []);
      ({ runtime, store } = await restart(runtime, name));
      expect(await runtime.query('select * from todos order by id', [])).toEqual(before);
      expect((await runtime.status()).lastCheckpointSeq).toBe(cp!.seq);
      // Capture still works after restoring an image.
      await runtime.run('add', { title: 'post-restore' });
      expect((await runtime.query('select count(*) as n from tandem_patches', []))[0]!.n).toBe(7);
    });

    it('refuses to open stored data with a different schema', async () => {
      const name = newName();
      const { runtime } = await start(name);
      await runtime.run('add', { title: 'x' });
      await expect(restart(runtime, name, `${TODO_SCHEMA}\ncreate table extra (id text primary key);`)).rejects.toMatchObject({ kind: 'schema_error' });
    });

    it('re-runs only affected live queries and sends one batch per tab per commit', async () => {
      const { runtime } = await start(newName());
      const batches: LiveBatch[] = [];
      runtime.addTab('tab1', (m) => {
        if (m.tandem === 'live') batches.push(m.batch);
      });
      const todos = await runtime.subscribe('tab1', 'select id, title, done from todos order by id', []);
      const count = await runtime.subscribe('tab1', 'select count(*) as n from todos', []);
      const tags = await runtime.subscribe('tab1', 'select id, name from tags order by id', []);
      expect(todos.rows).toEqual([]);
      await runtime.run('add', { title: 'live' }, 'tab1-1');
      expect(batches).toHaveLength(1);
      const subIds = batches[0]!.updates.map((u) => u.subId).sort();
      expect(subIds).toEqual([todos.subId, count.subId].sort());
      const evals = runtime.debug().liveEvaluations;
      expect(evals['select id, name from tags order by id']).toBe(1);
      expect(evals['select id, title, done from todos order by id']).toBe(2);
      expect(tags.rows).toEqual([]);
      // Freed when the tab goes away.
      expect(await runtime.dropTab('tab1')).toBe(3);
      expect((await runtime.status()).subscriptions).toBe(0);
    });

    it('re-runs only the live queries whose WHERE a written row (old or new) may meet', async () => {
      const { runtime } = await start(newName());
      const batches: { tab: string; batch: LiveBatch }[] = [];
      const sink = (tab: string) => (m: { tandem: string; batch?: LiveBatch }) => {
        if (m.tandem === 'live') batches.push({ tab, batch: m.batch! });
      };
      runtime.addTab('tab1', sink('tab1'));
      runtime.addTab('tab2', sink('tab2'));
      const SQL = 'select id, todo_id, name from tags where todo_id = $1 order by id';
      const subs: { subId: string }[] = [];
      for (let i = 0; i < 100; i++) subs.push(await runtime.subscribe('tab2', SQL, [`t${i}`]));
      const all = await runtime.subscribe('tab2', 'select count(*) as n from tags', []);
      const mine = await runtime.subscribe('tab1', 'select name from tags where todo_id = $1 and name in ($2, $3)', ['t7', 'a', 'b']);
      const evals = () => runtime.debug().liveEvaluations;
      expect(evals()[SQL]).toBe(100);

      // A new row for t7: the t7 query, the unfiltered count and tab1's query re-run; the other 99 do not.
      await runtime.run('tag', { todoId: 't7', name: 'a' }, 'tab1-1');
      // The writing tab has its diff when its action resolves.
      expect(batches.filter((b) => b.tab === 'tab1').map((b) => b.batch.updates.map((u) => u.subId))).toEqual([[mine.subId]]);
      await runtime.query('select 1 as x', []); // after the pass: other tabs' queries re-run after the action resolved
      expect(evals()[SQL]).toBe(101);
      expect(evals()['select count(*) as n from tags']).toBe(2);
      const tab2 = batches.filter((b) => b.tab === 'tab2');
      expect(tab2).toHaveLength(1);
      expect(tab2[0]!.batch.updates.map((u) => u.subId).sort()).toEqual([subs[7]!.subId, all.subId].sort());

      // A row moving out of t7 into t8: its old row re-runs t7's query, its new row t8's.
      const [tag] = await runtime.query('select id from tags', []);
      batches.length = 0;
      await runtime.run('retag', { id: tag!.id as string, todoId: 't8' });
      await runtime.query('select 1 as x', []);
      expect(evals()[SQL]).toBe(103);
      const updates = batches.flatMap((b) => b.batch.updates);
      const t7 = updates.find((u) => u.subId === subs[7]!.subId)!;
      const t8 = updates.find((u) => u.subId === subs[8]!.subId)!;
      expect(t7.diff).toMatchObject([{ op: 'delete' }]);
      expect(t8.diff).toMatchObject([{ op: 'insert', row: { todo_id: 't8', name: 'a' } }]);
      // tab1's query (t7, name in a/b) lost the row too.
      expect(updates.find((u) => u.subId === mine.subId)?.diff).toMatchObject([{ op: 'delete' }]);

      // A write to another table runs none of them.
      await runtime.run('add', { title: 'x' });
      await runtime.query('select 1 as x', []);
      expect(evals()[SQL]).toBe(103);
    });

    it('keeps table level for what it cannot judge: tables without capture, unanalysed shapes', async () => {
      const { runtime } = await start(newName());
      runtime.addTab('tab1', () => {});
      const PREF = 'select value from prefs where key = $1';
      await runtime.subscribe('tab1', PREF, ['a']);
      await runtime.subscribe('tab1', PREF, ['b']);
      const OR = 'select id from tags where todo_id = $1 or todo_id = $2';
      await runtime.subscribe('tab1', OR, ['x', 'y']);
      const CAST = "select id from tags where todo_id = '1' and name = $1";
      await runtime.subscribe('tab1', CAST, [7]);
      // prefs has no capture (no patches): both re-run, whichever key was written.
      await runtime.run('setPref', { key: 'a', value: '1' });
      // A tag for todo 1 named '7': text columns compared with 7 as '7' (both engines); must re-run.
      await runtime.run('tag', { todoId: '1', name: '7' });
      await runtime.query('select 1 as x', []);
      const evals = runtime.debug().liveEvaluations;
      expect(evals[PREF]).toBe(4);
      expect(evals[OR]).toBe(2);
      expect(evals[CAST]).toBe(2);
      expect(await runtime.query(CAST, [7])).toHaveLength(1);
    });


    it('replays the journal after a crash: nothing acknowledged is lost', async () => {
      const name = newName();
      const { runtime: crashed } = await start(name);
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => crashed.run('add', { title: `c${i}` })));
      await crashed.run('toggle', { id: ids[7] as string, done: true });
      const before = await crashed.query('select * from todos order by id', []);
      // No close(): the engine's memory is simply gone, as when the browser process is killed.
      const { runtime } = await start(name);
      expect(await runtime.query('select * from todos order by id', [])).toEqual(before);
      expect((await runtime.query('select done from todos where id = $1', [ids[7]]))[0]).toEqual({ done: true });
      expect((await runtime.status()).pendingActions).toBe(31);
    });

    it('runs an action once per call id: a retry, concurrent or after a crash or a checkpoint, gets the first result', async () => {
      const name = newName();
      const { runtime: crashed } = await start(name);
      const count = async (r: TandemRuntime) => Number((await r.query('select count(*) as n from todos', []))[0]!.n);
      // Concurrent duplicates (a retry racing the original) share one run.
      const [first, again] = await Promise.all([crashed.run('add', { title: 'once' }, 'tab-1'), crashed.run('add', { title: 'once' }, 'tab-1')]);
      expect(again).toBe(first);
      expect(await crashed.run('add', { title: 'once' }, 'tab-1')).toBe(first);
      expect(await count(crashed)).toBe(1);
      // Checkpointed: the image remembers it, though the journal record naming it is gone.
      await crashed.checkpoint();
      const second = await crashed.run('add', { title: 'journal only' }, 'tab-2');
      // A crash (no close), as when the worker is killed: replay remembers tab-2, the image tab-1.
      let { runtime } = await start(name);
      expect(await runtime.run('add', { title: 'once' }, 'tab-1')).toBe(first);
      expect(await runtime.run('add', { title: 'journal only' }, 'tab-2')).toBe(second);
      expect(await count(runtime)).toBe(2);
      // A new call id is a new action, and a call without one always runs.
      await runtime.run('add', { title: 'new' }, 'tab-3');
      await runtime.run('add', { title: 'anonymous' });
      await runtime.run('add', { title: 'anonymous' });
      expect(await count(runtime)).toBe(5);
      ({ runtime } = await restart(runtime, name));
      expect(await runtime.run('add', { title: 'new' }, 'tab-3')).toBeTypeOf('string');
      expect(await count(runtime)).toBe(5);
    });

    it('sends live diffs of the changed rows only, as plain JSON values', async () => {
      const { runtime } = await start(newName());
      const batches: LiveBatch[] = [];
      runtime.addTab('tab1', (m) => {
        if (m.tandem === 'live') batches.push(m.batch);
      });
      const a = (await runtime.run('add', { title: 'a' })) as string;
      await runtime.run('add', { title: 'b' });
      const sub = await runtime.subscribe('tab1', 'select id, title, done from todos order by title', []);
      expect(sub.rows).toEqual([
        { id: a, title: 'a', done: false },
        { id: expect.any(String), title: 'b', done: false },
      ]);
      await runtime.run('toggle', { id: a, done: true });
      expect(batches.at(-1)!.updates).toEqual([{ subId: sub.subId, diff: [{ op: 'update', index: 0, row: { id: a, title: 'a', done: true } }] }]);
      await runtime.run('add', { title: 'c' });
      expect(batches.at(-1)!.updates[0]!.diff).toEqual([{ op: 'insert', index: 2, row: { id: expect.any(String), title: 'c', done: false } }]);
    });

    it('keeps a plain filter (select * … where, no order) equal to the query as rows enter, change and leave it', async () => {
      const { runtime } = await start(newName());
      const diffs = new Map<string, RowDiff[]>();
      runtime.addTab('tab1', (m) => {
        if (m.tandem !== 'live') return;
        for (const u of m.batch.updates) diffs.set(u.subId, [...(diffs.get(u.subId) ?? []), u.diff]);
      });
      // Both parameter styles SQLite takes (the rows read back are bound after the query's own).
      const OPEN = engineName === 'sqlite' ? 'select * from todos where done = ?' : 'select * from todos where done = $1';
      const TAGS = 'select * from tags t where t.todo_id = $1 and name in ($2, $3)';
      const subs = [
        { sql: OPEN, params: [false] },
        { sql: OPEN, params: [true] },
        { sql: TAGS, params: ['t1', 'a', 'b'] },
        { sql: TAGS, params: ['t2', 'a', 'b'] },
      ];
      const live = await Promise.all(subs.map(async (q) => ({ ...q, ...(await runtime.subscribe('tab1', q.sql, q.params)) })));
      const byId = (rows: readonly Row[]) => [...rows].sort((x, y) => String(x.id).localeCompare(String(y.id)));
      const check = async (step: string) => {
        for (const q of live) {
          const rows = (diffs.get(q.subId) ?? []).reduce<Row[]>((r, d) => applyRowDiff(r, d), q.rows);
          // The same rows with the same values as the query (its order is unspecified without ORDER BY).
          expect(byId(rows), `${step}: ${q.sql} ${JSON.stringify(q.params)}`).toEqual(byId(await runtime.query(q.sql, q.params)));
        }
      };
      const [a, b, c] = [(await runtime.run('add', { title: 'a' })) as string, (await runtime.run('add', { title: 'b' })) as string, (await runtime.run('add', { title: 'c' })) as string];
      await check('three added');
      await runtime.run('toggle', { id: b, done: true });
      await check('b done');
      expect(diffs.get(live[0]!.subId)!.at(-1)).toEqual([{ op: 'delete', index: 1 }]);
      expect(diffs.get(live[1]!.subId)!.at(-1)).toEqual([{ op: 'insert', index: 0, row: { id: b, title: 'b', done: true, created_at: expect.anything() } }]);
      await Promise.all([runtime.run('toggle', { id: b, done: false }), runtime.run('toggle', { id: a, done: true }), runtime.run('toggle', { id: c, done: false })]);
      await check('b back, a done, c unchanged');
      await runtime.run('tag', { todoId: 't1', name: 'a' });
      await runtime.run('tag', { todoId: 't1', name: 'z' });
      await runtime.run('tag', { todoId: 't2', name: 'b' });
      await check('tags added');
      for (const { id } of await runtime.query('select id from tags', [])) await runtime.run('retag', { id: id as string, todoId: 't2' });
      await check('tags moved to t2');
    });

    it('sends a failing re-evaluation to the subscribed tab as an error, then diffs again once the query works', async () => {
      const { runtime } = await start(newName());
      const batches: LiveBatch[] = [];
      runtime.addTab('tab1', (m) => {
        if (m.tandem === 'live') batches.push(m.batch);
      });
      // Fails only while an open todo's title is not a number: each engine's own way to fail on data.
      const sql =
        engineName === 'sqlite'
          ? "select json_extract(title, '$') as n from todos where done = false"
          : 'select cast(title as integer) as n from todos where done = false';
      const seven = (await runtime.run('add', { title: '7' })) as string;
      const sub = await runtime.subscribe('tab1', sql, []);
      expect(sub.rows).toEqual([{ n: 7 }]);
      const milk = (await runtime.run('add', { title: 'milk' })) as string;
      expect(batches).toEqual([{ updates: [], errors: [{ subId: sub.subId, error: { kind: 'query_failed', message: expect.stringContaining('Live query failed'), details: { sql } } }] }]);
      // Still failing: reported again, and the tab keeps its last rows ([{ n: 7 }]).
      await runtime.run('toggle', { id: seven, done: true });
      expect(batches).toHaveLength(2);
      expect(batches[1]!.errors).toHaveLength(1);
      // Working again: the diff starts from the last rows it sent.
      await runtime.run('toggle', { id: milk, done: true });
      expect(batches[2]).toEqual({ updates: [{ subId: sub.subId, diff: [{ op: 'delete', index: 0 }] }] });
    });

    describe('journaling the server\'s changes', () => {
      // A synced todo list; `fetch` stands in for the server (HTTP only: the socket's port is closed).
      const SYNCED_SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null, list_id text);';
      const serverRow = { id: 'srv-a', title: 'from the server', done: false, created_at: 1, list_id: 'l1' };
      const pullOnce = (): typeof fetch => {
        let pulls = 0;
        return async (input) => {
          const url = String(input);
          if (url.endsWith('/pull')) {
            // One answer, then the server goes quiet: the sync loop waits on it and journals nothing more.
            if (pulls++ > 0) return new Promise<Response>(() => undefined);
            const change = { version: 1, actionId: 'srv-1', channel: 'l1', table: 'todos', rowId: 'srv-a', op: 'insert', row: serverRow };
            return Response.json({ version: 1, changes: [change], snapshots: [], lastSeq: 0, rejected: [], more: false });
          }
          // Pushes fail: the local writes below stay pending, which is all these tests need.
          return Response.json({ kind: 'internal', message: 'not in this test' }, { status: 503 });
        };
      };
      /** As pullOnce, with the row in a snapshot of l1 (a new client's first pull: its record is journaled after its task). */
      const snapshotOnce = (): typeof fetch => {
        let pulls = 0;
        return async (input) => {
          if (!String(input).endsWith('/pull')) return Response.json({ kind: 'internal', message: 'not in this test' }, { status: 503 });
          if (pulls++ > 0) return new Promise<Response>(() => undefined);
          return Response.json({ version: 1, changes: [], snapshots: [{ channel: 'l1', tables: { todos: [serverRow] } }], lastSeq: 0, rejected: [], more: false });
        };
      };
      /** Journal appends of sync records fail `failSync` times; checkpoints fail `failCheckpoints` times. */
      class FlakyStore extends DexieJournalStore {
        failSync = 1;
        failCheckpoints = 0;
        /** While set, sync records are stored only once it resolves. */
        syncGate: Promise<void> | null = null;
        override append(records: Parameters<DexieJournalStore['append']>[0]) {
          if (records[0]?.kind === 'sync' && this.failSync-- > 0) return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
          if (records[0]?.kind === 'sync' && this.syncGate) return this.syncGate.then(() => super.append(records));
          return super.append(records);
        }
        override putCheckpoint(checkpoint: Parameters<DexieJournalStore['putCheckpoint']>[0]) {
          if (this.failCheckpoints-- > 0) return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
          return super.putCheckpoint(checkpoint);
        }
      }
      async function startSynced(name: string, store: DexieJournalStore, sync: boolean, server: typeof fetch = pullOnce(), engines: CreateEngine = createEngine) {
        const runtime = await TandemRuntime.start({
          config: {
            name,
            schema: SYNCED_SCHEMA,
            actionsUrl: 'https://app.test/actions.js',
            engine: engineName,
            channels: { todos: 'list_id' },
            ...(sync ? { sync: { url: 'http://127.0.0.1:9/sync', channels: ['l1'] } } : {}),
          },
          store,
          createEngine: engines,
          loadActions: async () => todoActions,
          emptyImage: async () => emptyImage,
          checkpointIdleMs: 60_000,
          fetch: server,
          log: () => undefined,
        });
        open.push(runtime);
        return runtime;
      }
      const titles = async (runtime: TandemRuntime) => (await runtime.query('select title from todos order by title', [])).map((r) => r.title as string);

      it('lists pending actions and discards one: rolled back, listed as discarded, never pushed, still gone after a restart', async () => {
        const name = newName();
        const pushed: string[][] = [];
        let recording = false;
        const server: typeof fetch = async (input, init) => {
          if (String(input).endsWith('/pull')) return Response.json({ version: 0, changes: [], snapshots: [], lastSeq: 0, rejected: [], more: false });
          if (recording) pushed.push((JSON.parse(String(init?.body)) as { actions: { id: string }[] }).actions.map((a) => a.id));
          return Response.json({ kind: 'internal', message: 'down for this test' }, { status: 503 });
        };
        const runtime = await startSynced(name, new DexieJournalStore(name), true, server);
        for (const title of ['a', 'b', 'c']) await runtime.run('add', { title });
        const listed = await runtime.pendingActions();
        expect(listed.map((p) => [p.name, p.args])).toEqual([['add', { title: 'a' }], ['add', { title: 'b' }], ['add', { title: 'c' }]]);
        const [a, b, c] = listed.map((p) => p.id);

        await runtime.discard(b!);
        expect(await titles(runtime)).toEqual(['a', 'c']);
        expect((await runtime.pendingActions()).map((p) => p.id)).toEqual([a, c]);
        const status = await runtime.status();
        expect(status.pendingActions).toBe(2);
        expect(status.sync.rejections).toMatchObject([{ id: b, name: 'add', args: { title: 'b' }, error: { kind: 'discarded' } }]);
        await expect(runtime.discard(b!)).rejects.toMatchObject({ kind: 'invalid_request' });

        recording = true;
        await runtime.syncNow().catch(() => undefined);
        expect(pushed.length).toBeGreaterThan(0);
        for (const ids of pushed) expect(ids).toEqual([a, c]);

        const again = await startSynced(name, new DexieJournalStore(name), false);
        expect(await titles(again)).toEqual(['a', 'c']);
        expect((await again.pendingActions()).map((p) => p.id)).toEqual([a, c]);
        expect((await again.status()).sync.rejections).toMatchObject([{ id: b, error: { kind: 'discarded' } }]);
      }, 30_000);

      it('an action the server will never take (over its body limit) is rolled back and rejected; the ones behind it reach the server', async () => {
        const name = newName();
        const received: string[] = [];
        let blocked = '';
        // The server's body limit, as it answers it: 413 for any push carrying the big title.
        const server: typeof fetch = async (input, init) => {
          if (String(input).endsWith('/pull')) return Response.json({ version: 0, changes: [], snapshots: [], lastSeq: 0, rejected: [], more: false });
          const body = JSON.parse(String(init?.body)) as { actions: { id: string; seq: number; args: { title: string } }[] };
          if (body.actions.some((a) => a.args.title.length > 100)) {
            blocked = body.actions.find((a) => a.args.title.length > 100)!.id;
            return Response.json({ kind: 'too_large', message: 'The request body is over the limit.' }, { status: 413 });
          }
          received.push(...body.actions.map((a) => a.id));
          // Accepted, not yet confirmed (no pull answers them): they stay pending here, which is fine.
          return Response.json({ lastSeq: body.actions.at(-1)!.seq, rejected: [], version: 0 });
        };
        const runtime = await startSynced(name, new DexieJournalStore(name), true, server);
        for (const title of ['a', 'b'.repeat(150), 'c']) await runtime.run('add', { title });
        // A cycle that starts now pushes all three (earlier ones may have pushed some already).
        await runtime.syncNow();
        expect(blocked).not.toBe('');
        expect(received).toHaveLength(2);
        expect(received).not.toContain(blocked);
        expect(await titles(runtime)).toEqual(['a', 'c']);
        expect((await runtime.pendingActions()).map((p) => p.id)).toEqual(received);
        const status = await runtime.status();
        expect(status.sync.rejections).toMatchObject([{ id: blocked, name: 'add', error: { kind: 'too_large' } }]);
        expect(status.sync.lastError).toBeNull();

        const again = await startSynced(name, new DexieJournalStore(name), false);
        expect(await titles(again)).toEqual(['a', 'c']);
        expect((await again.status()).sync.rejections).toMatchObject([{ id: blocked, error: { kind: 'too_large' } }]);
      }, 30_000);

      it('a new database sends its first pull before its engine starts, as the client it then records, and applies that answer', async () => {
        const name = newName();
        const events: string[] = [];
        const pulls: unknown[] = [];
        /** pullOnce (a second pull never gets an answer), recording each pull and when engines start. */
        const recording = (server: typeof fetch): typeof fetch => async (input, init) => {
          if (String(input).endsWith('/pull')) {
            events.push('pull');
            pulls.push(JSON.parse(String(init?.body)));
          }
          return server(input, init);
        };
        const engines: CreateEngine = async (o) => {
          events.push('engine');
          return createEngine(o);
        };
        const runtime = await startSynced(name, new DexieJournalStore(name), true, recording(pullOnce()), engines);
        // Only the early pull is ever answered: the rows arrive only if the loop took its answer.
        await expect.poll(() => titles(runtime), { timeout: 10_000 }).toEqual(['from the server']);
        expect(events.slice(0, 2)).toEqual(['pull', 'engine']);
        expect(pulls[0]).toEqual({ clientId: runtime.clientId, channels: [{ channel: 'l1', cursor: 0 }], schemaVersion: 0 });
        await runtime.close();
        open.splice(open.indexOf(runtime), 1);

        // A database that exists pulls from its cursors, once its engine runs.
        events.length = 0;
        pulls.length = 0;
        await startSynced(name, new DexieJournalStore(name), true, recording(pullOnce()), engines);
        await expect.poll(() => events.length, { timeout: 10_000 }).toBeGreaterThan(1);
        expect(events.slice(0, 2)).toEqual(['engine', 'pull']);
        expect(pulls[0]).toMatchObject({ clientId: runtime.clientId });
      });

      it('journals pulled changes: they are still there after a crash, with the local writes after them', async () => {
        const name = newName();
        const store = new FlakyStore(name);
        store.failSync = 0;
        const runtime = await startSynced(name, store, true);
        await expect.poll(() => titles(runtime), { timeout: 10_000 }).toEqual(['from the server']);
        await runtime.run('add', { title: 'local' });
        expect((await store.readAfter(0)).map((e) => e.record.kind)).toEqual(['sync', 'action']);
        // No close(): a crash. The restart has no sync, so only the journal can bring the row back.
        const again = await startSynced(name, new DexieJournalStore(name), false);
        expect(await titles(again)).toEqual(['from the server', 'local']);
      });

      it('when that append fails, a checkpoint holds the pulled changes instead and local writes go on', async () => {
        const name = newName();
        const store = new FlakyStore(name);
        const runtime = await startSynced(name, store, true);
        await expect.poll(() => titles(runtime), { timeout: 10_000 }).toEqual(['from the server']);
        expect(runtime.debug().checkpoints).toBe(1);
        await runtime.run('add', { title: 'local' });
        expect((await store.readAfter(0)).map((e) => e.record.kind)).toEqual(['action']);
        const again = await startSynced(name, new DexieJournalStore(name), false);
        expect(await titles(again)).toEqual(['from the server', 'local']);
      });

      it('journals a snapshot pull after its task, still before the local writes that follow it', async () => {
        const name = newName();
        const store = new FlakyStore(name);
        store.failSync = 0;
        let release = () => {};
        store.syncGate = new Promise<void>((resolve) => (release = resolve));
        const runtime = await startSynced(name, store, true, snapshotOnce());
        // Visible while its record is still being stored (the server holds these rows).
        await expect.poll(() => titles(runtime), { timeout: 10_000 }).toEqual(['from the server']);
        const local = runtime.run('add', { title: 'local' });
        release();
        await local;
        expect((await store.readAfter(0)).map((e) => e.record.kind)).toEqual(['sync', 'action']);
        const again = await startSynced(name, new DexieJournalStore(name), false);
        expect(await titles(again)).toEqual(['from the server', 'local']);
      });

      it('when a snapshot pull’s append fails after its task, a checkpoint holds its rows before the next local write', async () => {
        const name = newName();
        const store = new FlakyStore(name);
        const runtime = await startSynced(name, store, true, snapshotOnce());
        await expect.poll(() => titles(runtime), { timeout: 10_000 }).toEqual(['from the server']);
        await runtime.run('add', { title: 'local' });
        expect(runtime.debug().checkpoints).toBe(1);
        expect((await store.readAfter(0)).map((e) => e.record.kind)).toEqual(['action']);
        const again = await startSynced(name, new DexieJournalStore(name), false);
        expect(await titles(again)).toEqual(['from the server', 'local']);
      });

      it('while neither the journal nor a checkpoint holds them, local writes are refused and change nothing', async () => {
        const name = newName();
        const store = new FlakyStore(name);
        store.failCheckpoints = Number.POSITIVE_INFINITY;
        const runtime = await startSynced(name, store, true);
        await expect.poll(() => titles(runtime), { timeout: 10_000 }).toEqual(['from the server']);
        await expect(runtime.run('add', { title: 'refused' })).rejects.toMatchObject({ message: expect.stringContaining('could not be checkpointed') });
        expect(await titles(runtime)).toEqual(['from the server']);
        expect(await store.count()).toBe(0);
        // The checkpoint works again: the next write catches the journal up first, then commits.
        store.failCheckpoints = 0;
        await runtime.run('add', { title: 'local' });
        expect(runtime.debug().checkpoints).toBe(1);
        const again = await startSynced(name, new DexieJournalStore(name), false);
        expect(await titles(again)).toEqual(['from the server', 'local']);
      });
    });

    it('reports where it runs and how durable its storage is', async () => {
      const { runtime } = await start(newName());
      const status = await runtime.status();
      expect(status.host).toBe('shared-worker');
      expect(status.storage.durability).toBe('relaxed');
      // A test page is not granted persistence; what matters is that the browser's answer is passed on.
      expect(status.storage.persisted).toBe(await navigator.storage.persisted());
    });

    it('where IndexedDB refuses Blobs (WebKit ephemeral sessions), checkpoints are kept as bytes and the next start opens from them', async () => {
      const fault = refuseBlobsInIndexedDB();
      try {
        const name = newName();
        const { runtime, store } = await start(name);
        await runtime.run('add', { title: 'a' });
        await runtime.run('add', { title: 'b' });
        await runtime.checkpoint();
        expect(fault.refusals()).toBeGreaterThanOrEqual(1);
        expect((await runtime.status()).lastError).toBeNull();
        // The journal was trimmed: only the checkpoint can bring the rows back.
        expect(await store.count()).toBe(0);
        const { runtime: again } = await restart(runtime, name);
        expect((await again.query('select title from todos order by title', [])).map((r) => r.title)).toEqual(['a', 'b']);
      } finally {
        fault.restore();
      }
    });

    describe('when the storage quota is exhausted', () => {
      const titles = async (runtime: TandemRuntime) => (await runtime.query('select title from todos order by title', [])).map((r) => r.title as string);

      it('an action the journal cannot keep is rejected with storage_full, never acknowledged, and the ones before survive', async () => {
        const name = newName();
        const { runtime } = await start(name);
        await runtime.run('add', { title: 'a kept' });
        const fault = failCommitsWithQuota(['journal']);
        try {
          await expect(runtime.run('add', { title: 'b refused' })).rejects.toMatchObject({
            kind: 'storage_full',
            message: expect.stringContaining('were not saved, so they did not take effect'),
          });
        } finally {
          fault.restore();
        }
        expect(fault.failures()).toBe(1);
        expect(await titles(runtime)).toEqual(['a kept']);
        await runtime.run('add', { title: 'c after' });
        const { runtime: again } = await restart(runtime, name);
        expect(await titles(again)).toEqual(['a kept', 'c after']);
      });

      it('a batch journaled before a write the quota refuses (the void of its failed action) still takes effect: the tab is told the truth', async () => {
        class VoidRefusingStore extends DexieJournalStore {
          refused = 0;
          readonly actionAppends: string[][] = [];
          override append(records: Parameters<DexieJournalStore['append']>[0]) {
            if (records[0]?.kind === 'action') this.actionAppends.push(records.map((r) => (r.kind === 'action' ? r.name : r.kind)));
            if (records[0]?.kind === 'void' && this.refused++ === 0) return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
            return super.append(records);
          }
        }
        const name = newName();
        const store = new VoidRefusingStore(name);
        const { runtime } = await start(name, undefined, undefined, store);
        // The first add is a batch of its own; queued meanwhile, 'kept' and the boom are journaled
        // together, then the void of the boom is refused.
        const [, added, boom] = await Promise.allSettled([runtime.run('add', { title: 'first' }), runtime.run('add', { title: 'kept' }), runtime.run('boom', {})]);
        expect(store.actionAppends).toEqual([['add'], ['add', 'boom']]);
        expect(store.refused).toBeGreaterThanOrEqual(1);
        expect(added.status).toBe('fulfilled');
        expect(boom).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('business rule says no') } });
        expect(await titles(runtime)).toEqual(['first', 'kept']);
        expect((await runtime.status()).pendingActions).toBe(2);
        const { runtime: again } = await restart(runtime, name);
        expect(await titles(again)).toEqual(['first', 'kept']);
        expect((await again.status()).pendingActions).toBe(2);
        expect((await again.status()).sync.rejections).toEqual([]);
      });

      it('a checkpoint the quota refuses fails with storage_full and the journal keeps every action', async () => {
        const name = newName();
        const first = await start(name);
        await first.runtime.run('add', { title: 'a' });
        await first.runtime.run('add', { title: 'b' });
        await first.runtime.close();
        open.splice(open.indexOf(first.runtime), 1);
        // Installed before the store opens: Dexie binds IndexedDB's transaction() when it opens.
        const fault = failCommitsWithQuota(['checkpoints']);
        let runtime: TandemRuntime;
        let store: DexieJournalStore;
        try {
          ({ runtime, store } = await start(name));
          await expect(runtime.checkpoint()).rejects.toMatchObject({ kind: 'storage_full', message: expect.stringContaining('the journal still holds every change') });
        } finally {
          fault.restore();
        }
        expect(fault.failures()).toBe(1);
        expect((await runtime.status()).lastCheckpointSeq).toBe(0);
        expect(await store.latestCheckpoint()).toBeUndefined();
        expect(await store.count()).toBe(2);
        const { runtime: again } = await restart(runtime, name);
        expect(await titles(again)).toEqual(['a', 'b']);
      });
      it('an automatic checkpoint the quota refuses is reported in status().lastError, and writes go on', async () => {
        const name = newName();
        const fault = failCommitsWithQuota(['checkpoints']);
        try {
          // every = 1: the fourth record forces a checkpoint at once (4 × every).
          const { runtime } = await start(name, TODO_SCHEMA, 1);
          for (const t of ['a', 'b', 'c', 'd']) await runtime.run('add', { title: t });
          await expect.poll(async () => (await runtime.status()).lastError?.message ?? '').toContain('A checkpoint failed; the journal keeps everything');
          expect((await runtime.status()).lastError?.kind).toBe('storage_full');
          await runtime.run('add', { title: 'e' });
          expect(await titles(runtime)).toEqual(['a', 'b', 'c', 'd', 'e']);
        } finally {
          fault.restore();
        }
      });
    });

    it('reports its engine, and a database created with it refuses the other engine', async () => {
      const name = newName();
      const { runtime } = await start(name);
      expect((await runtime.status()).engine).toBe(engineName);
      await runtime.run('add', { title: 'x' });
      await runtime.close();
      open.splice(open.indexOf(runtime), 1);
      const other = engineName === 'pglite' ? 'sqlite' : 'pglite';
      await expect(
        TandemRuntime.start({
          config: { name, schema: TODO_SCHEMA, actionsUrl: 'https://app.test/actions.js', engine: other },
          store: new DexieJournalStore(name),
          createEngine,
          loadActions: async () => todoActions,
        }),
      ).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining(`created with the ${engineName} engine`) });
    });
  });
}
