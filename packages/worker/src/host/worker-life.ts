import { workerLifeLockName } from '@tandem/core';

/**
 * The worker's life as a Web Lock: taken at its first moment and never released, so the browser
 * frees it only when the worker dies (closed, crashed, killed by the OS, its tab gone). A tab waits
 * on it; `held` resolves once a tab may start waiting (before that, the tab would get it at once).
 */
export function holdWorkerLife(): { workerId: string; held: Promise<void> } {
  const workerId = globalThis.crypto.randomUUID();
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return { workerId, held: Promise.resolve() };
  const held = new Promise<void>((resolve, reject) => {
    locks
      .request(workerLifeLockName(workerId), () => {
        resolve();
        return new Promise<void>(() => {});
      })
      .catch(reject);
  });
  return { workerId, held };
}
