import { beforeAll, describe, expect, it } from 'vitest';
import type { Change, PullResponse } from '@tandem/core';
import type { SqlDriver } from '../store/sql-driver.ts';
import { TODO_APP_SCHEMA, todoAppActions, todoAppOptions } from '../test-support/todo-app.ts';
import { clientOf as clientOfAt, useFreshStore } from '../test-support/store-fixture.ts';
import { createSyncStore } from './create-sync-store.ts';
import type { AuthUser, SyncStore } from './sync-store.ts';

export interface DriverFactory {
  /** A fresh, empty database (or schema) each call. */
  (): Promise<{ driver: SqlDriver; cleanup: () => Promise<void> }>;
}

const alice: AuthUser = { id: 'alice' };
const bob: AuthUser = { id: 'bob' };
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);

const clientOf = (clientId: string) => clientOfAt(clientId, T0);

const byRow = (changes: readonly Change[]) => changes.map((c) => `${c.op} ${c.table}/${c.rowId}@${c.channel}`);

/**
 * The {@link SyncStore} behaviour on a real database: each adapter's test file calls this with a
 * factory of fresh databases. One store serves most tests; tests use their own lists (channels) and
 * client ids, and assert on what they pushed.
 */
export function runSyncStoreConformance(name: string, freshDriver: DriverFactory): void {
  describe(`SyncStore conformance: ${name}`, () => {
    let db: { driver: SqlDriver; cleanup: () => Promise<void> };
    let store: SyncStore;
    let n = 0;
    /** A fresh channel (list id) for one test. */
    const list = (): string => `list-${++n}`;
    const pullAll = (clientId: string, channels: Record<string, number>, user = alice, pendingFrom?: number): Promise<PullResponse> =>
      store.pull(
        { clientId, channels: Object.entries(channels).map(([channel, cursor]) => ({ channel, cursor })), ...(pendingFrom ? { pendingFrom } : {}) },
        user,
      );
    const count = async (sql: string, params: unknown[] = []): Promise<number> => (await db.driver.query<{ n: number }>(sql, params))[0]!.n;

    useFreshStore(freshDriver, todoAppOptions(), (d, s) => {
      db = d;
      store = s;
    });

    describe('setup', () => {
      it('applies the app schema and the sync tables, starting at version 0', async () => {
        expect(await store.head()).toBe(0);
        const tables = await db.driver.query<{ name: string }>(
          `select table_name as name from information_schema.tables where table_schema = current_schema() order by 1`,
        );
        expect(tables.map((t) => t.name)).toEqual(
          expect.arrayContaining(['audit', 'lists', 'tandem_changes', 'tandem_clients', 'tandem_commits', 'tandem_head', 'tandem_meta', 'tandem_rejections', 'todos']),
        );
      });

      it('is idempotent: a second store on the same database keeps data and history', async () => {
        const c = clientOf('setup-again');
        const l = list();
        await store.push(c.id, alice, [c.next('createList', { listId: l, name: 'kept' })]);
        const head = await store.head();
        const again = await createSyncStore(db.driver, todoAppOptions());
        expect(await again.head()).toBe(head);
        expect(await count('select count(*) as n from lists where id = $1', [l])).toBe(1);
        const pulled = await again.pull({ clientId: c.id, channels: [{ channel: l, cursor: 0 }] }, alice);
        expect(pulled.snapshots[0]!.tables.lists).toEqual([{ id: l, owner: 'alice', name: 'kept' }]);
        const next = await again.push(c.id, alice, [c.next('addTodo', { listId: l, title: 't' })]);
        expect(next.response).toMatchObject({ lastSeq: 2, version: head + 1 });
      });

      it('refuses bad setups with a schema_error and changes nothing', async () => {
        const fresh = await freshDriver();
        try {
          const attempt = (extra: Parameters<typeof todoAppOptions>[0]) => createSyncStore(fresh.driver, todoAppOptions(extra));
          await expect(attempt({ channels: { todos: 'list_id', nope: 'x' } })).rejects.toMatchObject({
            kind: 'schema_error',
            message: expect.stringMatching(/table "nope" does not exist/),
          });
          await expect(attempt({ channels: { audit: 'note' } })).rejects.toMatchObject({
            kind: 'schema_error',
            message: expect.stringMatching(/"audit" has primary key "id" of type bigint; synced tables need a text/),
          });
          await expect(attempt({ channels: { todos: 'board_id' } })).rejects.toMatchObject({
            kind: 'schema_error',
            message: expect.stringMatching(/"todos" has no channel column "board_id"/),
          });
          await expect(attempt({ schema: 'create table todos (id text primary key, list_id text); create tabel oops;' })).rejects.toMatchObject({
            kind: 'schema_error',
            message: expect.stringMatching(/The app schema \(options\.schema\) failed: .*tabel/),
          });
          await expect(attempt({ schema: 'create table pairs (a text, id text, list_id text, primary key (a, id));', channels: { pairs: 'list_id' } })).rejects.toMatchObject({
            kind: 'schema_error',
            message: expect.stringMatching(/"pairs" needs a single-column primary key named "id"/),
          });
          await expect(attempt({ channels: { tandem_changes: 'channel' } })).rejects.toMatchObject({ kind: 'schema_error' });
          await expect(attempt({ channels: 'todos' as never })).rejects.toMatchObject({ kind: 'schema_error' });
          await expect(attempt({ pullLimit: 0 })).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringMatching(/pullLimit/) });
          // Nothing was left behind: neither the app's tables nor Tandem's.
          const left = await fresh.driver.query(`select table_name from information_schema.tables where table_schema = current_schema()`);
          expect(left).toEqual([]);
          // And a good setup still works afterwards.
          const ok = await createSyncStore(fresh.driver, todoAppOptions());
          expect(await ok.head()).toBe(0);
        } finally {
          await fresh.cleanup();
        }
      }, 60_000);

      it('runs the app schema only when synced tables are missing', async () => {
        // The tables exist already, so this schema (which would fail) is not run.
        const again = await createSyncStore(db.driver, todoAppOptions({ schema: `${TODO_APP_SCHEMA}\nthis is not sql;` }));
        expect(await again.head()).toBe(await store.head());
      });
    });

    describe('capture', () => {
      it('records insert, update, no-op update, delete and channel moves as changes with full rows', async () => {
        const c = clientOf('capture');
        const [a, b] = [list(), list()];
        const start = await store.head();
        await store.push(c.id, alice, [
          c.next('addTodo', { listId: a, title: 'one', id: `${a}-t1`, meta: { tags: ['x'], n: 1 } }),
          c.next('rename', { id: `${a}-t1`, title: 'uno' }),
          c.next('touch', { id: `${a}-t1` }),
          c.next('addTodo', { listId: a, title: 'two', id: `${a}-t2` }),
          c.next('move', { id: `${a}-t2`, listId: b }),
          c.next('remove', { id: `${a}-t1` }),
        ]);
        const pulled = await pullAll(c.id, { [a]: start, [b]: start });
        expect(byRow(pulled.changes)).toEqual([
          `insert todos/${a}-t1@${a}`,
          `update todos/${a}-t1@${a}`,
          `insert todos/${a}-t2@${a}`,
          `delete todos/${a}-t2@${a}`,
          `insert todos/${a}-t2@${b}`,
          `delete todos/${a}-t1@${a}`,
        ]);
        expect(pulled.changes.map((ch) => ch.actionId)).toEqual(['capture-1', 'capture-2', 'capture-4', 'capture-5', 'capture-5', 'capture-6']);
        const [insert, update, , del, moved] = pulled.changes;
        expect(insert!.row).toEqual({
          id: `${a}-t1`,
          list_id: a,
          title: 'one',
          done: false,
          position: 0,
          created_at: expect.any(String), // the server's clock at the push (push-rules.conformance.ts)
          meta: { tags: ['x'], n: 1 },
        });
        expect(update!.row).toMatchObject({ title: 'uno' });
        expect(del!.row).toBeNull();
        expect(moved!.row).toMatchObject({ id: `${a}-t2`, list_id: b });
      });

      it('refuses writes to synced tables outside an action, including TRUNCATE', async () => {
        await expect(db.driver.query(`insert into todos (id, list_id, title) values ('rogue', 'x', 'rogue')`)).rejects.toMatchObject({
          code: 'TD001',
          message: expect.stringMatching(/write to synced table "todos" outside an action/),
        });
        await expect(db.driver.exec('truncate todos')).rejects.toMatchObject({ code: 'TD001', message: expect.stringMatching(/TRUNCATE/) });
        expect(await count(`select count(*) as n from todos where id = 'rogue'`)).toBe(0);
        // Tables that are not synced are not guarded.
        await db.driver.query(`insert into audit (note) values ('direct')`);
      });

      it('rejects a synced row without a channel', async () => {
        const c = clientOf('no-channel');
        const { response } = await store.push(c.id, alice, [c.next('addTodo', { listId: null, title: 'lost' })]);
        expect(response.rejected).toMatchObject([{ seq: 1, error: { kind: 'action_failed', message: expect.stringMatching(/has no channel/), details: { sqlstate: 'TD002' } } }]);
      });
    });

    describe('push', () => {
      it('runs new actions in one commit and reports the version and touched channels', async () => {
        const c = clientOf('push-basic');
        const [a, b] = [list(), list()];
        const head = await store.head();
        const { response, commit } = await store.push(c.id, alice, [
          c.next('createList', { listId: b, name: 'B' }),
          c.next('addTodo', { listId: a, title: 'x' }),
          c.next('note', { note: 'not synced' }),
        ]);
        expect(response).toEqual({ lastSeq: 3, rejected: [], version: head + 1 });
        expect(commit).toMatchObject({ version: head + 1, channels: [a, b].sort(), clientId: c.id });
        // A small commit hands back its changes (for pokes) as JSON text: exactly what a pull of that
        // version gets.
        const pulled = await pullAll('push-basic-reader', { [a]: head, [b]: head });
        const changes = JSON.parse(commit!.changesJson!) as Change[];
        expect(changes).toEqual(pulled.changes);
        expect(changes.map((ch) => [ch.version, ch.op, ch.channel])).toEqual([
          [head + 1, 'insert', b],
          [head + 1, 'insert', a],
        ]);
        // ctx.user is the pushing user, ctx.id() derives from the action id.
        expect(await db.driver.query('select owner from lists where id = $1', [b])).toEqual([{ owner: 'alice' }]);
        expect(await count('select count(*) as n from todos where id = $1', ['push-basic-2.0'])).toBe(1);
      });

      it('hands back a commit\'s changes only up to commitChanges (0: never), and refuses a bad limit', async () => {
        const c = clientOf('push-commit-changes');
        const l = list();
        const two = await createSyncStore(db.driver, todoAppOptions({ commitChanges: 2 }));
        const small = await two.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'a' }), c.next('addTodo', { listId: l, title: 'b' })]);
        expect(JSON.parse(small.commit!.changesJson!)).toHaveLength(2);
        const big = await two.push(c.id, alice, [1, 2, 3].map((i) => c.next('addTodo', { listId: l, title: `big ${i}` })));
        expect(big.commit).toEqual({ version: big.response.version, channels: [l], clientId: c.id });
        const never = await createSyncStore(db.driver, todoAppOptions({ commitChanges: 0 }));
        const none = await never.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'c' })]);
        expect(none.commit).toEqual({ version: none.response.version, channels: [l], clientId: c.id });
        for (const bad of [-1, 1.5, 1_001]) {
          await expect(createSyncStore(db.driver, todoAppOptions({ commitChanges: bad }))).rejects.toThrow(/options.commitChanges must be an integer from 0 to 1000/);
        }
      });

      it('is idempotent: the same push twice runs once and answers the same', async () => {
        const c = clientOf('push-twice');
        const l = list();
        const actions = [c.next('addTodo', { listId: l, title: 'a' }), c.next('addTodo', { listId: l, title: 'forbidden' }), c.next('addTodo', { listId: l, title: 'c' })];
        const first = await store.push(c.id, alice, actions);
        const second = await store.push(c.id, alice, actions);
        expect(second.response).toEqual(first.response);
        expect(second.commit).toBeNull();
        expect(await count('select count(*) as n from todos where list_id = $1', [l])).toBe(2);
        expect(await count(`select count(*) as n from tandem_rejections where client_id = 'push-twice'`)).toBe(1);
      });

      it('skips the already processed part of an overlapping push', async () => {
        const c = clientOf('push-overlap');
        const l = list();
        const all = Array.from({ length: 5 }, (_, i) => c.next('addTodo', { listId: l, title: `t${i + 1}` }));
        await store.push(c.id, alice, all.slice(0, 3));
        const { response } = await store.push(c.id, alice, all.slice(1));
        expect(response.lastSeq).toBe(5);
        const titles = await db.driver.query<{ title: string }>('select title from todos where list_id = $1 order by title', [l]);
        expect(titles.map((t) => t.title)).toEqual(['t1', 't2', 't3', 't4', 't5']);
      });

      it('records a throwing action as rejected once, undoes its writes, keeps the others, and never retries it', async () => {
        const c = clientOf('push-reject');
        const l = list();
        const batch = [
          c.next('addTodo', { listId: l, title: 'before' }),
          c.next('addTodo', { listId: l, title: 'forbidden', id: `${l}-bad` }),
          c.next('addTodo', { listId: l, title: 'after' }),
        ];
        const { response, commit } = await store.push(c.id, alice, batch);
        expect(response.lastSeq).toBe(3);
        expect(response.rejected).toEqual([
          { id: 'push-reject-2', seq: 2, name: 'addTodo', error: { kind: 'action_failed', message: 'Todos cannot be called "forbidden".' } },
        ]);
        expect(commit?.channels).toEqual([l]);
        expect((await db.driver.query<{ title: string }>('select title from todos where list_id = $1 order by title', [l])).map((r) => r.title)).toEqual(['after', 'before']);
        const pulled = await pullAll(c.id, { [l]: response.version - 1 }, alice, 2);
        expect(pulled.changes.map((ch) => ch.actionId)).toEqual(['push-reject-1', 'push-reject-3']);
        expect(pulled.rejected).toEqual(response.rejected);
        expect(pulled.lastSeq).toBe(3);

        // Later pushes report it while the client still holds it (seq ≥ the request's lowest) and not after:
        // one with nothing new (the head read reports it) and one that commits (the commit does).
        const repeated = await store.push(c.id, alice, batch);
        expect(repeated).toEqual({ response: { lastSeq: 3, rejected: response.rejected, version: response.version }, commit: null });
        const later = await store.push(c.id, alice, [...batch, c.next('addTodo', { listId: l, title: 'later' })]);
        expect(later.response.rejected).toEqual(response.rejected);
        const after = await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'last' })]);
        expect(after.response.rejected).toEqual([]);
        expect(await count(`select count(*) as n from todos where id = $1`, [`${l}-bad`])).toBe(0);
        expect(await count(`select count(*) as n from tandem_rejections where client_id = 'push-reject'`)).toBe(1);
      });

      it('rejects unknown actions, invalid args, database errors and swallowed database errors with their kinds', async () => {
        const c = clientOf('push-kinds');
        const l = list();
        await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'dup', id: `${l}-dup` })]);
        const { response } = await store.push(c.id, alice, [
          c.next('launchRockets', {}),
          c.next('addTodo', { listId: l, title: '' }),
          c.next('addTodo', { listId: l, title: 'dup again', id: `${l}-dup` }),
          c.next('swallow', {}),
          c.next('addTodo', { listId: l, title: 'fine' }),
        ]);
        expect(response.rejected.map((r) => [r.seq, r.error.kind])).toEqual([
          [2, 'unknown_action'],
          [3, 'invalid_args'],
          [4, 'action_failed'],
          [5, 'action_failed'],
        ]);
        expect(response.rejected[0]!.error.message).toMatch(/Unknown action "launchRockets"/);
        expect(response.rejected[1]!.error.message).toMatch(/Invalid arguments for action "addTodo": title/);
        expect(response.rejected[2]!.error.details).toEqual({ sqlstate: '23505' });
        expect(response.rejected[3]!.error.message).toMatch(/no_such_table/);
        expect((await db.driver.query<{ title: string }>('select title from todos where list_id = $1 order by title', [l])).map((r) => r.title)).toEqual(['dup', 'fine']);
      });

      it('advances lastSeq and the version when every action is rejected', async () => {
        const c = clientOf('push-all-rejected');
        const head = await store.head();
        const { response, commit } = await store.push(c.id, alice, [c.next('nope', {}), c.next('nope', {})]);
        expect(response.lastSeq).toBe(2);
        expect(response.rejected).toHaveLength(2);
        expect(commit).toEqual({ version: head + 1, channels: [], clientId: c.id, changesJson: '[]' });
      });

      it('refuses a client id owned by another user, and the reserved "server" id, changing nothing', async () => {
        const c = clientOf('push-owned');
        const l = list();
        await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'mine' })]);
        const head = await store.head();
        await expect(store.push(c.id, bob, [c.next('addTodo', { listId: l, title: 'theirs' })])).rejects.toMatchObject({ kind: 'forbidden' });
        await expect(store.pull({ clientId: c.id, channels: [{ channel: l, cursor: 0 }] }, bob)).rejects.toMatchObject({ kind: 'forbidden' });
        await expect(store.push('server', alice, [{ id: 'server-1', seq: 1, name: 'note', args: { note: 'x' }, time: T0 }])).rejects.toMatchObject({
          kind: 'forbidden',
          message: expect.stringMatching(/reserved/),
        });
        expect(await store.head()).toBe(head);
        expect(await count('select count(*) as n from todos where list_id = $1', [l])).toBe(1);
        expect(await db.driver.query(`select user_id, last_seq from tandem_clients where client_id = 'push-owned'`)).toEqual([{ user_id: 'alice', last_seq: 1 }]);
      });

      it('refuses malformed pushes with invalid_request and no user with unauthorized', async () => {
        const head = await store.head();
        const good = { id: 'push-bad-1', seq: 1, name: 'note', args: { note: 'x' }, time: T0 };
        await expect(store.push('push-bad', alice, [{ ...good, id: 'other-1' }])).rejects.toMatchObject({ kind: 'invalid_request' });
        await expect(store.push('push-bad', alice, [good, good])).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringMatching(/seq order/) });
        await expect(store.push('bad id!', alice, [])).rejects.toMatchObject({ kind: 'invalid_request' });
        await expect(store.push('push-bad', { id: '' }, [good])).rejects.toMatchObject({ kind: 'unauthorized' });
        expect(await store.head()).toBe(head);
        expect(await count(`select count(*) as n from tandem_clients where client_id = 'push-bad'`)).toBe(0);
      });
    });

    describe('pull', () => {
      it('gives a snapshot for cursor 0 with every synced table, rows shaped like change rows', async () => {
        const c = clientOf('pull-snap');
        const [a, b] = [list(), list()];
        await store.push(c.id, alice, [
          c.next('createList', { listId: a, name: 'A' }),
          c.next('addTodo', { listId: a, title: 'x', id: `${a}-x`, meta: { deep: { k: [1] } } }),
          c.next('addTodo', { listId: b, title: 'y', id: `${b}-y` }),
        ]);
        const head = await store.head();
        const pulled = await pullAll(c.id, { [a]: 0 });
        expect(pulled.version).toBe(head);
        expect(pulled.changes).toEqual([]);
        expect(pulled.more).toBe(false);
        expect(pulled.snapshots).toHaveLength(1);
        const snap = pulled.snapshots[0]!;
        expect(snap.channel).toBe(a);
        expect(Object.keys(snap.tables).sort()).toEqual(['lists', 'todos']);
        expect(snap.tables.lists).toEqual([{ id: a, owner: 'alice', name: 'A' }]);
        const delta = await pullAll(c.id, { [a]: head - 1 });
        expect(snap.tables.todos).toEqual([delta.changes.find((ch) => ch.rowId === `${a}-x`)!.row]);
        // A channel with no rows still lists its (empty) tables, which is what clears them.
        const empty = await pullAll(c.id, { [list()]: 0 });
        expect(empty.snapshots[0]!.tables).toEqual({ lists: [], todos: [] });
      });

      it('pullJson is the same pull as JSON text: snapshots (rows as change rows, empty tables, channel order) and changes', async () => {
        const c = clientOf('pull-json');
        const [a, b, empty] = [list(), list(), list()];
        // b has history before v0, so its cursor (not 0) gets changes.
        await store.push(c.id, alice, [c.next('addTodo', { listId: b, title: 'b0' })]);
        const v0 = await store.head();
        await store.push(c.id, alice, [
          c.next('createList', { listId: a, name: 'A "quoted" ü' }),
          c.next('addTodo', { listId: a, title: 'x', id: `${a}-x`, meta: { deep: { k: [1, null, 'é'] } } }),
          c.next('addTodo', { listId: a, title: 'y', id: `${a}-y` }),
          c.next('addTodo', { listId: b, title: 'b1' }),
        ]);
        const request = { clientId: c.id, channels: [{ channel: b, cursor: v0 }, { channel: empty, cursor: 0 }, { channel: a, cursor: 0 }] };
        // Rows within a table come in no promised order: compare them by id.
        const byId = (p: PullResponse) => ({
          ...p,
          snapshots: p.snapshots.map((s) => ({ ...s, tables: Object.fromEntries(Object.entries(s.tables).map(([t, rows]) => [t, [...rows].sort((x, y) => String(x.id).localeCompare(String(y.id)))])) })),
        });
        const text = await store.pullJson(request, alice);
        const parsed = JSON.parse(text) as PullResponse;
        expect(byId(parsed)).toEqual(byId(await store.pull(request, alice)));
        expect(parsed.snapshots.map((s) => s.channel)).toEqual([empty, a]);
        expect(parsed.snapshots[0]!.tables).toEqual({ lists: [], todos: [] });
        expect(parsed.snapshots[1]!.tables.todos).toHaveLength(2);
        expect(parsed.changes.map((ch) => ch.channel)).toEqual([b]);
        // Without snapshots it is the pull's JSON as it is.
        const delta = { clientId: c.id, channels: [{ channel: b, cursor: v0 }] };
        expect(JSON.parse(await store.pullJson(delta, alice))).toEqual(await store.pull(delta, alice));
      });

      it('returns only the requested channels’ changes after each cursor, in commit and capture order', async () => {
        const c = clientOf('pull-delta');
        const [a, b, other] = [list(), list(), list()];
        const v0 = await store.head();
        const v1 = (await store.push(c.id, alice, [c.next('addTodo', { listId: a, title: 'a1' }), c.next('addTodo', { listId: other, title: 'o1' })])).response.version;
        const v2 = (await store.push(c.id, alice, [c.next('addTodo', { listId: b, title: 'b1' }), c.next('addTodo', { listId: a, title: 'a2' })])).response.version;
        const pulled = await pullAll(c.id, { [a]: v0, [b]: v1 });
        expect(pulled.version).toBe(await store.head());
        expect(pulled.changes.map((ch) => [ch.version, ch.channel, (ch.row as { title: string }).title])).toEqual([
          [v1, a, 'a1'],
          [v2, b, 'b1'],
          [v2, a, 'a2'],
        ]);
        expect(pulled.snapshots).toEqual([]);
        const caughtUp = await pullAll(c.id, { [a]: pulled.version, [b]: pulled.version });
        expect(caughtUp.changes).toEqual([]);
        expect(caughtUp.version).toBe(pulled.version);
      });

      it('reports lastSeq and the rejections at or above pendingFrom', async () => {
        const c = clientOf('pull-rejections');
        const l = list();
        await store.push(c.id, alice, [c.next('nope', {}), c.next('addTodo', { listId: l, title: 'ok' }), c.next('nope', {})]);
        const withPending = await pullAll(c.id, { [l]: 0 }, alice, 2);
        expect(withPending.lastSeq).toBe(3);
        expect(withPending.rejected.map((r) => r.seq)).toEqual([3]);
        expect(withPending.rejected[0]).toMatchObject({ id: 'pull-rejections-3', name: 'nope', error: { kind: 'unknown_action' } });
        expect((await pullAll(c.id, { [l]: 0 })).rejected).toEqual([]);
        expect((await pullAll('pull-unknown-client', { [l]: 0 })).lastSeq).toBe(0);
      });

      it('gives a snapshot to a cursor above the head (the server lost history)', async () => {
        const l = list();
        const pulled = await pullAll('pull-ahead', { [l]: (await store.head()) + 100 });
        expect(pulled.snapshots.map((s) => s.channel)).toEqual([l]);
      });
    });

    describe('pull limits', () => {
      let limited: SyncStore;
      beforeAll(async () => {
        limited = await createSyncStore(db.driver, todoAppOptions({ pullLimit: 5 }));
      });

      it('cuts at a commit boundary with more: true, and the rest follows from the returned version', async () => {
        const c = clientOf('limit');
        const l = list();
        const start = await store.head();
        const versions: number[] = [];
        for (let i = 0; i < 4; i++) {
          versions.push((await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: `${i}a` }), c.next('addTodo', { listId: l, title: `${i}b` })])).response.version);
        }
        const first = await limited.pull({ clientId: c.id, channels: [{ channel: l, cursor: start }] }, alice);
        expect(first.more).toBe(true);
        expect(first.changes).toHaveLength(4);
        expect(first.version).toBe(versions[1]);
        expect(first.lastSeq).toBe(4); // as of versions[1], not the head's 8
        const second = await limited.pull({ clientId: c.id, channels: [{ channel: l, cursor: first.version }] }, alice);
        expect(second.more).toBe(false);
        expect(second.version).toBe(await store.head());
        expect(second.lastSeq).toBe(8);
        expect([...first.changes, ...second.changes].map((ch) => (ch.row as { title: string }).title)).toEqual(['0a', '0b', '1a', '1b', '2a', '2b', '3a', '3b']);
      });

      it('sends a commit larger than the limit whole', async () => {
        const c = clientOf('limit-big');
        const l = list();
        const start = await store.head();
        const big = (await store.push(c.id, alice, [c.next('addMany', { listId: l, count: 7 })])).response.version;
        await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'next' })]);
        const first = await limited.pull({ clientId: c.id, channels: [{ channel: l, cursor: start }] }, alice);
        expect(first.changes).toHaveLength(7);
        expect(first.version).toBe(big);
        expect(first.more).toBe(true);
        const second = await limited.pull({ clientId: c.id, channels: [{ channel: l, cursor: first.version }] }, alice);
        expect(second.changes.map((ch) => (ch.row as { title: string }).title)).toEqual(['next']);
        expect(second.more).toBe(false);
      });

      it('turns overflowing channels into snapshots when the response carries a snapshot anyway', async () => {
        const c = clientOf('limit-snap');
        const [l, fresh] = [list(), list()];
        const start = await store.head();
        await store.push(c.id, alice, [c.next('addMany', { listId: l, count: 6 }), c.next('addTodo', { listId: fresh, title: 'f' })]);
        const pulled = await limited.pull({ clientId: c.id, channels: [{ channel: l, cursor: start }, { channel: fresh, cursor: 0 }] }, alice);
        expect(pulled.more).toBe(false);
        expect(pulled.changes).toEqual([]);
        expect(pulled.version).toBe(await store.head());
        expect(pulled.snapshots.map((s) => [s.channel, s.tables.todos!.length])).toEqual([
          [fresh, 1],
          [l, 6],
        ]);
      });
    });

    describe('invoke', () => {
      it('runs an action as the server, returning its result; its changes sync like any other', async () => {
        const l = list();
        const head = await store.head();
        const who = await store.invoke('whoami', {}, alice);
        expect(who.result).toEqual({ user: alice, server: true, actionId: expect.stringMatching(/^server-\d+$/), firstId: expect.stringMatching(/^server-\d+\.0$/) });
        expect(who.commit).toEqual({ version: head + 1, channels: [], clientId: 'server', changesJson: '[]' });
        const added = await store.invoke('addTodo', { listId: l, title: 'from a job' }, alice);
        const seq = Number((who.result as { actionId: string }).actionId.slice('server-'.length));
        expect(added.result).toBe(`server-${seq + 1}.0`);
        expect(added.commit).toMatchObject({ version: head + 2, channels: [l], clientId: 'server' });
        expect(JSON.parse(added.commit.changesJson!)).toMatchObject([{ version: head + 2, actionId: `server-${seq + 1}`, op: 'insert' }]);
        const pulled = await pullAll('invoke-reader', { [l]: head });
        expect(pulled.changes).toMatchObject([{ actionId: `server-${seq + 1}`, op: 'insert', rowId: `server-${seq + 1}.0` }]);
      });

      it('throws the action’s error and leaves no trace', async () => {
        const l = list();
        const head = await store.head();
        await expect(store.invoke('addTodo', { listId: l, title: 'forbidden' }, alice)).rejects.toThrow('Todos cannot be called "forbidden".');
        await expect(store.invoke('addTodo', { listId: l }, alice)).rejects.toMatchObject({ kind: 'invalid_args' });
        await expect(store.invoke('launchRockets', {}, alice)).rejects.toMatchObject({ kind: 'unknown_action' });
        expect(await store.head()).toBe(head);
        expect(await count('select count(*) as n from todos where list_id = $1', [l])).toBe(0);
      });
    });

    describe('compaction', () => {
      it('drops history up to a version; cursors below it get snapshots, cursors at it get changes', async () => {
        const c = clientOf('compact');
        const l = list();
        const v1 = (await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'old' })])).response.version;
        const v2 = (await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'new' })])).response.version;
        await store.compact(v1);
        expect(await count('select count(*) as n from tandem_commits where version <= $1', [v1])).toBe(0);
        const behind = await pullAll(c.id, { [l]: v1 - 1 });
        expect(behind.changes).toEqual([]);
        expect(behind.snapshots[0]!.tables.todos!.map((r) => r.title).sort()).toEqual(['new', 'old']);
        const at = await pullAll(c.id, { [l]: v1 });
        expect(at.changes.map((ch) => [ch.version, (ch.row as { title: string }).title])).toEqual([[v2, 'new']]);
        // The horizon never moves back.
        await store.compact(0);
        expect((await pullAll(c.id, { [l]: v1 - 1 })).snapshots).toHaveLength(1);
      });

      it('refuses versions above the head or not integers', async () => {
        const head = await store.head();
        await expect(store.compact(head + 1)).rejects.toMatchObject({ kind: 'invalid_request' });
        await expect(store.compact(-1)).rejects.toMatchObject({ kind: 'invalid_request' });
        await expect(store.compact(1.5)).rejects.toMatchObject({ kind: 'invalid_request' });
      });
    });
  });
}
