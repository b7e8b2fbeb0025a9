import { PGlite } from '@electric-sql/pglite';
import { createActionContext, ErrorKind, validateActionArgs, type ActionTx } from '@tandem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import actions from './actions.ts';
import { SCHEMA_SQL } from './schema.ts';

type Name = keyof typeof actions;

async function rejection(name: Name, args: unknown): Promise<{ kind: string; message: string; details?: unknown }> {
  try {
    await validateActionArgs(actions, name, args);
  } catch (e) {
    return e as { kind: string; message: string };
  }
  throw new Error(`expected ${name}(${JSON.stringify(args)}) to be refused`);
}

describe('demo action args', () => {
  it('refuses empty and overlong titles, and trims the rest', async () => {
    for (const title of ['', '   ', '\n\t']) {
      const e = await rejection('addTodo', { title });
      expect(e.kind).toBe(ErrorKind.invalidArgs);
      expect(e.message).toContain('title');
    }
    expect((await rejection('addTodo', { title: 'x'.repeat(501) })).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('addTodo', {})).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('addTodo', { title: 42 })).kind).toBe(ErrorKind.invalidArgs);
    expect(await validateActionArgs(actions, 'addTodo', { title: '  buy milk ' })).toEqual({ title: 'buy milk', listId: 'default' });
    expect(await validateActionArgs(actions, 'addTodo', { title: 'x'.repeat(500) })).toMatchObject({ title: 'x'.repeat(500) });
  });

  it('refuses missing or empty ids and non-boolean flags', async () => {
    expect((await rejection('toggleTodo', { completed: true })).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('toggleTodo', { id: 'a', completed: 'yes' })).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('deleteTodo', {})).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('deleteTodo', { id: '' })).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('editTodo', { id: 'a' })).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('editTodo', { title: 'x' })).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('toggleAll', {})).kind).toBe(ErrorKind.invalidArgs);
    expect((await rejection('clearCompleted', { listId: '' })).kind).toBe(ErrorKind.invalidArgs);
  });

  it('accepts an empty edit (it deletes) and defaults the list', async () => {
    expect(await validateActionArgs(actions, 'editTodo', { id: 'a', title: '   ' })).toEqual({ id: 'a', title: '' });
    expect(await validateActionArgs(actions, 'clearCompleted', {})).toEqual({ listId: 'default' });
    expect(await validateActionArgs(actions, 'toggleAll', { completed: true })).toEqual({ completed: true, listId: 'default' });
  });
});

// The actions' SQL against a real Postgres engine (PGlite in memory), the way the worker runs them:
// validated args, one transaction per invocation, deterministic context.
describe('demo actions on PGlite', () => {
  let pg: PGlite;
  let seq = 0;

  beforeAll(async () => {
    pg = await PGlite.create({ dataDir: 'memory://' });
    await pg.exec(SCHEMA_SQL);
  });
  afterAll(async () => {
    await pg?.close();
  });

  async function invoke(name: Name, args: unknown, time = 1_700_000_000_000 + seq): Promise<unknown> {
    const valid = await validateActionArgs(actions, name, args);
    const ctx = createActionContext(`act${++seq}`, time);
    return pg.transaction(async (t) => {
      const tx: ActionTx = { dialect: 'postgres', query: async (sql, params) => (await t.query(sql, params as unknown[])).rows as never };
      const def = actions[name] as { run: (tx: ActionTx, args: unknown, c: typeof ctx) => unknown };
      return def.run(tx, valid, ctx);
    });
  }
  const todos = async () =>
    (await pg.query<{ id: string; title: string; completed: boolean }>('SELECT id, title, completed FROM todos ORDER BY created_at, id')).rows;

  it('orders todos by the device clock: on the server ctx.time is the push time, shared by a whole push', async () => {
    const clientTime = 1_600_000_000_000;
    const valid = await validateActionArgs(actions, 'addTodo', { title: 'offline', listId: 'clock' });
    const ctx = createActionContext('srv-clock', 1_900_000_000_000, { server: true, clientTime });
    await pg.transaction(async (t) => {
      const tx: ActionTx = { dialect: 'postgres', query: async (sql, params) => (await t.query(sql, params as unknown[])).rows as never };
      await actions.addTodo.run(tx, valid as never, ctx);
    });
    const [row] = (await pg.query<{ created_at: string | number }>("SELECT created_at FROM todos WHERE list_id = 'clock'")).rows;
    expect(Number(row!.created_at)).toBe(clientTime);
    await pg.query("DELETE FROM todos WHERE list_id = 'clock'"); // the other tests list every todo
  });

  it('adds, toggles, edits, deletes, toggles all and clears completed', async () => {
    const a = await invoke('addTodo', { title: '  first ' });
    expect(a).toBe(`act${seq}.0`);
    const b = (await invoke('addTodo', { title: 'second' })) as string;
    const c = (await invoke('addTodo', { title: 'third' })) as string;
    expect(await todos()).toEqual([
      { id: a, title: 'first', completed: false },
      { id: b, title: 'second', completed: false },
      { id: c, title: 'third', completed: false },
    ]);

    await invoke('toggleTodo', { id: b, completed: true });
    await invoke('editTodo', { id: a, title: ' renamed ' });
    expect(await todos()).toEqual([
      { id: a, title: 'renamed', completed: false },
      { id: b, title: 'second', completed: true },
      { id: c, title: 'third', completed: false },
    ]);

    expect(await invoke('editTodo', { id: c, title: '  ' })).toEqual({ deleted: true });
    expect((await todos()).map((t) => t.id)).toEqual([a, b]);

    expect(await invoke('toggleAll', { completed: true })).toBe(1);
    expect((await todos()).every((t) => t.completed)).toBe(true);
    expect(await invoke('toggleAll', { completed: false })).toBe(2);
    await invoke('toggleTodo', { id: a, completed: true });
    expect(await invoke('clearCompleted', {})).toBe(1);
    expect((await todos()).map((t) => t.id)).toEqual([b]);

    await invoke('deleteTodo', { id: b });
    expect(await todos()).toEqual([]);
  });

  it('fails clearly on unknown ids and writes nothing', async () => {
    const id = (await invoke('addTodo', { title: 'keep me' })) as string;
    for (const [name, args] of [
      ['toggleTodo', { id: 'nope', completed: true }],
      ['editTodo', { id: 'nope', title: 'x' }],
      ['editTodo', { id: 'nope', title: '' }],
      ['deleteTodo', { id: 'nope' }],
    ] as const) {
      await expect(invoke(name, args)).rejects.toThrow(/todo "nope": it does not exist/);
    }
    expect(await todos()).toEqual([{ id, title: 'keep me', completed: false }]);
  });

  it('is deterministic: the same invocation gives the same row', async () => {
    await pg.exec('DELETE FROM todos');
    const id = await invoke('addTodo', { title: 'x' }, 123);
    const row = (await pg.query('SELECT * FROM todos')).rows[0];
    expect(row).toEqual({ id, list_id: 'default', title: 'x', completed: false, created_at: expect.anything() });
    expect(Number((row as { created_at: unknown }).created_at)).toBe(123);
  });
});
