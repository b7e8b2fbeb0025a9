import { describe, expect, it } from 'vitest';
import { parseClientSocketMessage, parsePullRequest, parsePushRequest, parsePushResponse, parseServerSocketMessage, SYNC_LIMITS } from './sync-protocol.ts';
import { TandemError } from './errors.ts';

const change = (version: number, extra: Record<string, unknown> = {}) => ({
  version,
  actionId: 'c1-1',
  channel: 'list-1',
  table: 'todos',
  rowId: 't1',
  op: 'insert',
  row: { id: 't1', title: 'x' },
  ...extra,
});

describe('poke messages', () => {
  it('accepts a poke with or without its commit changes', () => {
    expect(parseServerSocketMessage({ type: 'poke', version: 7 })).toEqual({ type: 'poke', version: 7 });
    const delete_ = change(7, { op: 'delete', row: null });
    expect(parseServerSocketMessage({ type: 'poke', version: 7, changes: [change(7), delete_] })).toEqual({ type: 'poke', version: 7, changes: [change(7), delete_] });
  });

  it('refuses changes that are not all of the poked commit, malformed, empty or too many', () => {
    expect(() => parseServerSocketMessage({ type: 'poke', version: 7, changes: [change(7), change(6)] })).toThrow(/all belong to commit 7; one has version 6/);
    expect(() => parseServerSocketMessage({ type: 'poke', version: 7, changes: [change(7, { op: 'upsert' })] })).toThrow(/poke changes\[0\] is malformed/);
    expect(() => parseServerSocketMessage({ type: 'poke', version: 7, changes: [change(7, { row: [1] })] })).toThrow(/poke changes\[0\] is malformed/);
    expect(() => parseServerSocketMessage({ type: 'poke', version: 7, changes: [change(7, { op: 'delete' })] })).toThrow(/malformed/);
    expect(() => parseServerSocketMessage({ type: 'poke', version: 7, changes: [] })).toThrow(/poke.changes must be an array of 1-/);
    expect(() => parseServerSocketMessage({ type: 'poke', version: 7, changes: {} })).toThrow(/poke.changes must be an array/);
    const many = Array.from({ length: SYNC_LIMITS.pokeChanges + 1 }, () => change(7));
    expect(() => parseServerSocketMessage({ type: 'poke', version: 7, changes: many })).toThrow(/poke.changes must be an array of 1-1000/);
    expect(() => parseServerSocketMessage({ type: 'poke', version: -1 })).toThrow(/poke.version must be an integer/);
  });
});

describe('push responses', () => {
  const response = { lastSeq: 3, rejected: [], version: 7 };

  it('may carry the commit\'s changes, even none (a commit that changed no row)', () => {
    expect(parsePushResponse(response)).toEqual(response);
    expect(parsePushResponse({ ...response, changes: [change(7)] })).toEqual({ ...response, changes: [change(7)] });
    expect(parsePushResponse({ ...response, changes: [] })).toEqual({ ...response, changes: [] });
  });

  it('refuses changes of another commit, malformed ones or too many', () => {
    expect(() => parsePushResponse({ ...response, changes: [change(6)] })).toThrow(/push response changes must all belong to commit 7; one has version 6/);
    expect(() => parsePushResponse({ ...response, changes: [change(7, { op: 'upsert' })] })).toThrow(/push response changes\[0\] is malformed/);
    expect(() => parsePushResponse({ ...response, changes: 'all' })).toThrow(/push response.changes must be an array of 0-1000/);
    const many = Array.from({ length: SYNC_LIMITS.pokeChanges + 1 }, () => change(7));
    expect(() => parsePushResponse({ ...response, changes: many })).toThrow(/push response.changes must be an array/);
  });
});

