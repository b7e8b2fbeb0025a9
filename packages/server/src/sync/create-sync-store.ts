import { SYNC_LIMITS } from '@tandem/core';
import type { SqlDriver } from '../store/sql-driver.ts';
import { compact } from './compact.ts';
import { invoke } from './invoke.ts';
import { pull, pullJson } from './pull.ts';
import { push } from './push.ts';
import { setupSyncSchema } from './setup.ts';
import type { SyncStore, SyncStoreOptions } from './sync-store.ts';

/** Sets the database up for sync (idempotent, see {@link setupSyncSchema}) and returns the store. */
export async function createSyncStore(driver: SqlDriver, options: SyncStoreOptions): Promise<SyncStore> {
  await setupSyncSchema(driver, options);
  const channels = { ...options.channels };
  const { actions } = options;
  // The schema version is the number of migrations (see defineMigrations).
  const schemaVersion = options.migrations?.length ?? 0;
  const pullOptions = { channels, schemaVersion, limit: options.pullLimit ?? SYNC_LIMITS.pullChanges };
  const commitChanges = options.commitChanges ?? 100;
  return {
    schemaVersion,
    push: (clientId, user, list, clientVersion = 0, canWrite) => push(driver, actions, clientId, user, list, commitChanges, { client: clientVersion, server: schemaVersion }, canWrite),
    pull: (request, user) => pull(driver, pullOptions, request, user),
    pullJson: (request, user) => pullJson(driver, pullOptions, request, user),
    invoke: (name, args, user) => invoke(driver, actions, name, args, user, commitChanges),
    async head() {
      const [row] = await driver.query<{ version: number }>('select version from tandem_head');
      return row!.version;
    },
    compact: (version) => compact(driver, version),
  };
}
