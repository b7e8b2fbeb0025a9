import { workerLifeLockName } from '@tandem/core';

/**
 * Resolves when the worker `workerId` is gone: it holds a Web Lock of that name from its first
 * moment, and the browser releases it only when the worker ends (closed, crashed, killed by the
 * OS). A signal that cannot be missed, unlike a heartbeat's timeout. `cancel` stops watching.
 */
export function watchWorkerDeath(workerId: string): { died: Promise<void>; cancel: () => void } {
  const locks = globalThis.navigator?.locks;
  if (!locks) return { died: new Promise<void>(() => {}), cancel: () => {} };
  const controller = new AbortController();
  const died = new Promise<void>((resolve) => {
    locks.request(workerLifeLockName(workerId), { signal: controller.signal }, () => resolve()).catch(() => {});
  });
  return { died, cancel: () => controller.abort() };
}
