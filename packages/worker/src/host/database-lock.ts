import { databaseLockName, ErrorKind, TandemError } from '@tandem/core';

/**
 * One runtime per local database: two workers (a second worker URL, or an old version of the app
 * still open) appending to one journal and checkpointing over each other would corrupt it. The
 * runtime holds this Web Lock for its lifetime; a worker that just died releases it, so a waiting
 * restart gets it within moments.
 */
export async function acquireDatabaseLock(name: string, waitMs = 10_000): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return () => {};
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), waitMs);
  let release!: () => void;
  const held = new Promise<void>((resolve, reject) => {
    locks
      .request(databaseLockName(name), { signal: controller.signal }, () => {
        resolve();
        return new Promise<void>((r) => (release = r));
      })
      .catch((error: unknown) => {
        if ((error as { name?: string }).name !== 'AbortError') return reject(error);
        reject(
          new TandemError(
            ErrorKind.databaseLocked,
            `Another Tandem worker has the local database "${name}" open (a tab of this app loaded from a different worker URL, or an older version still open). Close the other tabs of this app, or give this one its own \`name\`.`,
          ),
        );
      });
  });
  try {
    await held;
  } finally {
    clearTimeout(timer);
  }
  return () => release();
}
