import { describe, expect, it } from 'vitest';
import { parseConnectRequest, parseParams, parseSql } from './protocol.ts';

const ok = { tabId: 'tab-1', config: { schema: 'create table t (id text primary key)', actionsUrl: 'https://a.test/actions.js' } };

describe('protocol validators', () => {
  it('accepts a well-formed connect request', () => {
    expect(parseConnectRequest(ok)).toEqual(ok);
  });

  it.each([
    [null, 'invalid_request'],
    [{ ...ok, tabId: 'bad id!' }, 'invalid_request'],
    [{ ...ok, config: { ...ok.config, schema: '' } }, 'schema_error'],
    [{ ...ok, config: { ...ok.config, actionsUrl: './relative.js' } }, 'invalid_request'],
    [{ ...ok, config: { ...ok.config, engine: 'mysql' } }, 'invalid_request'],
    [{ ...ok, config: { ...ok.config, checkpointEvery: 0 } }, 'invalid_request'],
    [{ ...ok, config: { ...ok.config, durability: 'maybe' } }, 'invalid_request'],
  ])('refuses %j with %s', (request, kind) => {
    expect(() => parseConnectRequest(request)).toThrow(expect.objectContaining({ kind }));
  });

  it('validates sql and params', () => {
    expect(() => parseSql('')).toThrow(/non-empty/);
    expect(() => parseSql(1)).toThrow(/non-empty/);
    expect(parseParams(undefined)).toEqual([]);
    expect(() => parseParams('x')).toThrow(/array/);
    expect(() => parseParams([{}])).toThrow(/params\[0\]/);
    expect(parseParams([1, 'a', null, true])).toEqual([1, 'a', null, true]);
  });

  it('refuses a Date for the SQLite engine only, naming the fix', () => {
    const params = [5n, new Date(0), new Uint8Array([1])];
    expect(parseParams(params, 'pglite')).toBe(params);
    expect(parseParams([5n, new Uint8Array([1])], 'sqlite')).toEqual([5n, new Uint8Array([1])]);
    expect(() => parseParams(params, 'sqlite')).toThrow(expect.objectContaining({ kind: 'invalid_request', message: expect.stringMatching(/params\[1\] is a Date.*toISOString/) }));
  });
});
