import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestPersistentStorage, requestPersistentStorageOnInteraction } from './persist-storage.ts';

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

describe('requestPersistentStorageOnInteraction (real Chromium)', () => {
  it("asks on the user's first click or key press, once; not before; not after cancel", async () => {
    vi.spyOn(StorageManager.prototype, 'persisted').mockResolvedValue(false);
    const persist = vi.spyOn(StorageManager.prototype, 'persist').mockResolvedValue(true);
    const cancel = requestPersistentStorageOnInteraction();
    // persisted() answered (false) and the page has no user activation here: nothing asked yet.
    await navigator.storage.persisted();
    await Promise.resolve();
    expect(persist).not.toHaveBeenCalled();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    expect(persist).toHaveBeenCalledTimes(1);
    window.dispatchEvent(new PointerEvent('pointerdown'));
    expect(persist).toHaveBeenCalledTimes(1);
    cancel();

    const cancelled = requestPersistentStorageOnInteraction();
    cancelled();
    window.dispatchEvent(new PointerEvent('pointerdown'));
    expect(persist).toHaveBeenCalledTimes(1);
  });

  it('does not ask when storage is persistent already', async () => {
    const persisted = vi.spyOn(StorageManager.prototype, 'persisted').mockResolvedValue(true);
    const persist = vi.spyOn(StorageManager.prototype, 'persist').mockResolvedValue(true);
    requestPersistentStorageOnInteraction();
    await persisted.mock.results[0]!.value;
    await Promise.resolve();
    window.dispatchEvent(new PointerEvent('pointerdown'));
    expect(persist).not.toHaveBeenCalled();
  });
});
