/**
 * Runs jobs one at a time, in call order. An embedded database (PGlite, sqlite-wasm) has one
 * connection: a statement issued while a transaction is open would land inside it, so every call
 * on it goes through one queue.
 */
export function createSerialQueue(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>): Promise<T> => {
    const result = tail.then(job);
    // A failed job must not block or fail the ones queued after it.
    tail = result.catch(() => undefined);
    return result;
  };
}
