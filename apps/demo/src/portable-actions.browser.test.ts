import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import type { CreateEngine } from '@tandem/worker';
import { createPgliteEngine, createSqliteEngine, DexieJournalStore, TandemRuntime } from '@tandem/worker';
import type { JournalRecord } from '@tandem/worker';
import type { EngineName, Row } from '@tandem/core';
import actions from './actions.ts';
import { SCHEMA_SQL } from './schema.ts';

/**
 * The portable-actions claim (docs/portable-actions.md), proved on the demo's own actions: the same
 * invocations (same ids, same times) run through the real runtime on SQLite and on PGlite, and
 * through the real server store on PostgreSQL, and every engine captures the same row changes.
 */
interface CapturedChange {
  actionId: string;
  table: string;
  rowId: string;
  op: string;
  row: Row | null;
}

interface ServerRun {
  database: string;
  rejected: { id: string; message: string }[];
  changes: CapturedChange[];
}

declare module 'vitest/browser' {
  interface BrowserCommands {
    runDemoActionsOnServer: (clientId: string, actions: { id: string; seq: number; name: string; args: unknown; time: number }[]) => Promise<ServerRun>;
  }
}

const LIST = 'portable-list';
const OTHER_LIST = 'portable-other';

/** Every kind of write the demo makes: inserts, single and multi-row updates, deletes. */
async function runScript(runtime: TandemRuntime): Promise<void> {
  const milk = (await runtime.run('addTodo', { title: 'milk', listId: LIST })) as string;
  const eggs = (await runtime.run('addTodo', { title: 'eggs', listId: LIST })) as string;
  const bread = (await runtime.run('addTodo', { title: 'bread', listId: LIST })) as string;
  await runtime.run('addTodo', { title: 'elsewhere', listId: OTHER_LIST });
  await runtime.run('toggleTodo', { id: milk, completed: true });
  await runtime.run('editTodo', { id: eggs, title: '  free-range eggs ' });
  await runtime.run('toggleAll', { completed: true, listId: LIST });
  await runtime.run('toggleTodo', { id: bread, completed: false });
  await runtime.run('clearCompleted', { listId: LIST });
  await runtime.run('editTodo', { id: bread, title: '' });
}

async function runOn(engine: EngineName, createEngine: CreateEngine, replay?: { clientId: string; records: JournalRecord[] }) {
  const name = `portable-${engine}-${crypto.randomUUID()}`;
  const store = new DexieJournalStore(name);
  // Replaying another engine's journal runs the very same invocations (ids, args, times).
  if (replay) {
    await store.setMeta('clientId', replay.clientId);
    await store.append(replay.records);
  }
  return {
    store,
    runtime: await TandemRuntime.start({
      config: { name, schema: SCHEMA_SQL, actionsUrl: 'https://demo.test/actions.js', engine },
      store,
      createEngine,
      loadActions: async () => actions,
      checkpointIdleMs: 60_000,
    }),
  };
}

const byAction = (changes: CapturedChange[]) => {
  // One statement may touch several rows in engine-specific order; actions keep theirs.
  const groups = new Map<string, CapturedChange[]>();
  for (const c of changes) groups.set(c.actionId, [...(groups.get(c.actionId) ?? []), c]);
  return [...groups].map(([actionId, list]) => ({ actionId, changes: list.sort((a, b) => `${a.rowId}:${a.op}`.localeCompare(`${b.rowId}:${b.op}`)) }));
};

async function localChanges(runtime: TandemRuntime): Promise<{ changes: CapturedChange[]; oldRows: (Row | null)[] }> {
  const rows = await runtime.query('select action_id, table_name, row_id, op, old_row, new_row from tandem_patches order by seq', []);
  return {
    changes: rows.map((r) => ({ actionId: r.action_id as string, table: r.table_name as string, rowId: r.row_id as string, op: r.op as string, row: r.new_row as Row | null })),
    oldRows: rows.map((r) => r.old_row as Row | null),
  };
}

describe('portable actions: the demo on SQLite, PGlite and the server', () => {
  const runtimes: TandemRuntime[] = [];
  let sqlite: TandemRuntime;
  let pglite: TandemRuntime;

  beforeAll(async () => {
    sqlite = (await runOn('sqlite', createSqliteEngine)).runtime;
    runtimes.push(sqlite);
    pglite = (await runOn('pglite', createPgliteEngine)).runtime;
    runtimes.push(pglite);
  }, 120_000);
  afterAll(async () => {
    for (const r of runtimes) await r.close();
  });

  it('captures identical patches on every engine and the server', async () => {
    const { runtime: a, store } = await runOn('sqlite', createSqliteEngine);
    runtimes.push(a);
    await runScript(a);
    // PGlite replays SQLite's journal: the same invocations, as after a crash or on another device.
    const records = (await store.readAfter(0)).map((e) => e.record);
    const { runtime: b } = await runOn('pglite', createPgliteEngine, { clientId: a.clientId, records });
    runtimes.push(b);

    const onSqlite = await localChanges(a);
    const onPglite = await localChanges(b);
    // 4 inserts, 2 single toggles, 1 rename, toggleAll of 2 rows, clearCompleted of 2, 1 delete by edit.
    expect(onSqlite.changes).toHaveLength(12);
    expect(byAction(onSqlite.changes)).toEqual(byAction(onPglite.changes));
    // Old rows too (what a rebase restores), compared in the same per-action order.
    const withOld = (x: { changes: CapturedChange[]; oldRows: (Row | null)[] }) => byAction(x.changes.map((c, i) => ({ ...c, row: x.oldRows[i] ?? null })));
    expect(withOld(onSqlite)).toEqual(withOld(onPglite));
    // Types came through as JSON values, not SQLite's storage classes.
    const firstInsert = onSqlite.changes.find((c) => c.op === 'insert')!.row!;
    expect(firstInsert).toEqual({ id: expect.any(String), list_id: LIST, title: 'milk', completed: false, created_at: expect.any(Number) });

    // The server runs the same invocations (ids, args, times as the client journaled them).
    const pending = await a.query('select seq, id, name, args, time from tandem_pending order by seq', []);
    const server = await commands.runDemoActionsOnServer(
      a.clientId,
      pending.map((p) => ({ id: p.id as string, seq: Number(p.seq), name: p.name as string, args: p.args, time: Number(p.time) })),
    );
    expect(server.rejected).toEqual([]);
    expect(byAction(server.changes), `server database: ${server.database}`).toEqual(byAction(onSqlite.changes));
  });

  it('returns the same rows to queries on both engines', async () => {
    await runScript(sqlite);
    await runScript(pglite);
    const sql = 'select title, completed, list_id from todos order by list_id, title';
    const rows = await sqlite.query(sql, []);
    expect(rows).toEqual(await pglite.query(sql, []));
    expect(rows).toContainEqual({ title: 'elsewhere', completed: false, list_id: OTHER_LIST });
  });
});
