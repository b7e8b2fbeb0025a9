import { afterEach, describe, expect, it, vi } from 'vitest';
import { tokenResponder } from './token-callback.ts';
import type { GetToken } from './token-callback.ts';

afterEach(() => vi.restoreAllMocks());

/** Runs one token request through a responder; resolves with what it answered and kept. */
async function respond(getToken: GetToken) {
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  const kept: string[] = [];
  const answered = new Promise<[number, string | null]>((resolve) => {
    tokenResponder(getToken, async (id, token) => resolve([id, token]), (t) => kept.push(t))({ tandem: 'token', requestId: 7, reason: 'expiring' });
  });
  return { answer: await answered, kept };
}

describe('tokenResponder: the tab side of a token request', () => {
  it('calls getToken with the reason and answers with its token, which the tab keeps for a fresh worker', async () => {
    const getToken = vi.fn(async () => 'fresh');
    expect(await respond(getToken)).toEqual({ answer: [7, 'fresh'], kept: ['fresh'] });
    expect(getToken).toHaveBeenCalledWith('expiring');
  });

  it('answers null, at once, for null, a throw, or a token the worker would refuse', async () => {
    const cases: GetToken[] = [
      () => null,
      async () => null,
      () => {
        throw new Error('refresh endpoint down');
      },
      async () => Promise.reject(new Error('offline')),
      () => '',
      () => 'abc\r\nX-Evil: 1',
      () => 42 as unknown as string,
      () => undefined as unknown as null,
    ];
    for (const getToken of cases) expect(await respond(getToken)).toEqual({ answer: [7, null], kept: [] });
  });
});
