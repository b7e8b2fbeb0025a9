import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from './postgres-driver.ts';
import { startRoundTripCounter } from './round-trips.fixture.ts';
import type { RoundTripCounter } from './round-trips.fixture.ts';
import type { SqlDriver } from './sql-driver.ts';
import { createTestPostgresDriver, PG_URL, probePostgres } from '../test-support/postgres.ts';
import { runSqlDriverConformance } from './sql-driver.conformance.ts';

const probe = await probePostgres('postgres-driver');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!probe.ok)('postgres driver', () => {
  runSqlDriverConformance('postgres', () => createTestPostgresDriver('driver'));

  describe('round trips', () => {
    let counter: RoundTripCounter;
    let db: SqlDriver;

    beforeAll(async () => {
      counter = await startRoundTripCounter(PG_URL);
      // One connection: the statements prepared while warming up are the ones used after.
      db = createPostgresDriver({ url: counter.url, max: 1 });
    });
    afterAll(async () => {
      await db?.close();
      await counter?.close();
    });

    /** Round trips of `run` once its statements are prepared on the connection. */
    async function tripsOf(run: () => Promise<unknown>): Promise<number> {
      await run();
      counter.reset();
      await run();
      return counter.count();
    }

    it('sends BEGIN with the first statements and COMMIT with queryAndCommit', async () => {
      // BEGIN + the query; the last statement + COMMIT.
      expect(
        await tripsOf(() =>
          db.transaction(async (tx) => {
            await tx.query('select $1::int as n', [1]);
            return tx.queryAndCommit('select $1::int as n', [2]);
          }),
        ),
      ).toBe(2);
      // BEGIN + the query; COMMIT.
      expect(await tripsOf(() => db.transaction((tx) => tx.query('select $1::int as n', [1])))).toBe(2);
      // BEGIN + SAVEPOINT + its query; the last statement + COMMIT.
      expect(
        await tripsOf(() =>
          db.transaction(async (tx) => {
            await tx.savepoint((sp) => sp.query('select $1::int as n', [1]));
            return tx.queryAndCommit('select $1::int as n', [2]);
          }),
        ),
      ).toBe(2);
    });
  });

  describe('connection loss and close', () => {
    it('fails the transaction of a connection killed under a running statement, and goes on with new connections', async () => {
      const db = createPostgresDriver({ url: PG_URL, max: 2 });
      try {
        const outcome = await db
          .transaction(async (tx) => {
            const [row] = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
            // From the pool's other connection, while this one runs its statement.
            const kill = sleep(100).then(() => db.query('select pg_terminate_backend($1)', [row!.pid]));
            try {
              await tx.query('select pg_sleep(5)');
            } finally {
              await kill;
            }
          })
          .then(
            () => 'committed',
            (error: unknown) => error,
          );
        expect(outcome).toMatchObject({ code: 'CONNECTION_CLOSED' });
        // The killed session's error may still fail the first statement on its reconnected
        // connection (57P01, transient: callers retry); within a few attempts transactions work.
        const results: unknown[] = [];
        for (let attempt = 0; attempt < 8 && results.filter((r) => r === 1).length < 4; attempt++) {
          results.push(await db.transaction(async (tx) => (await tx.query<{ one: number }>('select 1 as one'))[0]!.one).catch((e: { code?: string }) => e.code));
        }
        expect(results.filter((r) => r === 1)).toHaveLength(4);
        expect(results.filter((r) => r !== 1).every((r) => r === '57P01' || r === 'CONNECTION_CLOSED')).toBe(true);
      } finally {
        // Takes the 5 s close timeout: postgres.js keeps the killed connection's last statement
        // as running, so it never reports that connection idle.
        await db.close();
      }
    });

    it('close() lets a transaction under way finish, then closes at once and refuses new ones', async () => {
      const db = createPostgresDriver({ url: PG_URL, max: 2 });
      const started = performance.now();
      const running = db.transaction(async (tx) => {
        await tx.query('select pg_sleep(0.2)');
        return tx.queryAndCommit<{ done: boolean }>('select true as done');
      });
      await sleep(50);
      await db.close();
      expect(await running).toEqual([{ done: true }]);
      // Not the 5 s close timeout: the released connection was closed as soon as it was idle.
      expect(performance.now() - started).toBeLessThan(2000);
      await expect(db.transaction(async () => 1)).rejects.toMatchObject({ code: 'CONNECTION_ENDED' });
      await expect(db.query('select 1')).rejects.toMatchObject({ code: 'CONNECTION_ENDED' });
    });
  });
});
