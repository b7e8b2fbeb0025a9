// parseSyncToken's own file: protocol.test.ts is busy on other branches.
import { describe, expect, it } from 'vitest';
import { parseConnectRequest, parseSyncToken, parseTokenAnswer } from './protocol.ts';
import { parseClientSocketMessage } from './sync-protocol.ts';

describe('parseSyncToken: the rule socket tokens follow', () => {
  it('keeps a printable token, JWTs and non-ASCII included', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
    expect(parseSyncToken(jwt)).toBe(jwt);
    expect(parseSyncToken('jeton-é-🔑')).toBe('jeton-é-🔑');
  });

  it.each([
    ['a NUL', 'abc\u0000def', 'U+0000 (NUL) at index 3'],
    ['a newline (header injection)', 'abc\r\nX-Evil: 1', 'a control character (U+000D) at index 3'],
    ['DEL', 'abc\u007f', 'a control character (U+007F) at index 3'],
    ['a lone surrogate', 'abc\ud800', 'a lone UTF-16 surrogate (U+D800) at index 3'],
  ])('refuses %s, as the server refuses it in a socket hello', (_what, token, why) => {
    expect(() => parseSyncToken(token)).toThrow(`The sync token contains ${why}: a token may not hold control characters or invalid Unicode.`);
    expect(() => parseClientSocketMessage({ type: 'hello', token, clientId: 'c', channels: [] })).toThrow(why);
  });

  it('still refuses what it refused before', () => {
    for (const token of [undefined, 42, '', 'x'.repeat(10_001)]) expect(() => parseSyncToken(token)).toThrow('The sync token must be a non-empty string.');
  });
});

describe('parseConnectRequest: the initial token follows the same rule', () => {
  const request = (token: unknown) => ({
    tabId: 't1',
    config: { name: 'app', schema: 'create table t (id text primary key, list text);', channels: { t: 'list' }, actionsUrl: 'https://app.test/actions.js', sync: { url: 'https://app.test/sync', token } },
  });
  it('refuses a config.sync.token with a control character or a lone surrogate, and keeps a printable one', () => {
    expect(() => parseConnectRequest(request('abc\r\nX-Evil: 1'))).toThrow('config.sync.token contains a control character (U+000D) at index 3');
    expect(() => parseConnectRequest(request('abc\ud800'))).toThrow('config.sync.token contains a lone UTF-16 surrogate (U+D800) at index 3');
    expect(parseConnectRequest(request('jeton-é')).config.sync?.token).toBe('jeton-é');
  });
});

describe('the token callback at the tab ↔ worker boundary', () => {
  const base = { tabId: 't1', config: { schema: 'create table t (id text primary key);', actionsUrl: 'https://app.test/actions.js' } };
  it('connect keeps tokenCallback: true, drops false, refuses anything else', () => {
    expect(parseConnectRequest({ ...base, tokenCallback: true }).tokenCallback).toBe(true);
    expect(parseConnectRequest({ ...base, tokenCallback: false })).not.toHaveProperty('tokenCallback');
    expect(parseConnectRequest(base)).not.toHaveProperty('tokenCallback');
    for (const bad of ['yes', 1, null, {}]) expect(() => parseConnectRequest({ ...base, tokenCallback: bad })).toThrow('connect: tokenCallback must be a boolean (or omitted).');
  });

  it('answerTokenRequest takes a positive integer id and a token by parseSyncToken’s rule, or null', () => {
    expect(parseTokenAnswer(3, 'fresh')).toEqual({ requestId: 3, token: 'fresh' });
    expect(parseTokenAnswer(3, null)).toEqual({ requestId: 3, token: null });
    for (const id of [0, -1, 1.5, '3', NaN, 2 ** 60, undefined]) expect(() => parseTokenAnswer(id, null)).toThrow('answerTokenRequest: requestId must be');
    expect(() => parseTokenAnswer(1, 'abc\r\nX-Evil: 1')).toThrow('a control character (U+000D)');
    for (const token of [undefined, '', 42]) expect(() => parseTokenAnswer(1, token)).toThrow('The sync token must be a non-empty string.');
  });
});
