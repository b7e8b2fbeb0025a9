import { afterAll, beforeAll } from 'vitest';
import type { JsonValue, PushAction } from '@tandem/core';
import type { SqlDriver } from '../store/sql-driver.ts';
import { createSyncStore } from '../sync/create-sync-store.ts';
import type { SyncStoreOptions } from '../sync/sync-store.ts';
import type { SyncStore } from '../sync/sync-store.ts';

export interface FreshDatabase {
  driver: SqlDriver;
  cleanup: () => Promise<void>;
}

/**
 * For the describe block it is called in: one store on a fresh database, handed to `ready` before
 * the tests run and cleaned up after them.
 */
export function useFreshStore(freshDriver: () => Promise<FreshDatabase>, options: SyncStoreOptions, ready: (db: FreshDatabase, store: SyncStore) => void): void {
  let db: FreshDatabase | undefined;
  beforeAll(async () => {
    db = await freshDriver();
    ready(db, await createSyncStore(db.driver, options));
  }, 120_000);
  afterAll(async () => {
    await db?.cleanup();
  });
}

/** A client's actions with consecutive seqs, as a worker pushes them; action `n` claims time `t0 + n`. */
export function clientOf(clientId: string, t0: number) {
  let seq = 0;
  return {
    id: clientId,
    next(name: string, args: JsonValue): PushAction {
      seq++;
      return { id: `${clientId}-${seq}`, seq, name, args, time: t0 + seq };
    },
  };
}
