import { describe, expect, it } from 'vitest';
import { parsePushResponse, parseServerSocketMessage, SYNC_LIMITS } from './sync-protocol.ts';

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
