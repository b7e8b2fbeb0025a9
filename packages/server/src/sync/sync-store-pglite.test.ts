import { createPgliteDriver } from '../store/pglite-driver.ts';
import { runMigrationConformance } from './migrations.conformance.ts';
import { runPushRulesConformance } from './push-rules.conformance.ts';
import { runSyncStoreConformance } from './sync-store.conformance.ts';

const freshPglite = async () => {
  const driver = await createPgliteDriver({ dataDir: 'memory://' });
  return { driver, cleanup: () => driver.close() };
};

runSyncStoreConformance('pglite', freshPglite);
runMigrationConformance('pglite', freshPglite);
runPushRulesConformance('pglite', freshPglite);
