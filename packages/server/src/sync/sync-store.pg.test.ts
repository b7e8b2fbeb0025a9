import { describe } from 'vitest';
import { createTestPostgresDriver, probePostgres } from '../test-support/postgres.ts';
import { runMigrationConformance } from './migrations.conformance.ts';
import { runPushRulesConformance } from './push-rules.conformance.ts';
import { runSyncStoreConformance } from './sync-store.conformance.ts';

const probe = await probePostgres('sync-store');

describe.skipIf(!probe.ok)('sync store on postgres', () => {
  runSyncStoreConformance('postgres', () => createTestPostgresDriver('sync'));
  runMigrationConformance('postgres', () => createTestPostgresDriver('migrate'));
  runPushRulesConformance('postgres', () => createTestPostgresDriver('rules'));
});
