// signIn / signOut at the tab ↔ worker boundary; their own file: protocol.test.ts is busy on other branches.
import { describe, expect, it } from 'vitest';
import { parseDeleteMessage } from './delete-request.ts';
import { parseSignIn, parseSignOut } from './protocol.ts';

describe('parseSignIn', () => {
  it('keeps a user id and a token', () => {
    expect(parseSignIn({ user: 'u-1@example.com', token: 'jwt.x.y', extra: 1 })).toEqual({ user: 'u-1@example.com', token: 'jwt.x.y' });
  });

  it.each([
    ['no object', null],
    ['an empty user', { user: '', token: 't' }],
    ['a non-string user', { user: 42, token: 't' }],
    ['a user with a control character', { user: 'a\u0000b', token: 't' }],
    ['an over-long user', { user: 'u'.repeat(1001), token: 't' }],
    ['no token', { user: 'u' }],
    ['an empty token', { user: 'u', token: '' }],
  ])('refuses %s with invalid_request', (_what, value) => {
    expect(() => parseSignIn(value)).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
  });
});

describe('parseSignOut', () => {
  it("takes { data: 'keep' } or { data: 'wipe' } and nothing else", () => {
    expect(parseSignOut({ data: 'keep' })).toEqual({ data: 'keep' });
    expect(parseSignOut({ data: 'wipe' })).toEqual({ data: 'wipe' });
    for (const bad of [undefined, {}, { data: 'all' }, 'wipe']) expect(() => parseSignOut(bad)).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
  });
});

describe('parseDeleteMessage', () => {
  it('reads requests and answers, and ignores anything malformed', () => {
    expect(parseDeleteMessage({ type: 'delete', id: 'a' })).toEqual({ type: 'delete', id: 'a' });
    expect(parseDeleteMessage({ type: 'open', id: 'a', tabs: 2 })).toEqual({ type: 'open', id: 'a', tabs: 2 });
    expect(parseDeleteMessage({ type: 'released', id: 'a', tabs: 0 })).toEqual({ type: 'released', id: 'a', tabs: 0 });
    for (const bad of [null, { type: 'delete' }, { type: 'open', id: 'a' }, { type: 'open', id: 'a', tabs: -1 }, { type: 'nuke', id: 'a' }, { type: 'delete', id: '' }]) {
      expect(parseDeleteMessage(bad)).toBeNull();
    }
  });
});
