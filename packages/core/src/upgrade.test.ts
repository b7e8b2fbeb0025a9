import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineActions, upgradeActionArgs } from './actions.ts';
import { TandemError } from './errors.ts';

const calls: [unknown, number][] = [];

const actions = defineActions({
  // Version 2 renamed `text` to `title`.
  addTodo: {
    args: z.object({ title: z.string().min(1) }),
    run: () => undefined,
    upgrade(args, fromVersion) {
      calls.push([args, fromVersion]);
      const old = args as { text?: string; title?: string };
      if (fromVersion < 2 && old.text !== undefined) return { title: old.text };
      return args;
    },
  },
  refuses: {
    args: z.object({}),
    run: () => undefined,
    upgrade() {
      throw new Error('lists moved; this cannot be replayed');
    },
  },
  plain: { args: z.object({ n: z.number().int() }), run: () => undefined },
});

const rejection = async (promise: Promise<unknown>): Promise<TandemError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TandemError);
  return error as TandemError;
};

describe('upgradeActionArgs', () => {
  it('runs the hook when the versions differ and validates its result', async () => {
    calls.length = 0;
    expect(await upgradeActionArgs(actions, 'addTodo', { text: 'milk' }, 1, 2)).toEqual({ title: 'milk' });
    expect(calls).toEqual([[{ text: 'milk' }, 1]]);
  });

  it('does not run the hook for args recorded at the current version', async () => {
    calls.length = 0;
    expect(await upgradeActionArgs(actions, 'addTodo', { title: 'milk' }, 2, 2)).toEqual({ title: 'milk' });
    expect(calls).toEqual([]);
    // The hook would have thrown: at the same version it is not consulted.
    expect(await upgradeActionArgs(actions, 'refuses', {}, 3, 3)).toEqual({});
  });

  it('still validates args at the current version and for actions without a hook', async () => {
    const same = await rejection(upgradeActionArgs(actions, 'addTodo', { text: 'milk' }, 2, 2));
    expect(same).toMatchObject({ kind: 'upgrade_rejected', details: { action: 'addTodo', args: { text: 'milk' }, fromVersion: 2, toVersion: 2 } });
    expect(await upgradeActionArgs(actions, 'plain', { n: 1 }, 0, 4)).toEqual({ n: 1 });
    const noHook = await rejection(upgradeActionArgs(actions, 'plain', { n: 'one' }, 0, 4));
    expect(noHook.kind).toBe('upgrade_rejected');
    expect(noHook.message).toMatch(/^Action "plain" recorded under schema version 0 cannot run under version 4: Invalid arguments for action "plain": n:/);
  });

  it('refuses a hook result its schema rejects, with the validation issues as the cause', async () => {
    const error = await rejection(upgradeActionArgs(actions, 'addTodo', { text: '' }, 1, 2));
    expect(error).toMatchObject({ kind: 'upgrade_rejected', details: { action: 'addTodo', args: { text: '' }, fromVersion: 1, toVersion: 2 } });
    expect((error.details as { cause: { issues: { path: string }[] } }).cause.issues.map((i) => i.path)).toEqual(['title']);
  });

  it('refuses when the hook throws, keeping its message', async () => {
    const error = await rejection(upgradeActionArgs(actions, 'refuses', { x: 1 }, 0, 1));
    expect(error.kind).toBe('upgrade_rejected');
    expect(error.message).toMatch(/its upgrade hook threw: lists moved; this cannot be replayed/);
    expect(error.details).toEqual({ action: 'refuses', args: { x: 1 }, fromVersion: 0, toVersion: 1 });
  });

  it('refuses an action this version no longer has, including prototype names', async () => {
    const gone = await rejection(upgradeActionArgs(actions, 'archiveList', { id: 'l1' }, 1, 2));
    expect(gone).toMatchObject({ kind: 'upgrade_rejected', details: { action: 'archiveList', args: { id: 'l1' }, fromVersion: 1, toVersion: 2 } });
    expect(gone.message).toMatch(/no longer has that action/);
    expect((await rejection(upgradeActionArgs(actions, 'toString', {}, 1, 2))).kind).toBe('upgrade_rejected');
  });
});
