import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestPersistentStorage } from './persist-storage.ts';

afterEach(() => {
  vi.restoreAllMocks();
  // Own properties shadowing StorageManager.prototype's, set by the tests below.
  delete (navigator.storage as unknown as Record<string, unknown>).persist;
});

describe('requestPersistentStorage (real Chromium)', () => {
  it("returns the browser's answer, which persisted() then reports", async () => {
    const granted = await requestPersistentStorage();
    expect(typeof granted).toBe('boolean');
    expect(await navigator.storage.persisted()).toBe(granted);
  });

  it('is null, not an error, when the browser has no persist()', async () => {
    Object.defineProperty(navigator.storage, 'persist', { value: undefined, configurable: true });
    expect(await requestPersistentStorage()).toBeNull();
  });

  it('is null, not an error, when persist() throws or rejects', async () => {
    const persist = vi.spyOn(StorageManager.prototype, 'persist').mockRejectedValueOnce(new DOMException('denied', 'NotAllowedError'));
    expect(await requestPersistentStorage()).toBeNull();
    persist.mockImplementationOnce(() => {
      throw new TypeError('Illegal invocation');
    });
    expect(await requestPersistentStorage()).toBeNull();
    expect(persist).toHaveBeenCalledTimes(2);
  });
});