describe('strings that reach Postgres (refused as invalid_request, nothing else runs)', () => {
  const push = (name: string, args: unknown = {}) => ({ clientId: 'c', actions: [{ id: 'c-1', seq: 1, name, args, time: 1 }] });
  const refusal = (fn: () => unknown): TandemError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(TandemError);
      expect((e as TandemError).kind).toBe('invalid_request');
      return e as TandemError;
    }
    throw new Error('expected a refusal');
  };

  it('an action time that is no integer ms since the epoch (the store keeps it as a bigint)', () => {
    const withTime = (time: unknown) => ({ clientId: 'c', actions: [{ id: 'c-1', seq: 1, name: 'add', args: {}, time }] });
    expect(parsePushRequest(withTime(1_733_000_000_000)).actions[0]!.time).toBe(1_733_000_000_000);
    for (const time of [1e308, 2 ** 53, 1.5, Number.NaN, '1', null]) {
      expect(refusal(() => parsePushRequest(withTime(time))).message).toBe('actions[0].time must be an integer number of ms since the epoch.');
    }
  });

  it('an action name with U+0000, a lone surrogate or a control character', () => {
    expect(parsePushRequest(push('addTodo ✓')).actions[0]!.name).toBe('addTodo ✓');
    expect(refusal(() => parsePushRequest(push('bad\u0000name'))).message).toBe(
      'actions[0].name contains U+0000 (NUL) at index 3: an action name may not hold control characters or invalid Unicode.',
    );
    expect(refusal(() => parsePushRequest(push('bad\ud800name'))).message).toMatch(/actions\[0\]\.name contains a lone UTF-16 surrogate \(U\+D800\)/);
    expect(refusal(() => parsePushRequest(push('a\nb'))).message).toMatch(/control character \(U\+000A\)/);
    expect(refusal(() => parsePushRequest(push('x'.repeat(65)))).message).toMatch(/1-64 characters/);
  });

  it('args with such strings or keys anywhere, or nested too deeply, with the path and the limit', () => {
    expect(refusal(() => parsePushRequest(push('a', { list: [{ title: 'x\u0000' }] }))).message).toMatch(/actions\[0\]\.args must be JSON \(list\.0\.title: the string contains U\+0000/);
    expect(refusal(() => parsePushRequest(push('a', { ['\udfff']: 1 }))).message).toMatch(/the key contains a lone UTF-16 surrogate/);
    let deep: unknown = 1;
    for (let i = 0; i <= SYNC_LIMITS.jsonDepth; i++) deep = [deep];
    expect(refusal(() => parsePushRequest(push('a', deep))).message).toMatch(new RegExp(`nesting is deeper than ${SYNC_LIMITS.jsonDepth} levels`));
    // Text with ordinary controls (newlines, tabs) is data, not a name: it passes.
    expect(parsePushRequest(push('a', { body: 'two\nlines\t' })).actions[0]!.args).toEqual({ body: 'two\nlines\t' });
  });

  it('channel names in pulls, hellos and channel messages; hello tokens', () => {
    expect(refusal(() => parsePullRequest({ clientId: 'c', channels: [{ channel: 'r\u0000', cursor: 0 }] })).message).toMatch(/channels\[0\]\.channel contains U\+0000/);
    expect(refusal(() => parseClientSocketMessage({ type: 'hello', clientId: 'c', channels: ['ok', 'r\ud800'] })).message).toMatch(/hello\.channels\[1\] contains a lone/);
    expect(refusal(() => parseClientSocketMessage({ type: 'channels', channels: ['\u0007'] })).message).toMatch(/channels\[0\] contains a control character/);
    expect(refusal(() => parseClientSocketMessage({ type: 'hello', token: 'tok\u0000', clientId: 'c', channels: [] })).message).toMatch(/hello\.token contains U\+0000/);
    expect(parseClientSocketMessage({ type: 'hello', token: '', clientId: 'c', channels: [] })).toMatchObject({ token: '' });
  });

  it('unknown fields are named briefly, however many a peer sends', () => {
    const o: Record<string, unknown> = { clientId: 'c', actions: [] };
    for (let i = 0; i < 10_000; i++) o[`field${i}`.padEnd(100, 'x')] = 1;
    const message = refusal(() => parsePushRequest(o)).message;
    expect(message).toMatch(/and 9995 more; allowed: clientId, actions, schemaVersion\.$/);
    expect(message.length).toBeLessThan(400);
  });
});
