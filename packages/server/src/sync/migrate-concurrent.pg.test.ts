import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Migration } from '@tandem/core';
import { createPostgresDriver } from '../store/postgres-driver.ts';
import type { SqlDriver } from '../store/sql-driver.ts';
import { createTestSchema, PG_URL, probePostgres } from '../test-support/postgres.ts';
import { PRIORITY_STEP, tasksOptions } from '../test-support/versioned-app.ts';
import { createSyncStore } from './create-sync-store.ts';

const probe = await probePostgres('migrate-concurrent');

describe.skipIf(!probe.ok)('migrations when server instances start together (postgres)', () => {
  let schema: { schema: string; drop: () => Promise<void> };
  const drivers: SqlDriver[] = [];
  beforeAll(async () => {
    schema = await createTestSchema('migrate_race');
  });
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    await schema?.drop();
  });

  it('runs each step once: the second instance waits, then finds the steps done', async () => {
    // Two processes' pools: separate connections to one schema.
    const [a, b] = [0, 1].map(() => createPostgresDriver({ url: PG_URL, searchPath: schema.schema }));
    drivers.push(a!, b!);
    // Both instances are in the middle of starting when this is called: the step then holds its
    // transaction open long enough for the other's start to reach the setup lock.
    let entered!: () => void;
    const firstInside = new Promise<void>((resolve) => (entered = resolve));
    const migrations: Migration[] = [
      PRIORITY_STEP,
      { name: 'counter-table', sql: 'create table step_runs (instance text not null)' },
      {
        name: 'count-run',
        async run(tx) {
          await tx.query(`insert into step_runs values ('ran')`);
          entered();
          await tx.query('select pg_sleep(0.3)');
        },
      },
    ];
    const startA = createSyncStore(a!, tasksOptions(1, { migrations }));
    await firstInside;
    const [storeA, storeB] = await Promise.all([startA, createSyncStore(b!, tasksOptions(1, { migrations }))]);

    expect([storeA.schemaVersion, storeB.schemaVersion]).toEqual([3, 3]);
    expect(await a!.query('select count(*)::int as n from step_runs')).toEqual([{ n: 1 }]);
    expect((await b!.query<{ step: number }>('select step from tandem_migrations order by step')).map((r) => r.step)).toEqual([1, 2, 3]);
    // Both serve: the tables and triggers are complete for either instance.
    const pushed = await storeB.push('device', { id: 'alice' }, [{ id: 'device-1', seq: 1, name: 'addTask', args: { boardId: 'b', id: 't', title: 'x', priority: 2 }, time: 1 }], 3);
    expect(pushed.response.rejected).toEqual([]);
    expect((await storeA.pull({ clientId: 'device', channels: [{ channel: 'b', cursor: 0 }], schemaVersion: 3 }, { id: 'alice' })).snapshots[0]!.tables.tasks).toEqual([
      { id: 't', board_id: 'b', title: 'x', priority: 2 },
    ]);
  });

});
