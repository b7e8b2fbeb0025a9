import { databaseLockName, ErrorKind, TandemError } from '@tandem/core';
import { requestHandoff } from './handoff-channel.ts';
import type { RuntimeIdentity } from './handoff-channel.ts';

export interface DatabaseLockOptions {
  /** How long to wait for the holder to let go (default 10 s). */
  waitMs?: number;
  /**
   * What this worker would run. When another worker holds the database, it is asked to hand it
   * over: it retires if it runs another version, unless it is newer (then this fails with
   * `update_required` at once).
   */
  identity?: RuntimeIdentity;
}

/**
 * One runtime per local database: two workers (a second worker URL, or an old version of the app
 * still open) appending to one journal and checkpointing over each other would corrupt it. The
 * runtime holds this Web Lock for its lifetime; a worker that just died or handed the database
 * over releases it, so a waiting start gets it within moments.
 */
export async function acquireDatabaseLock(name: string, options: DatabaseLockOptions = {}): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return () => {};
  const lockName = databaseLockName(name);
  let release!: () => void;
  const hold = () => new Promise<void>((r) => (release = r));

  // Free (the usual case): no one to ask.
  const free = await new Promise<boolean>((resolve, reject) => {
    locks
      .request(lockName, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock ? hold() : undefined;
      })
      .catch(reject);
  });
  if (free) return () => release();

  const controller = new AbortController();
  const handoff = options.identity ? requestHandoff(name, options.identity) : null;
  const timer = setTimeout(() => controller.abort(), options.waitMs ?? 10_000);
  let refusedBy: RuntimeIdentity | null = null;
  void handoff?.refused.then((holder) => {
    refusedBy = holder;
    controller.abort();
  });
  try {
    // locks.request settles only once the lock is released again: the grant is its own promise.
    await new Promise<void>((resolve, reject) => {
      locks
        .request(lockName, { signal: controller.signal }, () => {
          resolve();
          return hold();
        })
        .catch(reject);
    });
  } catch (error) {
    if ((error as { name?: string }).name !== 'AbortError') throw error;
    if (refusedBy) {
      throw new TandemError(
        ErrorKind.updateRequired,
        `A newer version of this app (schema version ${(refusedBy as RuntimeIdentity).schemaVersion}) has the local database "${name}" open in another tab: this tab runs an older one. Reload it.`,
        { database: name, running: refusedBy, requested: options.identity },
      );
    }
    throw new TandemError(
      ErrorKind.databaseLocked,
      `Another Tandem worker has the local database "${name}" open (a tab of this app loaded from a different worker URL, or an older version still open). Close the other tabs of this app, or give this one its own \`name\`.`,
    );
  } finally {
    clearTimeout(timer);
    handoff?.close();
  }
  return () => release();
}
