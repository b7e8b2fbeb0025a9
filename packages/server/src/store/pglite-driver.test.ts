import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPgliteDriver } from './pglite-driver.ts';
import { runSqlDriverConformance } from './sql-driver.conformance.ts';

runSqlDriverConformance('pglite', async () => {
  const driver = await createPgliteDriver({ dataDir: 'memory://', searchPath: 'conformance' });
  return { driver, schema: 'conformance', cleanup: () => driver.close() };
});

describe('pglite driver on disk', () => {
  it('keeps committed data in its directory across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-pglite-'));
    try {
      const first = await createPgliteDriver({ dataDir: dir, searchPath: 'app' });
      await first.exec('create table kept (id text primary key)');
      await first.transaction((tx) => tx.query(`insert into kept values ('a')`));
      await first.close();
      const second = await createPgliteDriver({ dataDir: dir, searchPath: 'app' });
      expect(await second.query('select id from kept')).toEqual([{ id: 'a' }]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
