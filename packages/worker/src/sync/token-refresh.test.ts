import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenRequestMessage } from '@tandem/core';
import { TokenRefresher } from './token-refresh.ts';
import type { TokenRefreshOptions } from './token-refresh.ts';

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const jwtExpiringAt = (ms: number) => `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify({ sub: 'u', exp: ms / 1000 }))}.sig`;

/**
 * Tabs as the refresher sees them: each answers its requests with `answers[tabId]` (a token, null,
 * 'silent' to never answer, 'gone' to refuse the post), after a microtask, as a port would.
 */
function setup(answers: Record<string, string | null | 'silent' | 'gone'>, o: Partial<TokenRefreshOptions> = {}) {
  let token: string | undefined = 'stale';
  const asked: { tabId: string; message: TokenRequestMessage }[] = [];
  const accepted: string[] = [];
  let refresher: TokenRefresher;
  const roundEnded = vi.fn();
  const tabs = {
    withTokenCallback: () => Object.keys(answers),
    post(tabId: string, message: TokenRequestMessage) {
      const answer = answers[tabId];
      if (answer === 'gone') return false;
      asked.push({ tabId, message });
      if (answer !== 'silent') queueMicrotask(() => refresher.answer(tabId, message.requestId, answer ?? null));
      return true;
    },
  };
  refresher = new TokenRefresher({
    tabs,
    current: () => token,
    accept: (fresh) => {
      token = fresh;
      accepted.push(fresh);
      refresher.tokenChanged();
    },
    log: (m) => roundEnded(m),
    answerTimeoutMs: 50,
    ...o,
  });
  return {
    refresher,
    asked,
    accepted,
    roundEnded,
    setToken(next: string) {
      token = next;
      refresher.tokenChanged();
    },
  };
}

