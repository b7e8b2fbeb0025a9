import { databaseLockName, deleteChannelName, ErrorKind, journalDatabaseName, parseDeleteMessage, TandemError } from '@tandem/core';
import type { DeleteAnswer, DeleteRequest } from '@tandem/core';

export interface DeleteDatabaseOptions {
  /** How long to wait for the worker holding the database to answer and let go (default 5 000 ms). */
  timeoutMs?: number;
}

/**
 * Deletes everything stored for the local database `name` (default `tandem`): its journal,
 * checkpoints and meta, the one IndexedDB database where both engines keep it; pending actions go
 * unpushed. It works when no tab has the database open, including when the SharedWorker that ran
 * it still lives. While a tab has it open it is refused (`database_locked`): close those handles
 * (`db.close()`) first, or wipe from inside with `db.sync.signOut({ data: 'wipe' })`, which moves
 * the open tabs to a fresh database instead of pulling it from under them.
 */
export async function deleteDatabase(name = 'tandem', options: DeleteDatabaseOptions = {}): Promise<void> {
  if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) {
    throw new TandemError(ErrorKind.invalidRequest, 'deleteDatabase: name must be 1-64 characters of letters, digits, _ . - (the `name` given to openTandem).');
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const locks = globalThis.navigator?.locks;
  // Without Web Locks nothing can be open safely either: delete (IndexedDB waits for open connections).
  if (!locks) return deleteIndexedDb(journalDatabaseName(name));
  if (await underLock(locks, name, { ifAvailable: true })) return;
  // A worker holds it: ask it to let go, then wait for the lock.
  const answer = await askHolder(name, timeoutMs);
  if (answer?.type === 'open') {
    throw new TandemError(
      ErrorKind.databaseLocked,
      `The local database "${name}" is open in ${answer.tabs} tab(s): call db.close() there first, or db.sync.signOut({ data: 'wipe' }) to wipe it while open.`,
      { database: name, tabs: answer.tabs },
    );
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await underLock(locks, name, { signal });
  } catch (error) {
    if ((error as { name?: string }).name !== 'AbortError' && (error as { name?: string }).name !== 'TimeoutError') throw error;
    throw new TandemError(
      ErrorKind.databaseLocked,
      `The local database "${name}" is held by a Tandem worker that did not let go within ${timeoutMs} ms (another version of the app, or a busy worker): close its tabs and try again.`,
      { database: name },
    );
  }
}

/** Deletes the database holding the lock (no worker can open it meanwhile); false when the lock was not available. */
async function underLock(locks: LockManager, name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }): Promise<boolean> {
  let deleted = false;
  await locks.request(databaseLockName(name), options, async (lock) => {
    if (!lock) return;
    await deleteIndexedDb(journalDatabaseName(name));
    deleted = true;
  });
  return deleted;
}

function askHolder(name: string, timeoutMs: number): Promise<DeleteAnswer | null> {
  if (typeof BroadcastChannel !== 'function') return Promise.resolve(null);
  const channel = new BroadcastChannel(deleteChannelName(name));
  const id = globalThis.crypto.randomUUID();
  return new Promise<DeleteAnswer | null>((resolve) => {
    const timer = setTimeout(() => done(null), timeoutMs);
    const done = (answer: DeleteAnswer | null) => {
      clearTimeout(timer);
      channel.close();
      resolve(answer);
    };
    channel.onmessage = (event: MessageEvent) => {
      const message = parseDeleteMessage(event.data);
      if (message && message.type !== 'delete' && message.id === id) done(message);
    };
    channel.postMessage({ type: 'delete', id } satisfies DeleteRequest);
  });
}

function deleteIndexedDb(dbName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(dbName);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(new TandemError(ErrorKind.storageUnavailable, `Could not delete the IndexedDB database "${dbName}": ${request.error?.message ?? 'unknown error'}.`));
    // Someone still has it open (outside the database lock): the deletion completes once they close it.
    request.onblocked = () => console.warn(`[tandem] deleting "${dbName}" waits for a connection that still has it open`);
  });
}
