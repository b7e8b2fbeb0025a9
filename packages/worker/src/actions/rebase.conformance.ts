import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineActions } from '@tandem/core';
import type { Change, PullResponse, Row } from '@tandem/core';
import { z } from 'zod';
import type { CreateEngine, Engine, EngineTx } from '../engine/engine.ts';
import { executeAction } from './action-executor.ts';
import { CURSORS_META_KEY, rebase } from './rebase.ts';

/** Portable: the same DDL on both engines (see docs/portable-actions.md). */
export const REBASE_SCHEMA = `
create table todos (id text primary key, list_id text not null, title text not null, done boolean not null default false);
`;
const channels = { todos: 'list_id' };

export const rebaseActions = defineActions({
  add: {
    args: z.object({ list: z.string(), title: z.string() }),
    async run(tx, a, ctx) {
      const id = ctx.id();
      await tx.query('insert into todos (id, list_id, title) values ($1, $2, $3)', [id, a.list, a.title]);
      return id;
    },
  },
  rename: {
    args: z.object({ id: z.string(), title: z.string() }),
    async run(tx, a) {
      const rows = await tx.query('update todos set title = $2 where id = $1 returning id', [a.id, a.title]);
      if (rows.length === 0) throw new Error(`no todo ${a.id}`);
    },
  },
});

const actions = rebaseActions;

/**
 * Rebase on one engine: the fast path, replay on the server's state, rejections, snapshots (reset),
 * last-change-wins. `extraSchema` lets an engine's own file add what only it can express, and
 * `extra` its own cases (they get the same helpers).
 */
