/**
 * Makes IndexedDB writes in this page fail as an exhausted quota does in Chromium: the requests
 * succeed, then the transaction aborts at commit with a `QuotaExceededError`, so nothing of it is
 * stored. (A real quota could not be lowered here: in Vitest's browser context, CDP's
 * `Storage.overrideQuotaForOrigin` reports the override active, yet `navigator.storage.estimate()`
 * and IndexedDB ignore it.)
 *
 * Affects read-write transactions on any of `stores` until `restore()`. Dexie binds
 * `IDBDatabase.transaction` when it opens a database: its own writes are affected only in a
 * database opened after this call (the journal's raw append, at any time).
 */
export function failCommitsWithQuota(stores: readonly string[]): { restore: () => void; failures: () => number } {
  const original = IDBDatabase.prototype.transaction;
  let failures = 0;
  let active = true;
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, names: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) {
    const tx = original.call(this, names, mode, options);
    const touched = typeof names === 'string' ? [names] : [...names];
    if (!active || mode !== 'readwrite' || !touched.some((n) => stores.includes(n))) return tx;
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    // What the browser reports on the abort event after a commit the quota refused.
    Object.defineProperty(tx, 'error', { get: () => quota });
    let refused = false;
    const refuse = () => {
      if (refused) return;
      refused = true;
      failures++;
      tx.abort();
    };
    // An explicit commit (the journal's raw append) is refused at once; a transaction left to
    // auto-commit (Dexie's) is refused once its last request succeeded, before it can commit.
    tx.commit = refuse;
    let pending = 0;
    const objectStore = tx.objectStore.bind(tx);
    tx.objectStore = (name: string) => {
      const store = objectStore(name);
      for (const method of ['add', 'put', 'delete'] as const) {
        const write = store[method].bind(store) as (...args: unknown[]) => IDBRequest;
        (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
          const request = write(...args);
          pending++;
          request.addEventListener('success', () => {
            if (--pending === 0) refuse();
          });
          return request;
        };
      }
      return store;
    };
    return tx;
  } as typeof original;
  return {
    restore: () => {
      active = false;
      IDBDatabase.prototype.transaction = original;
    },
    failures: () => failures,
  };
}