const settle = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('TokenRefresher: one tab at a time, no storm', () => {
  afterEach(() => vi.useRealTimers());

  it('asks the first tab with a callback and hands its token over', async () => {
    const t = setup({ a: 'fresh', b: 'other' });
    t.refresher.request('unauthorized', 'stale');
    await vi.waitFor(() => expect(t.accepted).toEqual(['fresh']), { timeout: 10_000 });
    expect(t.asked.map((a) => [a.tabId, a.message.reason])).toEqual([['a', 'unauthorized']]);
    expect(t.asked[0]!.message).toMatchObject({ tandem: 'token', requestId: 1 });
  });

  it('asks the next tab when one is gone, answers null, hands back the stale token or stays silent', async () => {
    const t = setup({ gone: 'gone', nothing: null, same: 'stale', silent: 'silent', last: 'fresh' });
    t.refresher.request('unauthorized', 'stale');
    await vi.waitFor(() => expect(t.accepted).toEqual(['fresh']), { timeout: 10_000 });
    expect(t.asked.map((a) => a.tabId)).toEqual(['nothing', 'same', 'silent', 'last']);
  });

  it('stops waiting for a tab that is dropped', async () => {
    const t = setup({ closing: 'silent', next: 'fresh' }, { answerTimeoutMs: 60_000 });
    t.refresher.request('unauthorized', 'stale');
    await settle();
    expect(t.asked.map((a) => a.tabId)).toEqual(['closing']);
    t.refresher.tabGone('closing');
    await vi.waitFor(() => expect(t.accepted).toEqual(['fresh']), { timeout: 10_000 });
  });

  it('runs one round however many refusals arrive, and does not ask about the same token again until quietMs passed', async () => {
    let now = 1_000_000;
    const t = setup({ a: null, b: null }, { now: () => now, quietMs: 10_000 });
    for (let i = 0; i < 50; i++) t.refresher.request('unauthorized', 'stale');
    await vi.waitFor(() => expect(t.roundEnded).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    expect(t.asked).toHaveLength(2);
    for (let i = 0; i < 50; i++) t.refresher.request('unauthorized', 'stale');
    now += 9_999;
    t.refresher.request('unauthorized', 'stale');
    await settle(10);
    expect(t.asked).toHaveLength(2);
    now += 1;
    t.refresher.request('unauthorized', 'stale');
    await vi.waitFor(() => expect(t.roundEnded).toHaveBeenCalledTimes(2), { timeout: 10_000 });
    expect(t.asked).toHaveLength(4);
    expect(t.accepted).toEqual([]);
  });

  it('asks at once about a new token that is refused too', async () => {
    const t = setup({ a: null }, { now: () => 5 });
    t.refresher.request('unauthorized', 'stale');
    await vi.waitFor(() => expect(t.roundEnded).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    t.setToken('set-by-app');
    t.refresher.request('unauthorized', 'set-by-app');
    await vi.waitFor(() => expect(t.asked).toHaveLength(2), { timeout: 10_000 });
  });

  it('ignores a refusal of a token that was already replaced, and an answer nobody waits for', async () => {
    const t = setup({ a: 'fresh' });
    t.refresher.request('unauthorized', 'older');
    t.refresher.request('unauthorized', undefined);
    await settle(10);
    expect(t.asked).toEqual([]);
    expect(t.refresher.answer('a', 99, 'x')).toBe(false);
    expect(t.accepted).toEqual([]);
  });

  it('asks nobody, and logs nothing, without a tab that has a callback (behaviour as before getToken)', async () => {
    const t = setup({});
    t.refresher.request('unauthorized', 'stale');
    await settle(10);
    expect(t.roundEnded).not.toHaveBeenCalled();
  });

  it('drops an answer that arrives after the app set a token itself', async () => {
    const t = setup({ a: 'silent' }, { answerTimeoutMs: 60_000 });
    t.refresher.request('unauthorized', 'stale');
    await settle();
    t.setToken('from-setToken');
    // Only the tab asked may answer.
    expect(t.refresher.answer('b', t.asked[0]!.message.requestId, 'forged')).toBe(false);
    expect(t.refresher.answer('a', t.asked[0]!.message.requestId, 'late')).toBe(true);
    await settle(10);
    expect(t.accepted).toEqual([]);
  });
});

describe('TokenRefresher: before a JWT expires', () => {
  afterEach(() => vi.useRealTimers());

  it("asks with 'expiring' at max(exp − 60 s, 80 % of the time left), and again for the next token", async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const start = Date.now();
    const second = jwtExpiringAt(start + 3_600_000 + 120_000);
    const t = setup({ a: second });
    t.setToken(jwtExpiringAt(start + 3_600_000)); // one hour: asked 60 s before
    await vi.advanceTimersByTimeAsync(3_540_000 - 1);
    expect(t.asked).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.asked.map((a) => a.message.reason)).toEqual(['expiring']);
    expect(t.accepted).toEqual([second]);
    // The new one has 180 s left: 80 % (144 s) is later than exp − 60 s (120 s).
    await vi.advanceTimersByTimeAsync(144_000 - 1);
    expect(t.asked).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.asked).toHaveLength(2);
  });

  it('arms nothing for opaque, expired or junk tokens, and clears the timer on a new token and on stop', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const t = setup({ a: null });
    for (const token of ['opaque', jwtExpiringAt(Date.now() - 1), 'a.b.c']) {
      t.setToken(token);
      await vi.advanceTimersByTimeAsync(100 * 86_400_000);
    }
    expect(t.asked).toEqual([]);
    t.setToken(jwtExpiringAt(Date.now() + 100_000));
    t.setToken('opaque-again');
    await vi.advanceTimersByTimeAsync(200_000);
    expect(t.asked).toEqual([]);
    t.setToken(jwtExpiringAt(Date.now() + 100_000));
    t.refresher.stop();
    await vi.advanceTimersByTimeAsync(200_000);
    expect(t.asked).toEqual([]);
  });

  it('waits past setTimeout’s limit for a token that lives for months', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const t = setup({ a: null });
    const days = 100;
    t.setToken(jwtExpiringAt(Date.now() + days * 86_400_000));
    await vi.advanceTimersByTimeAsync(30 * 86_400_000);
    expect(t.asked).toEqual([]);
    await vi.advanceTimersByTimeAsync(days * 86_400_000);
    expect(t.asked.map((a) => a.message.reason)).toEqual(['expiring']);
  });
});
