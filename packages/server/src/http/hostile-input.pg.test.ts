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
  // Outside CI only (probePostgres throws under CI): the reason is in the suite's name and the warning above.
  describe.skip(`hostile input on PostgreSQL: skipped, the server is unreachable (${probe.reason})`, () => it('skipped', () => {}));
}
