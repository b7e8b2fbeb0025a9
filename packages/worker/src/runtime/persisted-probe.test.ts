import { describe, expect, it, vi } from 'vitest';
import { PersistedProbe } from './persisted-probe.ts';

describe('PersistedProbe', () => {
  it('passes on the browser answer and asks again only after maxAgeMs', async () => {
    vi.useFakeTimers();
    try {
      const ask = vi.fn(async () => true);
      const probe = new PersistedProbe({ maxAgeMs: 2000, ask });
      expect(await Promise.all([probe.read(), probe.read()])).toEqual([true, true]);
      expect(ask).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(2000);
      ask.mockResolvedValueOnce(false);
      expect(await probe.read()).toBe(false);
      expect(ask).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is null when the API is missing or throws', async () => {
    expect(await new PersistedProbe({ ask: () => undefined }).read()).toBeNull();
    expect(await new PersistedProbe({ ask: () => Promise.reject(new Error('denied')) }).read()).toBeNull();
    expect(
      await new PersistedProbe({
        ask: () => {
          throw new TypeError('Illegal invocation');
        },
      }).read(),
    ).toBeNull();
  });
});