export function runRebaseConformance(name: string, create: CreateEngine, options: { extraSchema?: string; extra?: (h: RebaseHelpers) => void } = {}): void {
describe(`rebase conformance: ${name}`, () => {
  let engine: Engine;
  let seq = 0;

  let image: Blob;

  // Engine set-up once (PGlite's initdb takes seconds), then every test starts from its image.
  beforeAll(async () => {
    const first = await create({});
    await first.exec(REBASE_SCHEMA + (options.extraSchema ?? ''));
    await first.installCapture(await first.syncedTables());
    image = await first.snapshot();
    await first.close();
  }, 120_000);

  beforeEach(async () => {
    engine = await create({ image });
    seq = 0;
  });
  afterEach(() => engine.close());
  const env = () => ({ dialect: engine.dialect, definitions: actions, channelColumns: channels });

  /** Runs an action locally as the runtime does: capture + pending record. */
  async function local(name: keyof typeof actions, args: unknown): Promise<string> {
    const s = ++seq;
    const id = `c1-${s}`;
    await engine.transaction(async (tx) => {
      await executeAction(tx, engine.dialect, actions, { kind: 'action', id, clientSeq: s, name, args, time: 1000 + s });
      await tx.recordPending([{ seq: s, id, name, args, time: 1000 + s }]);
    });
    return id;
  }

  const rows = () => engine.query<Row>('select id, list_id, title, done from todos order by id');
  const pending = () => engine.query<{ id: string }>('select id from tandem_pending order by seq');
  const patchCount = async () => Number((await engine.query<{ n: number }>('select count(*) as n from tandem_patches'))[0]!.n);
  const pull = (p: Partial<PullResponse>): PullResponse => ({ version: 1, changes: [], snapshots: [], lastSeq: 0, rejected: [], more: false, ...p });
  const change = (c: Partial<Change> & Pick<Change, 'rowId' | 'op' | 'row'>): Change => ({ version: 1, actionId: 'other-1', channel: 'L', table: 'todos', ...c });
  const run = (p: PullResponse) => engine.transaction((tx) => rebase(tx, env(), p, ['L']));
  options.extra?.({ engine: () => engine, local, rows, pull, change, run });

  it('fast path: the server confirms our actions with the same patches, so nothing is rewritten', async () => {
    await local('add', { list: 'L', title: 'a' });
    await local('add', { list: 'L', title: 'b' });
    const before = await rows();
    const result = await run(
      pull({
        lastSeq: 2,
        changes: [
          change({ actionId: 'c1-1', rowId: 'c1-1.0', op: 'insert', row: { id: 'c1-1.0', list_id: 'L', title: 'a', done: false } }),
          change({ actionId: 'c1-2', rowId: 'c1-2.0', op: 'insert', row: { id: 'c1-2.0', list_id: 'L', title: 'b', done: false } }),
        ],
      }),
    );
    expect(result.fastPath).toBe(true);
    expect(result.confirmed).toBe(2);
    expect(result.changedTables.size).toBe(0);
    expect(await rows()).toEqual(before);
    expect(await pending()).toEqual([]);
    expect(await patchCount()).toBe(0);
    const cursors = await engine.transaction((tx) => tx.readMeta<Record<string, number>>(CURSORS_META_KEY));
    expect(cursors).toEqual({ L: 1 });
  });

  it('slow path: another client wrote first; our pending rename replays on top of the server state', async () => {
    const id = await local('add', { list: 'L', title: 'mine' });
    // Server: our add (confirmed), then someone else renamed it; our local rename is still pending.
    await local('rename', { id: `${id}.0`, title: 'local rename' });
    const result = await run(
      pull({
        lastSeq: 1,
        changes: [
          change({ actionId: 'c1-1', rowId: 'c1-1.0', op: 'insert', row: { id: 'c1-1.0', list_id: 'L', title: 'mine', done: false } }),
          change({ actionId: 'c2-1', rowId: 'c1-1.0', op: 'update', row: { id: 'c1-1.0', list_id: 'L', title: 'their rename', done: true } }),
          change({ actionId: 'c2-2', rowId: 'x', op: 'insert', row: { id: 'x', list_id: 'L', title: 'theirs', done: false } }),
        ],
      }),
    );
    expect(result.fastPath).toBe(false);
    expect(result.changedTables).toEqual(new Set(['todos']));
    // The pending rename re-ran on the server state: their `done` stays, our title wins locally.
    expect(await rows()).toEqual([
      { id: 'c1-1.0', list_id: 'L', title: 'local rename', done: true },
      { id: 'x', list_id: 'L', title: 'theirs', done: false },
    ]);
    expect(await pending()).toEqual([{ id: 'c1-2' }]);
    // Only the replayed action's patch remains, so the next rebase can undo it.
    expect(await patchCount()).toBe(1);
  });

  it('a rejected action is rolled back and reported', async () => {
    await local('add', { list: 'L', title: 'keep' });
    await local('add', { list: 'L', title: 'refused' });
    const rejection = { id: 'c1-2', seq: 2, name: 'add', error: { kind: 'action_failed' as const, message: 'no' } };
    const result = await run(
      pull({
        lastSeq: 2,
        rejected: [rejection],
        changes: [change({ actionId: 'c1-1', rowId: 'c1-1.0', op: 'insert', row: { id: 'c1-1.0', list_id: 'L', title: 'keep', done: false } })],
      }),
    );
    // With the action's args, which the server's verdict lacks: the app can offer it again.
    expect(result.rejected).toEqual([{ ...rejection, args: { list: 'L', title: 'refused' } }]);
    expect(result.confirmed).toBe(1);
    expect((await rows()).map((r) => r.title)).toEqual(['keep']);
    expect(await pending()).toEqual([]);
  });

  it('a snapshot replaces the channel rows (reset) and pending actions replay on it', async () => {
    await local('add', { list: 'L', title: 'pending' });
    // A row of another channel is left alone.
    await engine.transaction(async (tx) => {
      await tx.applyServerRows({ replaceChannels: [], changes: [{ table: 'todos', rowId: 'o', op: 'insert', row: { id: 'o', list_id: 'OTHER', title: 'other', done: false } }] });
    });
    const result = await run(pull({ version: 7, snapshots: [{ channel: 'L', tables: { todos: [{ id: 's1', list_id: 'L', title: 'server', done: true }] } }] }));
    expect(result.fastPath).toBe(false);
    expect((await rows()).map((r) => `${r.id}:${r.title}`)).toEqual(['c1-1.0:pending', 'o:other', 's1:server']);
    expect(await pending()).toEqual([{ id: 'c1-1' }]);
    const cursors = await engine.transaction((tx) => tx.readMeta<Record<string, number>>(CURSORS_META_KEY));
    expect(cursors).toEqual({ L: 7 });
  });

  it('snapshots into an empty table (a new client) insert every channel’s rows as sent, then later snapshots replace them', async () => {
    const todoRow = (id: string, list: string, title: string, done = false) => ({ id, list_id: list, title, done });
    const both = (p: PullResponse) => engine.transaction((tx) => rebase(tx, env(), p, ['L', 'M']));
    await both(
      pull({
        version: 3,
        snapshots: [
          { channel: 'L', tables: { todos: [todoRow('l1', 'L', 'one', true), todoRow('l2', 'L', 'two')] } },
          { channel: 'M', tables: { todos: [todoRow('m1', 'M', 'em')] } },
        ],
        // A change in the same pull still applies on top of the inserted rows.
        changes: [change({ version: 3, channel: 'M', rowId: 'm1', op: 'update', row: todoRow('m1', 'M', 'em!') })],
      }),
    );
    expect(await rows()).toEqual([todoRow('l1', 'L', 'one', true), todoRow('l2', 'L', 'two'), todoRow('m1', 'M', 'em!')]);
    // The table holds rows now: L's snapshot replaces L's rows (l2 is gone) and leaves M's alone.
    await both(pull({ version: 4, snapshots: [{ channel: 'L', tables: { todos: [todoRow('l1', 'L', 'uno')] } }] }));
    expect(await rows()).toEqual([todoRow('l1', 'L', 'uno'), todoRow('m1', 'M', 'em!')]);
  });

  it('a channel whose snapshot comes twice in one pull still applies into an empty table (no plain insert then)', async () => {
    const todoRow = (id: string, title: string) => ({ id, list_id: 'L', title, done: false });
    await run(pull({ version: 2, snapshots: [{ channel: 'L', tables: { todos: [todoRow('a', 'first')] } }, { channel: 'L', tables: { todos: [todoRow('a', 'second'), todoRow('b', 'b')] } }] }));
    expect(await rows()).toEqual([todoRow('a', 'second'), todoRow('b', 'b')]);
  });

  it('applies only each row’s last change, whatever the number of changes', async () => {
    const changes: Change[] = [];
    for (let i = 0; i < 200; i++) changes.push(change({ rowId: `r${i % 10}`, op: 'insert', row: { id: `r${i % 10}`, list_id: 'L', title: `t${i}`, done: false } }));
    changes.push(change({ rowId: 'r0', op: 'delete', row: null }));
    await run(pull({ changes }));
    const got = await rows();
    expect(got).toHaveLength(9);
    expect(got.find((r) => r.id === 'r9')!.title).toBe('t199');
  });

  const cursorsNow = () => engine.transaction((tx) => tx.readMeta<Record<string, number>>(CURSORS_META_KEY));
  const todo = (id: string, title: string, version: number) => change({ version, rowId: id, op: 'update', row: { id, list_id: 'L', title, done: false } });

  it('a poke (one commit) applies only where the cursor is right below it, and changes nothing otherwise', async () => {
    await run(pull({ version: 4, changes: [change({ version: 4, rowId: 'p', op: 'insert', row: { id: 'p', list_id: 'L', title: 'v4', done: false } })] }));
    // Commit 6 cannot follow cursor 4 (commit 5 is missing): nothing changes, the caller pulls.
    const gap = await engine.transaction((tx) => rebase(tx, env(), pull({ version: 6, changes: [todo('p', 'v6', 6)] }), ['L'], 5));
    expect(gap.applied).toBe(false);
    expect((await rows()).map((r) => r.title)).toEqual(['v4']);
    expect(await cursorsNow()).toEqual({ L: 4 });
    // Commit 5 follows on: applied, cursor 5.
    const next = await engine.transaction((tx) => rebase(tx, env(), pull({ version: 5, changes: [todo('p', 'v5', 5)] }), ['L'], 4));
    expect(next.applied).toBe(true);
    expect(next.cursors).toEqual({ L: 5 });
    expect((await rows()).map((r) => r.title)).toEqual(['v5']);
    // A channel never pulled (cursor 0) waits for its snapshot: a poke cannot stand in for it.
    const fresh = await engine.transaction((tx) => rebase(tx, env(), pull({ version: 1, changes: [change({ channel: 'M', rowId: 'm', op: 'insert', row: { id: 'm', list_id: 'M', title: 'm', done: false } })] }), ['M'], 0));
    expect(fresh.applied).toBe(false);
    expect((await rows()).map((r) => r.id)).toEqual(['p']);
  });

  it('skips changes at or below the cursor: a late pull cannot undo what a poke already applied', async () => {
    await run(pull({ version: 2, changes: [change({ version: 2, rowId: 'p', op: 'insert', row: { id: 'p', list_id: 'L', title: 'v2', done: false } })] }));
    await engine.transaction((tx) => rebase(tx, env(), pull({ version: 3, changes: [todo('p', 'v3', 3)] }), ['L'], 2));
    // A pull sent at cursor 2 and answered at 3 and then 4 arrives after the poke of 3.
    const late = await run(pull({ version: 3, changes: [todo('p', 'v3 again', 3)] }));
    expect(late.changedTables.size).toBe(0);
    expect((await rows()).map((r) => r.title)).toEqual(['v3']);
    await run(pull({ version: 4, changes: [todo('p', 'stale v3', 3), todo('p', 'v4', 4)] }));
    expect((await rows()).map((r) => r.title)).toEqual(['v4']);
    expect(await cursorsNow()).toEqual({ L: 4 });
  });

  it('a snapshot sets the cursor to its version even below the current one (a server restored from a backup)', async () => {
    await run(pull({ version: 9 }));
    await run(pull({ version: 5, snapshots: [{ channel: 'L', tables: { todos: [{ id: 'r', list_id: 'L', title: 'restored', done: false }] } }] }));
    expect(await cursorsNow()).toEqual({ L: 5 });
    expect((await rows()).map((r) => r.title)).toEqual(['restored']);
  });

  it('patches belong only to pending actions after every path, so a device with nothing pending need not read them', async () => {
    const orphanPatches = async () =>
      Number((await engine.query<{ n: number }>('select count(*) as n from tandem_patches where action_id not in (select id from tandem_pending)'))[0]!.n);
    const a = await local('add', { list: 'L', title: 'a' });
    await local('add', { list: 'L', title: 'b' });
    await local('rename', { id: `${a}.0`, title: 'a2' });
    await local('add', { list: 'L', title: 'c' });
    expect(await orphanPatches()).toBe(0);
    // Fast path: the first add confirmed with exactly its patch; the rest stay pending with theirs.
    const fast = await run(pull({ version: 2, lastSeq: 1, changes: [change({ version: 2, actionId: 'c1-1', rowId: 'c1-1.0', op: 'insert', row: { id: 'c1-1.0', list_id: 'L', title: 'a', done: false } })] }));
    expect(fast.fastPath).toBe(true);
    expect(await orphanPatches()).toBe(0);
    expect(await patchCount()).toBe(3);
    // Slow path: the second add rejected, the rename confirmed, the last add replays (and stays).
    const slow = await run(
      pull({
        version: 3,
        lastSeq: 3,
        rejected: [{ id: 'c1-2', seq: 2, name: 'add', error: { kind: 'action_failed', message: 'no' } }],
        changes: [change({ version: 3, actionId: 'c1-3', rowId: 'c1-1.0', op: 'update', row: { id: 'c1-1.0', list_id: 'L', title: 'a2', done: false } })],
      }),
    );
    expect(slow.fastPath).toBe(false);
    expect(await pending()).toEqual([{ id: 'c1-4' }]);
    expect(await orphanPatches()).toBe(0);
    expect(await patchCount()).toBe(1);
    // The last add confirmed with a server change of someone else's in between: the slow path again.
    await run(
      pull({
        version: 4,
        lastSeq: 4,
        changes: [
          change({ version: 4, actionId: 'other-9', rowId: 'o', op: 'insert', row: { id: 'o', list_id: 'L', title: 'other', done: false } }),
          change({ version: 4, actionId: 'c1-4', rowId: 'c1-4.0', op: 'insert', row: { id: 'c1-4.0', list_id: 'L', title: 'c', done: false } }),
        ],
      }),
    );
    expect(await pending()).toEqual([]);
    expect(await patchCount()).toBe(0);

    // Nothing pending: the change applies without reading or reverting patches.
    const calls: string[] = [];
    // The transaction, recording which of its methods the rebase calls.
    const spying = (tx: EngineTx) =>
      new Proxy(tx, {
        get(target, key, receiver) {
          const value: unknown = Reflect.get(target, key, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(String(key));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const result = await engine.transaction((tx) => rebase(spying(tx), env(), pull({ version: 5, changes: [change({ version: 5, rowId: 'r', op: 'insert', row: { id: 'r', list_id: 'L', title: 'remote', done: false } })] }), ['L']));
    expect(result.changedTables).toEqual(new Set(['todos']));
    expect(result.patchesChanged).toBe(false);
    expect(calls).not.toContain('patchesSince');
    expect(calls).not.toContain('revert');
    expect((await rows()).map((r) => `${r.id}:${r.title}`)).toEqual(['c1-1.0:a2', 'c1-4.0:c', 'o:other', 'r:remote']);
    expect(await cursorsNow()).toEqual({ L: 5 });

    // A caller that knows the cursors and that nothing is pending spares the read: its cursors decide.
    calls.length = 0;
    const known = await engine.transaction((tx) => rebase(spying(tx), env(), pull({ version: 6, changes: [todo('r', 'remote v6', 6)] }), ['L'], 5, { cursors: { L: 5 } }));
    expect(known.applied).toBe(true);
    expect(calls).not.toContain('readMetaAndPending');
    expect(await cursorsNow()).toEqual({ L: 6 });
    expect((await rows()).find((r) => r.id === 'r')!.title).toBe('remote v6');
  });

  it('a pending action that fails on the new server state stays pending for the server to settle', async () => {
    const id = await local('add', { list: 'L', title: 'x' });
    await local('rename', { id: `${id}.0`, title: 'y' });
    // The server says our add was rejected: the rename now has no row to rename.
    const result = await run(pull({ lastSeq: 1, rejected: [{ id: 'c1-1', seq: 1, name: 'add', error: { kind: 'action_failed', message: 'no' } }] }));
    expect(result.replayFailures.map((f) => f.id)).toEqual(['c1-2']);
    expect(await rows()).toEqual([]);
    expect(await pending()).toEqual([{ id: 'c1-2' }]);
  });
});
}

export interface RebaseHelpers {
  engine: () => Engine;
  local: (name: keyof typeof rebaseActions, args: unknown) => Promise<string>;
  rows: () => Promise<Row[]>;
  pull: (p: Partial<PullResponse>) => PullResponse;
  change: (c: Partial<Change> & Pick<Change, 'rowId' | 'op' | 'row'>) => Change;
  run: (p: PullResponse) => ReturnType<typeof rebase>;
}

/**
 * For an engine's own file, with `extraSchema` defining table `inserts_seen` (one row, n = 0) and an
 * app trigger on todos that increments it: the server's rows must not fire app triggers.
 */
export function appTriggerCase({ engine, local, rows, pull, change, run }: RebaseHelpers): void {
  it('the server’s rows do not re-run app triggers (their effects are already in the server state)', async () => {
    await local('add', { list: 'L', title: 'local' });
    const seen = async () => Number((await engine().query<{ n: number }>('select n from inserts_seen'))[0]!.n);
    expect(await seen()).toBe(1);
    await run(pull({ changes: [change({ rowId: 's', op: 'insert', row: { id: 's', list_id: 'L', title: 'server', done: false } })] }));
    // The pending local add was reverted and replayed (its trigger ran again: +1 - the revert does not
    // undo a non-synced side effect), but the server's row did not fire it.
    expect((await rows()).map((r) => r.id)).toEqual(['c1-1.0', 's']);
    expect(await seen()).toBe(2);
  });
}
