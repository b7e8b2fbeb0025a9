import { describe } from 'vitest';
import { createTestPostgresDriver, probePostgres } from '../test-support/postgres.ts';
import { runSqlDriverConformance } from './sql-driver.conformance.ts';

const probe = await probePostgres('postgres-driver');

describe.skipIf(!probe.ok)('postgres driver', () => {
  runSqlDriverConformance('postgres', () => createTestPostgresDriver('driver'));
});
