import { describe, it } from 'vitest';
import { createTestPostgresDriver, probePostgres } from '../test-support/postgres.ts';
import { describeHostileInput } from './hostile-input.conformance.ts';

const probe = await probePostgres('hostile input');

if (probe.ok) {
  describeHostileInput('PostgreSQL', async () => {
    const { driver, cleanup } = await createTestPostgresDriver('hostile');
    return { options: { driver }, cleanup };
  });
} else {
  describe.skip('hostile input (PostgreSQL unreachable)', () => it('skipped', () => {}));
}
