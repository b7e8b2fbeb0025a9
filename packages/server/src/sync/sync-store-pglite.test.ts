import { createPgliteDriver } from '../store/pglite-driver.ts';
import { runSyncStoreConformance } from './sync-store.conformance.ts';

runSyncStoreConformance('pglite', async () => {
  const driver = await createPgliteDriver({ dataDir: 'memory://' });
  return { driver, cleanup: () => driver.close() };
});
