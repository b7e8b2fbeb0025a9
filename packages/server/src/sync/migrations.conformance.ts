import { afterEach, describe, expect, it } from 'vitest';
import type { Migration, PullRequest } from '@tandem/core';
import type { SqlDriver } from '../store/sql-driver.ts';
import {
  PRIORITY_STEP,
  PRIORITY_STEP_COMMENTED,
  TASKS_SCHEMA_COMMENTED,
  taskClient,
  tasksOptions,
} from '../test-support/versioned-app.ts';
import { createSyncStore } from './create-sync-store.ts';
import type { DriverFactory } from './sync-store.conformance.ts';
import type { AuthUser } from './sync-store.ts';

const alice: AuthUser = { id: 'alice' };

const pullOf = (clientId: string, board: string, cursor: number, schemaVersion?: number): PullRequest => ({
  clientId,
  channels: [{ channel: board, cursor }],
  ...(schemaVersion !== undefined && { schemaVersion }),
});

/**
 * Migrations at start and schema versions on push and pull, on a real database: each adapter's
 * test file calls this with a factory of fresh databases. Every test starts from an empty one.
 */
export function runMigrationConformance(name: string, freshDriver: DriverFactory): void {
  describe(`migrations conformance: ${name}`, () => {
    const open: { cleanup: () => Promise<void> }[] = [];
    async function fresh(): Promise<SqlDriver> {
      const db = await freshDriver();
      open.push(db);
      return db.driver;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((db) => db.cleanup()));
    });

    const count = async (driver: SqlDriver, sql: string, params: unknown[] = []) => Number((await driver.query<{ n: number }>(sql, params))[0]!.n);
    const columns = async (driver: SqlDriver, table: string) =>
      (await driver.query<{ name: string }>(`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`, [table])).map(
        (r) => r.name,
      );
    const applied = async (driver: SqlDriver) => (await driver.query<{ step: number; name: string }>('select step, name from tandem_migrations order by step')).map((r) => `${r.step}:${r.name}`);

    /** A database the previous release (no migrations) set up and wrote to. */
    async function releasedDatabase(driver: SqlDriver) {
      const v0 = await createSyncStore(driver, tasksOptions(0));
      expect(v0.schemaVersion).toBe(0);
      const c = taskClient('old-device');
      await v0.push(c.id, alice, [c.next('addTask', { boardId: 'b1', id: 't-old', text: 'from before' })]);
      return c;
    }

    it('runs the schema and then every step on a fresh database', async () => {
      const driver = await fresh();
      const store = await createSyncStore(driver, tasksOptions(1));
      expect(store.schemaVersion).toBe(1);
      expect(await columns(driver, 'tasks')).toEqual(['id', 'board_id', 'title', 'priority']);
      expect(await applied(driver)).toEqual(['1:task-priority']);
    });

    it('migrates a database from before migrations, then new actions write the new column and it is captured', async () => {
      const driver = await fresh();
      await releasedDatabase(driver);
      // Databases set up before this release have no tandem_migrations table at all: version 0.
      await driver.exec('drop table tandem_migrations');

      const store = await createSyncStore(driver, tasksOptions(1));
      expect(await applied(driver)).toEqual(['1:task-priority']);
      const head = await store.head();
      const c = taskClient('new-device');
      const { response } = await store.push(c.id, alice, [c.next('addTask', { boardId: 'b1', id: 't-new', title: 'urgent', priority: 5 })], 1);
      expect(response.rejected).toEqual([]);

      const pulled = await store.pull(pullOf(c.id, 'b1', head, 1), alice);
      expect(pulled.changes.map((ch) => ch.row)).toEqual([{ id: 't-new', board_id: 'b1', title: 'urgent', priority: 5 }]);
      const snapshot = await store.pull(pullOf(c.id, 'b1', 0, 1), alice);
      expect(snapshot.snapshots[0]!.tables.tasks).toEqual(
        expect.arrayContaining([
          { id: 't-old', board_id: 'b1', title: 'from before', priority: 0 },
          { id: 't-new', board_id: 'b1', title: 'urgent', priority: 5 },
        ]),
      );
    });

    it('drops the change log shaped for the old schema: a device behind gets a snapshot of the migrated rows', async () => {
      const driver = await fresh();
      const c = await releasedDatabase(driver);
      const v0 = await createSyncStore(driver, tasksOptions(0));
      await v0.push(c.id, alice, [c.next('addTask', { boardId: 'b1', id: 't-old2', text: 'also before' })]);
      const before = await v0.head();
      expect(before).toBeGreaterThanOrEqual(2);

      const store = await createSyncStore(driver, tasksOptions(1));
      const d = taskClient('behind-device');
      // Its cursor lies inside the old history: replaying those rows would miss \`priority\`.
      const pulled = await store.pull(pullOf(d.id, 'b1', 1, 1), alice);
      expect(pulled.changes).toEqual([]);
      expect(pulled.snapshots[0]!.tables.tasks).toEqual(
        expect.arrayContaining([
          { id: 't-old', board_id: 'b1', title: 'from before', priority: 0 },
          { id: 't-old2', board_id: 'b1', title: 'also before', priority: 0 },
        ]),
      );
      // A second start with nothing to run keeps the history it has since.
      const c2 = taskClient('new-device');
      await store.push(c2.id, alice, [c2.next('addTask', { boardId: 'b1', id: 't-new', title: 'after', priority: 1 })], 1);
      await createSyncStore(driver, tasksOptions(1));
      const later = await store.pull(pullOf(d.id, 'b1', before, 1), alice);
      expect(later.snapshots).toEqual([]);
      expect(later.changes.map((ch) => ch.rowId)).toEqual(['t-new']);
    });

    it('gives steps a transaction of their own: SQL and JavaScript, writing synced tables without capturing them', async () => {
      const driver = await fresh();
      await releasedDatabase(driver);
      const seen: string[] = [];
      const migrations: Migration[] = [
        PRIORITY_STEP,
        { name: 'backfill', sql: `update tasks set priority = 9 where title = 'from before'` },
        {
          name: 'js-step',
          async run(tx) {
            seen.push(tx.dialect);
            await tx.exec('create table task_stats (n int not null); insert into task_stats values (0)');
            const [row] = await tx.query<{ n: number }>('select count(*)::int as n from tasks where priority = $1', [9]);
            await tx.query('update task_stats set n = $1', [row!.n]);
          },
        },
      ];
      const head = await (await createSyncStore(driver, tasksOptions(0))).head();
      const store = await createSyncStore(driver, tasksOptions(1, { migrations }));
      expect(seen).toEqual(['postgres']);
      expect(store.schemaVersion).toBe(3);
      expect(await applied(driver)).toEqual(['1:task-priority', '2:backfill', '3:js-step']);
      expect(await count(driver, 'select n from task_stats')).toBe(1);
      expect(await count(driver, `select priority as n from tasks where id = 't-old'`)).toBe(9);
      // Every device runs the step on its own rows: nothing went into the change log or a commit.
      expect(await store.head()).toBe(head);
      expect((await store.pull(pullOf('reader', 'b1', head, 3), alice)).changes).toEqual([]);
      // And the capture triggers are back: a write outside an action is refused as before.
      await expect(driver.query(`update tasks set priority = 1`)).rejects.toMatchObject({ code: 'TD001' });
    });

    it('changes nothing when comments and whitespace are added to the schema and the steps', async () => {
      const driver = await fresh();
      const runs: number[] = [];
      const counted: Migration = { name: 'count-runs', run: () => void runs.push(1) };
      await createSyncStore(driver, tasksOptions(1, { migrations: [PRIORITY_STEP, counted] }));
      // The function's text is not compared either: a rebuild may reformat it.
      const rebuilt: Migration = {
        name: 'count-runs',
        run: () => {
          runs.push(2);
        },
      };
      const again = await createSyncStore(driver, tasksOptions(1, { schema: TASKS_SCHEMA_COMMENTED, migrations: [PRIORITY_STEP_COMMENTED, rebuilt] }));
      expect(again.schemaVersion).toBe(2);
      expect(runs).toEqual([1]);
      expect(await applied(driver)).toEqual(['1:task-priority', '2:count-runs']);
    });

    it('refuses an edited shipped step, a database newer than the server, and a failing step, changing nothing', async () => {
      const driver = await fresh();
      const store = await createSyncStore(driver, tasksOptions(1));
      const c = taskClient('kept');
      await store.push(c.id, alice, [c.next('addTask', { boardId: 'b1', id: 't1', title: 'kept', priority: 1 })], 1);

      const edited = { ...PRIORITY_STEP, sql: 'alter table tasks add column priority int not null default 1' };
      await expect(createSyncStore(driver, tasksOptions(1, { migrations: [edited] }))).rejects.toMatchObject({
        kind: 'schema_error',
        message: expect.stringMatching(/Migration 1 "task-priority" is not the step this database ran .*must not be edited/),
        details: { migration: 'task-priority', step: 1 },
      });
      await expect(createSyncStore(driver, tasksOptions(0))).rejects.toMatchObject({
        kind: 'schema_error',
        message: expect.stringMatching(/has run 1 migrations but this server knows 0: it is older than its database \(step 1, "task-priority"/),
      });
      const broken: Migration[] = [
        PRIORITY_STEP,
        { name: 'add-due', sql: 'alter table tasks add column due date' },
        { name: 'broken', sql: 'alter table tasks add column owner text; alter table no_such_table add column x int;' },
      ];
      await expect(createSyncStore(driver, tasksOptions(1, { migrations: broken }))).rejects.toMatchObject({
        kind: 'schema_error',
        message: expect.stringMatching(/^Migration 3 "broken" failed: .*no_such_table/),
        details: { migration: 'broken', step: 3 },
      });
      const throwing: Migration[] = [PRIORITY_STEP, { name: 'js-throws', run: () => Promise.reject(new Error('no way')) }];
      await expect(createSyncStore(driver, tasksOptions(1, { migrations: throwing }))).rejects.toMatchObject({ message: expect.stringMatching(/^Migration 2 "js-throws" failed: no way/) });

      // None of it left a trace: the columns, the record and the data are as before.
      expect(await columns(driver, 'tasks')).toEqual(['id', 'board_id', 'title', 'priority']);
      expect(await applied(driver)).toEqual(['1:task-priority']);
      expect(await count(driver, 'select count(*) as n from tasks')).toBe(1);
      const after = await createSyncStore(driver, tasksOptions(1));
      expect(after.schemaVersion).toBe(1);
    });

    it('refuses migrations it could not run before touching the database', async () => {
      const driver = await fresh();
      await expect(createSyncStore(driver, tasksOptions(1, { migrations: [{ name: 'sqlite-only', sql: { sqlite: 'select 1' } }] }))).rejects.toMatchObject({
        kind: 'schema_error',
        message: expect.stringMatching(/"sqlite-only" has no SQL for postgres/),
      });
      await expect(createSyncStore(driver, tasksOptions(1, { migrations: [{ name: 'a', sql: 'select 1' }, { name: 'a', sql: 'select 2' }] }))).rejects.toMatchObject({
        kind: 'schema_error',
        message: expect.stringMatching(/"a" is used twice/),
      });
      await expect(createSyncStore(driver, tasksOptions(1, { migrations: 'nope' as never }))).rejects.toMatchObject({ kind: 'schema_error' });
      expect(await driver.query(`select table_name from information_schema.tables where table_schema = current_schema()`)).toEqual([]);
    });

    it("upgrades an older client's push per action; refusals are typed rejections with the args, reported again on a retry", async () => {
      const driver = await fresh();
      const c = await releasedDatabase(driver);
      const store = await createSyncStore(driver, tasksOptions(1));
      const head = await store.head();
      // Work the old device queued before it was updated, pushed with its old version (0).
      const queued = [
        c.next('addTask', { boardId: 'b1', id: 't-renamed', text: 'renamed arg' }),
        c.next('archive', { id: 't-old' }),
        c.next('addTask', { boardId: 'b1', id: 't-refused', text: 'cannot upgrade' }),
        c.next('addTask', { boardId: 'b1', id: 't-after', text: 'still runs' }),
      ];
      const { response } = await store.push(c.id, alice, queued, 0);
      expect(response.lastSeq).toBe(5);
      expect(response.rejected).toEqual([
        { id: 'old-device-3', seq: 3, name: 'archive', args: { id: 't-old' }, error: { kind: 'unknown_action', message: expect.stringMatching(/Unknown action "archive"/), details: { name: 'archive' } } },
        {
          id: 'old-device-4',
          seq: 4,
          name: 'addTask',
          args: { boardId: 'b1', id: 't-refused', text: 'cannot upgrade' },
          error: {
            kind: 'upgrade_rejected',
            message: expect.stringMatching(/recorded under schema version 0 cannot run under version 1: its upgrade hook threw: this task cannot be carried over/),
            details: { action: 'addTask', args: { boardId: 'b1', id: 't-refused', text: 'cannot upgrade' }, fromVersion: 0, toVersion: 1 },
          },
        },
      ]);
      const rows = await driver.query<{ id: string; title: string; priority: number }>('select id, title, priority from tasks order by id');
      expect(rows).toEqual([
        { id: 't-after', title: 'still runs', priority: 0 },
        { id: 't-old', title: 'from before', priority: 0 },
        { id: 't-renamed', title: 'renamed arg', priority: 0 },
      ]);

      // The same push again (its answer was lost) reports the same verdicts; pulls report them too.
      const retried = await store.push(c.id, alice, queued, 0);
      expect(retried.response.rejected).toEqual(response.rejected);
      expect(retried.commit).toBeNull();
      const pulled = await store.pull({ ...pullOf(c.id, 'b1', head, 1), pendingFrom: 2 }, alice);
      expect(pulled.rejected).toEqual(response.rejected);
      // The updated device goes on at version 1.
      const later = await store.push(c.id, alice, [c.next('setPriority', { id: 't-after', priority: 3 })], 1);
      expect(later.response).toMatchObject({ lastSeq: 6, rejected: [] });
      expect(await count(driver, `select priority as n from tasks where id = 't-after'`)).toBe(3);
    });

    it('refuses a newer client (server_outdated) and pulls of any other version, before running anything', async () => {
      const driver = await fresh();
      const store = await createSyncStore(driver, tasksOptions(1));
      const c = taskClient('future');
      const head = await store.head();
      await expect(store.push(c.id, alice, [c.next('addTask', { boardId: 'b1', id: 't', title: 'x', priority: 1 })], 2)).rejects.toMatchObject({
        kind: 'server_outdated',
        details: { clientVersion: 2, serverVersion: 1 },
      });
      expect(await count(driver, `select count(*) as n from tandem_clients where client_id = 'future'`)).toBe(0);
      expect(await store.head()).toBe(head);
      await expect(store.pull(pullOf('old', 'b1', 0), alice)).rejects.toMatchObject({
        kind: 'update_required',
        message: expect.stringMatching(/older than the server .*reload/),
        details: { clientVersion: 0, serverVersion: 1 },
      });
      await expect(store.pull(pullOf('new', 'b1', 0, 2), alice)).rejects.toMatchObject({ kind: 'server_outdated' });
      expect((await store.pull(pullOf('same', 'b1', 0, 1), alice)).version).toBe(head);
    });

    it('keeps clients without a version working against a server without migrations', async () => {
      const driver = await fresh();
      const store = await createSyncStore(driver, tasksOptions(0));
      const c = taskClient('legacy');
      const { response } = await store.push(c.id, alice, [c.next('addTask', { boardId: 'b1', id: 't', text: 'x' })]);
      expect(response.rejected).toEqual([]);
      expect((await store.pull(pullOf(c.id, 'b1', 0), alice)).snapshots[0]!.tables.tasks).toHaveLength(1);
      await expect(store.push(c.id, alice, [c.next('addTask', { boardId: 'b1', id: 't2', text: 'y' })], 1)).rejects.toMatchObject({ kind: 'server_outdated' });
    });

  });
}
