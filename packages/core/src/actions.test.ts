import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createActionContext, defineActions, validateActionArgs } from './actions.ts';
import { TandemError } from './errors.ts';
import type { StandardSchemaV1 } from './standard-schema.ts';

const actions = defineActions({
  add: { args: z.object({ title: z.string().trim().min(1), tags: z.array(z.string()).optional() }), run: () => 'ok' },
  when: { args: z.object({ at: z.date() }), run: () => {} },
});

describe('defineActions', () => {
  it('refuses definitions without a Standard Schema or run function', () => {
    expect(() => defineActions({ a: { args: {} as StandardSchemaV1, run: () => {} } })).toThrow(/Standard Schema/);
    expect(() => defineActions({ a: { args: z.object({}), run: 1 as unknown as () => void } })).toThrow(/run\(tx, args, ctx\)/);
    expect(() => defineActions({ 'bad name': { args: z.object({}), run: () => {} } })).toThrow(/not a valid identifier/);
  });
});

describe('validateActionArgs', () => {
  it('returns the schema output (e.g. trimmed)', async () => {
    expect(await validateActionArgs(actions, 'add', { title: '  x ' })).toEqual({ title: 'x' });
  });

  it('reports every failing path with kind invalid_args', async () => {
    const error = await validateActionArgs(actions, 'add', { title: '', tags: [1] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TandemError);
    expect(error).toMatchObject({ kind: 'invalid_args', details: { action: 'add' } });
    const paths = (error as TandemError & { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['title', 'tags.0']));
    expect((error as Error).message).toMatch(/^Invalid arguments for action "add": /);
  });

  it('refuses unknown actions, including prototype names', async () => {
    await expect(validateActionArgs(actions, 'nope', {})).rejects.toMatchObject({ kind: 'unknown_action' });
    await expect(validateActionArgs(actions, 'toString', {})).rejects.toMatchObject({ kind: 'unknown_action' });
    await expect(validateActionArgs(actions, 42, {})).rejects.toMatchObject({ kind: 'unknown_action' });
  });

  it('refuses args that are not JSON, since they are journaled and synced', async () => {
    await expect(validateActionArgs(actions, 'when', { at: new Date() })).rejects.toMatchObject({ kind: 'invalid_args', message: expect.stringContaining('at') });
  });

  it('refuses at the call what the server would refuse: strings Postgres cannot store', async () => {
    // Else the action would be queued, and every push of the outbox refused with it.
    await expect(validateActionArgs(actions, 'add', { title: 'a\u0000b' })).rejects.toMatchObject({
      kind: 'invalid_args',
      message: expect.stringMatching(/^Invalid arguments for action "add": title: the string contains U\+0000/),
    });
    await expect(validateActionArgs(actions, 'add', { title: 'ok', tags: ['\ud800'] })).rejects.toMatchObject({ kind: 'invalid_args', details: { issues: [{ path: 'tags.0' }] } });
  });
});

describe('createActionContext', () => {
  it('derives the same ids on every replay', () => {
    const a = createActionContext('c1-7', 123);
    const b = createActionContext('c1-7', 123);
    expect([a.id(), a.id()]).toEqual(['c1-7.0', 'c1-7.1']);
    expect([b.id(), b.id()]).toEqual(['c1-7.0', 'c1-7.1']);
    expect(a.time).toBe(123);
    expect(a.server).toBe(false);
  });

  it('gives the device its own time as clientTime, and the server both clocks apart', () => {
    expect(createActionContext('c1-7', 123).clientTime).toBe(123);
    const server = createActionContext('c1-7', 500, { server: true, clientTime: 123 });
    expect([server.time, server.clientTime]).toEqual([500, 123]);
  });
});
