import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDriver } from './sql-driver.ts';

export interface DriverUnderTest {
  driver: SqlDriver;
  /** The schema the driver was told to work in. */
  schema: string;
  cleanup: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(10);
  }
}

/**
 * The {@link SqlDriver} contract, run against real databases: each adapter's test file calls this
 * with a factory (one line per adapter). One driver serves the suite; tests use their own tables.
 */
export function runSqlDriverConformance(name: string, makeDriver: () => Promise<DriverUnderTest>): void {
  describe(`SqlDriver conformance: ${name}`, () => {
    let db: SqlDriver;
    let under: DriverUnderTest;

    beforeAll(async () => {
      under = await makeDriver();
      db = under.driver;
      await db.exec(`
        create table items (id text primary key, n int8, doc jsonb, at timestamptz, ok boolean);
        create table counter (id int primary key, value int not null);
        insert into counter values (1, 0);
      `);
    }, 60_000);
    afterAll(async () => {
      await under?.cleanup();
    });

    describe('statements', () => {
      it('works in the schema it was given', async () => {
        const [row] = await db.query<{ s: string }>('select current_schema() as s');
        expect(row!.s).toBe(under.schema);
        // Where the unqualified name resolves (other schemas of the database may have an items table too).
        const [t] = await db.query<{ schema: string }>(`select n.nspname as schema from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = 'items'::regclass`);
        expect(t!.schema).toBe(under.schema);
      });

      it('runs a query with $n parameters and returns plain row objects', async () => {
        await db.query('insert into items (id, n) values ($1, $2), ($3, $4)', ['q1', 5, 'q2', 7]);
        const rows = await db.query('select id, n + $1 as m from items where id = any($2::text[]) order by id', [1, ['q1', 'q2']]);
        expect(rows).toEqual([{ id: 'q1', m: 6 }, { id: 'q2', m: 8 }]);
        expect(Array.isArray(rows)).toBe(true);
        expect(Object.getPrototypeOf(rows)).toBe(Array.prototype);
        expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      });

      it('runs a statement without parameters', async () => {
        expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
      });

      it('runs a multi-statement script with exec', async () => {
        await db.exec(`insert into items (id) values ('e1'); insert into items (id) values ('e2'); update items set n = 1 where id in ('e1', 'e2')`);
        const rows = await db.query(`select id, n from items where id like 'e%' order by id`);
        expect(rows).toEqual([{ id: 'e1', n: 1 }, { id: 'e2', n: 1 }]);
      });

      it('rejects a failing statement with the database error and stays usable', async () => {
        await expect(db.query('insert into items (id) values ($1), ($1)', ['dup'])).rejects.toMatchObject({ code: '23505' });
        await expect(db.query('select * from no_such_table')).rejects.toThrow(/no_such_table/);
        expect(await db.query(`select count(*) as c from items where id = 'dup'`)).toEqual([{ c: 0 }]);
      });
    });

    describe('values', () => {
      it('returns int8 as a number when safe and as exact text otherwise', async () => {
        const [row] = await db.query(`select 9007199254740991::int8 as safe, 9007199254740993::int8 as big, count(*) as c, array[1, 2]::int8[] as arr from (values (1)) v`);
        expect(row).toEqual({ safe: 9007199254740991, big: '9007199254740993', c: 1, arr: [1, 2] });
      });

      it('parses jsonb and json, and takes JSON text or objects as jsonb parameters', async () => {
        const doc = { a: [1, 'two', null], b: { c: true } };
        await db.query('insert into items (id, doc) values ($1, $2::jsonb), ($3, $4::jsonb)', ['j1', JSON.stringify(doc), 'j2', doc]);
        const rows = await db.query(`select id, doc, '{"x":1}'::json as plain from items where id in ('j1', 'j2') order by id`);
        expect(rows).toEqual([
          { id: 'j1', doc, plain: { x: 1 } },
          { id: 'j2', doc, plain: { x: 1 } },
        ]);
        const [s] = await db.query(`select $1::jsonb as v`, [JSON.stringify('just a string')]);
        expect(s).toEqual({ v: 'just a string' });
      });

      it('returns timestamptz as ISO 8601 text exactly as to_jsonb writes it (microseconds kept)', async () => {
        await db.query('insert into items (id, at) values ($1, $2)', ['t1', '2024-05-01T10:00:00.123456+00:00']);
        const [row] = await db.query<{ at: string; json: { at: string } }>(`select at, to_jsonb(i) as json from items i where id = 't1'`);
        expect(row!.at).toBe('2024-05-01T10:00:00.123456+00:00');
        expect(row!.at).toBe(row!.json.at);
      });

      it('returns booleans, numeric as text and null', async () => {
        const [row] = await db.query(`select true as t, false as f, 1.50::numeric as n, null::text as z, $1::boolean as p`, [true]);
        expect(row).toEqual({ t: true, f: false, n: '1.50', z: null, p: true });
      });
    });

    describe('transactions', () => {
      it('commits when fn resolves and returns its value', async () => {
        const out = await db.transaction(async (tx) => {
          await tx.query('insert into items (id) values ($1)', ['c1']);
          await tx.exec(`insert into items (id) values ('c2')`);
          return (await tx.query<{ c: number }>(`select count(*) as c from items where id in ('c1', 'c2')`))[0]!.c;
        });
        expect(out).toBe(2);
        expect(await db.query(`select id from items where id in ('c1', 'c2') order by id`)).toEqual([{ id: 'c1' }, { id: 'c2' }]);
      });

      it('rolls back and rethrows when fn throws', async () => {
        const boom = new Error('boom');
        await expect(
          db.transaction(async (tx) => {
            await tx.query('insert into items (id) values ($1)', ['r1']);
            throw boom;
          }),
        ).rejects.toBe(boom);
        await expect(
          db.transaction(async (tx) => {
            await tx.query('insert into items (id) values ($1)', ['r2']);
            await tx.query('insert into items (id) values ($1)', ['r2']);
          }),
        ).rejects.toMatchObject({ code: '23505' });
        expect(await db.query(`select id from items where id in ('r1', 'r2')`)).toEqual([]);
      });

      it('fails the transaction with a statement error that fn caught, committing nothing', async () => {
        await expect(
          db.transaction(async (tx) => {
            await tx.query('insert into items (id) values ($1)', ['caught1']);
            await tx.query('select * from no_such_table').catch(() => undefined);
            return 'pretended fine';
          }),
        ).rejects.toThrow(/no_such_table/);
        expect(await db.query(`select id from items where id = 'caught1'`)).toEqual([]);
      });

      it('rolls back only the savepoint when its fn throws or its statement failed, and commits the rest', async () => {
        const out = await db.transaction(async (tx) => {
          await tx.query('insert into items (id) values ($1)', ['sp-outer']);
          const kept = await tx.savepoint(async (sp) => {
            await sp.query('insert into items (id) values ($1)', ['sp-kept']);
            return 'kept';
          });
          const thrown = await tx
            .savepoint(async (sp) => {
              await sp.query('insert into items (id) values ($1)', ['sp-thrown']);
              throw new Error('undo me');
            })
            .catch((e: Error) => e.message);
          const swallowed = await tx
            .savepoint(async (sp) => {
              await sp.query('insert into items (id) values ($1)', ['sp-swallowed']);
              await sp.query('select * from no_such_table').catch(() => undefined);
              return 'pretended fine';
            })
            .catch((e: Error) => e.message);
          await tx.query('insert into items (id) values ($1)', ['sp-after']);
          return { kept, thrown, swallowed };
        });
        expect(out.kept).toBe('kept');
        expect(out.thrown).toBe('undo me');
        expect(out.swallowed).toMatch(/no_such_table/);
        const ids = await db.query<{ id: string }>(`select id from items where id like 'sp-%' order by id`);
        expect(ids.map((r) => r.id)).toEqual(['sp-after', 'sp-kept', 'sp-outer']);
      });

      it('keeps one snapshot for a whole repeatable-read transaction', async () => {
        let writeDone = false;
        let write: Promise<unknown> | undefined;
        const seen = await db.transaction(
          async (tx) => {
            const before = (await tx.query<{ value: number }>('select value from counter where id = 1'))[0]!.value;
            // Postgres commits this on another connection now; PGlite queues it until we finish.
            write = db.query('update counter set value = value + 1 where id = 1').then(() => {
              writeDone = true;
            });
            await Promise.race([write, sleep(300)]);
            if (db.name === 'postgres') expect(writeDone).toBe(true);
            const after = (await tx.query<{ value: number }>('select value from counter where id = 1'))[0]!.value;
            return { before, after };
          },
          { isolation: 'repeatable read', readOnly: true },
        );
        await write;
        expect(seen.after).toBe(seen.before);
        const [now] = await db.query<{ value: number }>('select value from counter where id = 1');
        expect(now!.value).toBe(seen.before + 1);
      });

      it('refuses writes in a read-only transaction', async () => {
        await expect(db.transaction((tx) => tx.query(`insert into items (id) values ('ro')`), { readOnly: true })).rejects.toThrow(/read-only/);
        expect(await db.query(`select id from items where id = 'ro'`)).toEqual([]);
      });

      it('runs concurrent transactions without mixing their statements', async () => {
        await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            db.transaction(async (tx) => {
              await tx.query('insert into items (id, n) values ($1, $2)', [`p${i}`, i]);
              await sleep(5);
              const rows = await tx.query<{ n: number }>('select n from items where id = $1', [`p${i}`]);
              expect(rows).toEqual([{ n: i }]);
              if (i % 2 === 1) throw new Error('odd ones roll back');
            }).catch((e: Error) => e.message),
          ),
        );
        const rows = await db.query(`select id from items where id like 'p_' order by id`);
        expect(rows).toEqual([{ id: 'p0' }, { id: 'p2' }, { id: 'p4' }]);
      });
    });

    describe('pipelining and queryAndCommit', () => {
      it('runs statements issued without waiting in order, inside the transaction', async () => {
        const out = await db.transaction((tx) => {
          // None awaited before the next is issued: BEGIN, these and COMMIT may share one trip.
          const a = tx.query<{ n: number }>('insert into items (id, n) values ($1, $2) returning n', ['pipe', 1]);
          const b = tx.query<{ n: number }>('update items set n = n * 10 where id = $1 returning n', ['pipe']);
          const c = tx.queryAndCommit<{ n: number }>('update items set n = n + 1 where id = $1 returning n', ['pipe']);
          return Promise.all([a, b, c]);
        });
        expect(out).toEqual([[{ n: 1 }], [{ n: 10 }], [{ n: 11 }]]);
        expect(await db.query(`select n from items where id = 'pipe'`)).toEqual([{ n: 11 }]);
      });

      it('rolls back a statement that was sent but not awaited when fn throws', async () => {
        await expect(
          db.transaction(async (tx) => {
            void tx.query('insert into items (id) values ($1)', ['pipe-rb']).catch(() => undefined);
            throw new Error('changed my mind');
          }),
        ).rejects.toThrow('changed my mind');
        expect(await db.query(`select id from items where id = 'pipe-rb'`)).toEqual([]);
      });

      it('queryAndCommit commits with the last statement and returns its rows; nothing runs after it', async () => {
        const out = await db.transaction(async (tx) => {
          await tx.query('insert into items (id, n) values ($1, $2)', ['qc1', 1]);
          const rows = await tx.queryAndCommit<{ id: string; n: number }>('update items set n = n + 1 where id = $1 returning id, n', ['qc1']);
          const after = await tx.query(`insert into items (id) values ('qc1-after')`).then(
            () => 'ran',
            (e: Error) => e.message,
          );
          return { rows, after };
        });
        expect(out.rows).toEqual([{ id: 'qc1', n: 2 }]);
        expect(out.after).toMatch(/already committed or rolled back/);
        expect(await db.query(`select id, n from items where id like 'qc1%'`)).toEqual([{ id: 'qc1', n: 2 }]);
      });

      it('refuses a statement issued after queryAndCommit even before its answer, so the commit ends with it', async () => {
        const out = await db.transaction(async (tx) => {
          const last = tx.queryAndCommit<{ id: string }>('insert into items (id) values ($1) returning id', ['qc6']);
          const late = tx.query('insert into items (id) values ($1)', ['qc6-late']).then(
            () => 'ran',
            (e: Error) => e.message,
          );
          return { last: await last, late: await late };
        });
        expect(out.last).toEqual([{ id: 'qc6' }]);
        expect(out.late).toMatch(/already committed or rolled back/);
        expect(await db.query(`select id from items where id like 'qc6%'`)).toEqual([{ id: 'qc6' }]);
      });

      it('queryAndCommit commits nothing when its statement fails, and rejects with that error', async () => {
        let seen: unknown;
        await expect(
          db.transaction(async (tx) => {
            await tx.query('insert into items (id) values ($1)', ['qc2']);
            await tx.queryAndCommit('insert into items (id) values ($1)', ['qc2']).catch((e: unknown) => {
              seen = e;
              throw e;
            });
          }),
        ).rejects.toMatchObject({ code: '23505' });
        expect(seen).toMatchObject({ code: '23505' });
        // Swallowing the failure does not commit either.
        await expect(
          db.transaction(async (tx) => {
            await tx.query('insert into items (id) values ($1)', ['qc2b']);
            await tx.queryAndCommit('select * from no_such_table').catch(() => undefined);
            return 'pretended fine';
          }),
        ).rejects.toThrow(/no_such_table/);
        expect(await db.query(`select id from items where id in ('qc2', 'qc2b')`)).toEqual([]);
      });

      it('queryAndCommit after a failure fn caught reports the aborted transaction, and nothing is committed', async () => {
        let last: unknown;
        await expect(
          db.transaction(async (tx) => {
            await tx.query('insert into items (id) values ($1)', ['qc3']);
            await tx.query('select * from no_such_table').catch(() => undefined);
            await tx.queryAndCommit('select 1').catch((e: unknown) => {
              last = e;
              throw e;
            });
          }),
        ).rejects.toThrow(/no_such_table/);
        expect(last).toMatchObject({ code: '25P02' });
        expect(await db.query(`select id from items where id = 'qc3'`)).toEqual([]);
      });

      it("queryAndCommit rejects with COMMIT's own error (a deferred constraint) and commits nothing", async () => {
        await db.exec('create table deferred_items (id text, constraint deferred_items_once unique (id) deferrable initially deferred)');
        let last: unknown;
        let rows: unknown;
        await expect(
          db.transaction(async (tx) => {
            await tx.query(`insert into deferred_items values ('d')`);
            // The duplicate passes here; the constraint is checked at COMMIT.
            rows = await tx.queryAndCommit(`insert into deferred_items values ('d') returning id`).catch((e: unknown) => {
              last = e;
              throw e;
            });
          }),
        ).rejects.toMatchObject({ code: '23505' });
        expect(rows).toBeUndefined();
        expect(last).toMatchObject({ code: '23505' });
        expect(await db.query('select count(*) as c from deferred_items')).toEqual([{ c: 0 }]);
      });

      it('keeps what queryAndCommit committed when fn throws afterwards', async () => {
        await expect(
          db.transaction(async (tx) => {
            await tx.queryAndCommit('insert into items (id) values ($1)', ['qc5']);
            throw new Error('after the commit');
          }),
        ).rejects.toThrow('after the commit');
        expect(await db.query(`select id from items where id = 'qc5'`)).toEqual([{ id: 'qc5' }]);
      });

      it('leaves no connection inside a transaction after all of the above', async () => {
        // SAVEPOINT fails outside a transaction block (25P01) and succeeds in one left open. More
        // statements than the pool has connections, so every connection answers one.
        const outcomes = await Promise.all(
          Array.from({ length: 24 }, () =>
            db.query('savepoint leak_check').then(
              () => 'inside a transaction',
              (e: { code?: string }) => e.code,
            ),
          ),
        );
        expect(outcomes).toEqual(Array.from({ length: 24 }, () => '25P01'));
        await expect(db.transaction((tx) => tx.query('select 1 as one'))).resolves.toEqual([{ one: 1 }]);
      });
    });

    describe('listen / notify', () => {
      it('delivers payloads from notify and from committed transactions, and stops after unlisten', async () => {
        const got: string[] = [];
        const channel = 'tandemTest Poke';
        const stop = await db.listen(channel, (p) => got.push(p));
        await db.notify(channel, 'one');
        await db.transaction(async (tx) => {
          await tx.query('select pg_notify($1, $2)', [channel, 'two']);
        });
        // A rolled-back transaction's notification is never sent.
        await db.transaction(async (tx) => {
          await tx.query('select pg_notify($1, $2)', [channel, 'lost']);
          throw new Error('roll back');
        }).catch(() => undefined);
        await db.notify(channel, 'three');
        await waitFor(() => got.length >= 3);
        expect(got).toEqual(['one', 'two', 'three']);
        await stop();
        await db.notify(channel, 'after');
        await sleep(200);
        expect(got).toEqual(['one', 'two', 'three']);
      });

      it('does not deliver another channel', async () => {
        const got: string[] = [];
        const stop = await db.listen('chan_a', (p) => got.push(p));
        await db.notify('chan_b', 'x');
        await db.notify('chan_a', 'y');
        await waitFor(() => got.length >= 1);
        await sleep(100);
        expect(got).toEqual(['y']);
        await stop();
      });
    });
  });
}
