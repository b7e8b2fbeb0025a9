// parseSyncToken's own file: protocol.test.ts is busy on other branches.
import { describe, expect, it } from 'vitest';
import { parseSyncToken } from './protocol.ts';
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
