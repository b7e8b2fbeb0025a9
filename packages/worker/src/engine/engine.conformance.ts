import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patch, Row } from '@tandem/core';
import type { CreateEngine, Engine } from './engine.ts';
import { PATCHES_IN_BATCH_MAX } from './tx-port.ts';

/**
 * The behaviour every engine adapter must show, run against the real engine (no mocks): each
 * adapter's test file calls this with its factory. Statements are written with $n placeholders in
 * order of use and converted for SQLite; the SQL itself sticks to what both dialects accept.
 *
 * One engine serves the whole suite (creating one costs seconds), so tests use their own tables or
 * row ids and assert on differences rather than on absolute contents.
 */
export function runEngineConformance(name: string, create: CreateEngine): void {
  describe(`Engine conformance: ${name}`, () => {
    let engine: Engine;
    /** Placeholders as the dialect wants them. */
    const sql = (text: string): string => (engine.dialect === 'postgres' ? text : text.replace(/\$\d+/g, '?'));

    const MIXED = 'Mixed "Case" Items';
    const SCHEMA = `
      create table todos (id text primary key, title text not null, n integer, note text);
      create table tags (id varchar(40) primary key, todo_id text not null, name text not null);
      create table lists (id text primary key, name text not null);
      create table "Mixed ""Case"" Items" (id text primary key, label text);
      create table counters (id integer primary key, value integer not null);
      create table pairs (a text not null, id text not null, primary key (a, id));
      create table notes (title text);
      create table tandem_extra (id text primary key);
    `;
    const SYNCED = [MIXED, 'lists', 'tags', 'todos'].sort();

    const all = (table: string): Promise<Row[]> => engine.query(`select * from ${table} order by id`);
    const count = async (table: string): Promise<number> => {
      const [row] = await engine.query<{ n: number }>(`select count(*) as n from ${table}`);
      return row!.n;
    };
    const lastSeq = (): Promise<number> => engine.transaction((tx) => tx.lastPatchSeq());
    const patchesAfter = (seq: number): Promise<Patch[]> =>
      engine.transaction(async (tx) => (await tx.patchesSince(seq)).map((p) => p.patch));
    /** Runs `fn` as action `actionId` in its own transaction. */
    const act = (actionId: string, fn: (q: (text: string, params?: unknown[]) => Promise<Row[]>) => Promise<void>): Promise<void> =>
      engine.transaction((tx) => tx.captureAs(actionId, () => fn((text, params) => tx.query(sql(text), params))));

    // Engine start-up (initdb, or building an image first) can take far longer than a test.
    beforeAll(async () => {
      engine = await create({});
      await engine.exec(SCHEMA);
      await engine.installCapture(await engine.syncedTables());
    }, 120_000);
    afterAll(async () => {
      await engine?.close();
    });

    describe('statements', () => {
      it('runs a query with positional parameters and returns plain row objects', async () => {
        await engine.query(sql('insert into counters (id, value) values ($1, $2), ($3, $4)'), [1, 10, 2, 20]);
        const rows = await engine.query(sql('select id, value + $1 as v from counters where id = $2'), [5, 2]);
        expect(rows).toEqual([{ id: 2, v: 25 }]);
        expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      });

      it('binds null parameters and returns counts as numbers', async () => {
        await engine.query(sql('insert into notes (title) values ($1), ($2)'), [null, 'x']);
        expect(await engine.query(sql('select count(*) as n from notes where title is null'))).toEqual([{ n: 1 }]);
      });

      it('execs a multi-statement DDL script', async () => {
        await engine.exec(`
          create table script_a (k integer primary key, v text);
          create table script_b (k integer primary key, a integer references script_a (k));
          insert into script_a (k, v) values (1, 'one');
          insert into script_b (k, a) values (7, 1);
        `);
        expect(await engine.query('select b.k, a.v from script_b b join script_a a on a.k = b.a')).toEqual([{ k: 7, v: 'one' }]);
      });

      it('names the failing statement of a script (syntax or semantic error) and stays usable', async () => {
        // Schema errors quote it; whether the statements before it stay is up to the engine.
        await expect(engine.exec("create table script_c (k text default 'a;b');\ncreate tabel script_d (k text);\ncreate table script_e (k text);")).rejects.toMatchObject({
          statement: expect.stringMatching(/^create tabel script_d \(k text\);?$/),
        });
        await expect(engine.exec('create table script_f (k text);\n-- a comment; with a semicolon\ncreate index script_f_nope on script_f (nope);')).rejects.toMatchObject({
          statement: expect.stringMatching(/^(-- a comment; with a semicolon\n)?create index script_f_nope on script_f \(nope\);?$/),
        });
        expect(await engine.query('select 1 as one')).toEqual([{ one: 1 }]);
      });

      it('rejects a failing statement and stays usable', async () => {
        await expect(engine.query('select * from no_such_table')).rejects.toThrow(/no_such_table/);
        expect(await engine.query('select 1 as one')).toEqual([{ one: 1 }]);
      });
    });

    describe('transactions', () => {
      it('commits when fn resolves and returns its value', async () => {
        const result = await engine.transaction(async (tx) => {
          await tx.query(sql('insert into counters (id, value) values ($1, $2)'), [100, 1]);
          return 'done';
        });
        expect(result).toBe('done');
        expect(await engine.query(sql('select value from counters where id = $1'), [100])).toEqual([{ value: 1 }]);
      });

      it('rolls back everything, DDL included, when fn throws, and rethrows', async () => {
        const failure = new Error('nope');
        await expect(
          engine.transaction(async (tx) => {
            await tx.query(sql('insert into counters (id, value) values ($1, $2)'), [101, 1]);
            await tx.query('create table tx_rolled_back (id integer)');
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await engine.query(sql('select * from counters where id = $1'), [101])).toEqual([]);
        await expect(engine.query('select * from tx_rolled_back')).rejects.toThrow();
      });

      it('rolls back a savepoint without touching the rest of the transaction', async () => {
        await engine.transaction(async (tx) => {
          const insert = (id: number) => tx.query(sql('insert into counters (id, value) values ($1, $2)'), [id, 0]);
          await insert(110);
          await expect(
            tx.savepoint(async () => {
              await insert(111);
              throw new Error('inner');
            }),
          ).rejects.toThrow('inner');
          expect(await tx.savepoint(async () => (await insert(112), 'kept'))).toBe('kept');
          await tx.savepoint(async () => {
            await insert(113);
            // A failing statement inside a nested savepoint aborts only that savepoint.
            await expect(tx.savepoint(() => tx.query('select * from no_such_table'))).rejects.toThrow();
            await insert(114);
          });
        });
        const rows = await engine.query(sql('select id from counters where id >= $1 and id < $2 order by id'), [110, 120]);
        expect(rows.map((r) => r.id)).toEqual([110, 112, 113, 114]);
      });

      it('fails a savepoint, or the transaction, whose fn swallowed a failed statement (as PostgreSQL does)', async () => {
        // SQLite by itself undoes only the failed statement; actions must fail alike on every engine.
        const insert = (tx: Parameters<Parameters<Engine['transaction']>[0]>[0], id: number) =>
          tx.query(sql('insert into counters (id, value) values ($1, $2)'), [id, 0]);
        await engine.transaction(async (tx) => {
          await insert(tx, 130);
          await expect(
            tx.savepoint(async () => {
              await insert(tx, 131);
              await tx.query('select * from no_such_table').catch(() => undefined);
            }),
          ).rejects.toThrow();
          await insert(tx, 132);
        });
        await expect(
          engine.transaction(async (tx) => {
            await insert(tx, 133);
            await tx.query('select * from no_such_table').catch(() => undefined);
          }),
        ).rejects.toThrow();
        const rows = await engine.query(sql('select id from counters where id >= $1 and id < $2 order by id'), [130, 140]);
        expect(rows.map((r) => r.id)).toEqual([130, 132]);
      });

      it('makes queries outside a transaction wait for the running one', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let inserted!: () => void;
        const didInsert = new Promise<void>((resolve) => (inserted = resolve));
        const tx = engine.transaction(async (t) => {
          await t.query(sql('insert into counters (id, value) values ($1, $2)'), [120, 0]);
          inserted();
          await gate;
        });
        await didInsert;
        let answered = false;
        const outside = engine.query(sql('select count(*) as n from counters where id = $1'), [120]).then((rows) => {
          answered = true;
          return rows;
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(answered).toBe(false);
        release();
        await tx;
        expect(await outside).toEqual([{ n: 1 }]);
      });

      it('refuses the transaction handle once the transaction is over', async () => {
        let leaked!: Parameters<Parameters<Engine['transaction']>[0]>[0];
        await engine.transaction(async (tx) => {
          leaked = tx;
        });
        await expect(leaked.query('select 1')).rejects.toThrow();
      });
    });

    describe('synced tables and capture', () => {
      it('lists exactly the tables whose primary key is a text column id', async () => {
        expect([...(await engine.syncedTables())].sort()).toEqual(SYNCED);
      });

      it('records insert, update and delete with old and new rows under the action id', async () => {
        const before = await lastSeq();
        await act('act-1', async (q) => {
          await q('insert into todos (id, title, n, note) values ($1, $2, $3, $4)', ['c1', 'milk', 1, null]);
          await q('update todos set n = $1, note = $2 where id = $3', [2, 'cold', 'c1']);
        });
        await act('act-2', async (q) => {
          await q('delete from todos where id = $1', ['c1']);
        });
        const first = { id: 'c1', title: 'milk', n: 1, note: null };
        const second = { id: 'c1', title: 'milk', n: 2, note: 'cold' };
        expect(await patchesAfter(before)).toEqual([
          { actionId: 'act-1', table: 'todos', rowId: 'c1', op: 'insert', oldRow: null, newRow: first },
          { actionId: 'act-1', table: 'todos', rowId: 'c1', op: 'update', oldRow: first, newRow: second },
          { actionId: 'act-2', table: 'todos', rowId: 'c1', op: 'delete', oldRow: second, newRow: null },
        ]);
        const seqs = await engine.transaction(async (tx) => (await tx.patchesSince(before)).map((p) => p.seq));
        expect(seqs).toHaveLength(3);
        expect(seqs.every((s, i) => s > before && (i === 0 || s > seqs[i - 1]!))).toBe(true);
        expect(await lastSeq()).toBe(seqs[2]);
      });

      it('captures tables whose names need quoting', async () => {
        const before = await lastSeq();
        await act('act-mixed', (q) => q(`insert into "Mixed ""Case"" Items" (id, label) values ($1, $2)`, ['m1', 'x']).then(() => undefined));
        expect(await patchesAfter(before)).toEqual([
          { actionId: 'act-mixed', table: MIXED, rowId: 'm1', op: 'insert', oldRow: null, newRow: { id: 'm1', label: 'x' } },
        ]);
      });

      it('refuses writes to synced tables outside an action, with a clear message, and changes nothing', async () => {
        await act('seed-refuse', (q) => q('insert into todos (id, title) values ($1, $2)', ['r1', 'keep']).then(() => undefined));
        const rowsBefore = await all('todos');
        const seqBefore = await lastSeq();
        const message = /write to synced table "todos" outside an action; write through an action \(db\.actions\.<name>\(args\)\) instead/;

        await expect(engine.query(sql('insert into todos (id, title) values ($1, $2)'), ['r2', 'sneaky'])).rejects.toThrow(message);
        await expect(engine.query(sql('update todos set title = $1 where id = $2'), ['changed', 'r1'])).rejects.toThrow(message);
        await expect(engine.query(sql('delete from todos where id = $1'), ['r1'])).rejects.toThrow(message);
        await expect(
          engine.transaction((tx) => tx.query(sql('insert into todos (id, title) values ($1, $2)'), ['r3', 'in tx, no action'])),
        ).rejects.toThrow(message);

        expect(await all('todos')).toEqual(rowsBefore);
        expect(await lastSeq()).toBe(seqBefore);
      });

      it('allows writes to tables that are not synced', async () => {
        await engine.query(sql('insert into pairs (a, id) values ($1, $2)'), ['x', 'y']);
        expect(await count('pairs')).toBe(1);
      });

      it('ends capture when captureAs ends, also when fn throws', async () => {
        const message = /outside an action/;
        await expect(
          engine.transaction(async (tx) => {
            await tx.captureAs('act-scope', () => tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-scope', 'a']));
            await tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-after', 'b']);
          }),
        ).rejects.toThrow(message);

        await expect(
          engine.transaction(async (tx) => {
            await tx
              .savepoint(() =>
                tx.captureAs('act-throws', async () => {
                  await tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-thrown', 'c']);
                  throw new Error('action failed');
                }),
              )
              .catch(() => undefined);
            await tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-after-throw', 'd']);
          }),
        ).rejects.toThrow(message);
        expect(await engine.query(sql('select * from lists where id like $1'), ['l-%'])).toEqual([]);
      });

      it('drops the patches of an action whose savepoint rolls back', async () => {
        const before = await lastSeq();
        await engine.transaction(async (tx) => {
          await tx
            .savepoint(() =>
              tx.captureAs('act-failed', async () => {
                await tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-fail', 'x']);
                throw new Error('business rule');
              }),
            )
            .catch(() => undefined);
          await tx.savepoint(() => tx.captureAs('act-ok', () => tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-ok', 'y'])));
        });
        const patches = await patchesAfter(before);
        expect(patches.map((p) => [p.actionId, p.rowId])).toEqual([['act-ok', 'l-ok']]);
        expect(await engine.query(sql('select id from lists where id like $1'), ['l-%'])).toEqual([{ id: 'l-ok' }]);
      });

      it('re-installs capture idempotently and only on the tables given', async () => {
        await engine.installCapture(SYNCED);
        await engine.installCapture(['todos']);
        // lists lost its trigger: written outside an action without error and without a patch.
        const before = await lastSeq();
        await engine.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-free', 'z']);
        expect(await lastSeq()).toBe(before);
        await expect(engine.query(sql('insert into todos (id, title) values ($1, $2)'), ['t-free', 'z'])).rejects.toThrow(/outside an action/);
        await engine.query(sql('delete from lists where id = $1'), ['l-free']);
        await engine.installCapture(SYNCED);
        await expect(engine.query(sql('insert into lists (id, name) values ($1, $2)'), ['l-free', 'z'])).rejects.toThrow(/outside an action/);
      });
    });

    describe('batch bookkeeping', () => {
      it('recordBatch records pending actions and the client seq, and returns the tables changed since a seq', async () => {
        const before = await lastSeq();
        const actions = [
          { seq: 9001, id: 'bk-1', name: 'add', args: { title: 'a' }, time: 1 },
          { seq: 9002, id: 'bk-2', name: 'noop', args: null, time: 2 },
        ];
        const result = await engine.transaction(async (tx) => {
          await tx.captureAs('bk-1', () => tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['bk-l', 'x']));
          await tx.captureAs('bk-1', () => tx.query(sql('insert into tags (id, todo_id, name) values ($1, $2, $3)'), ['bk-g', 't', 'y']));
          return tx.recordBatch(actions, before);
        });
        expect([...result.tables].sort()).toEqual(['lists', 'tags']);
        expect(result.lastSeq).toBe(await lastSeq());
        expect(result.lastSeq).toBeGreaterThan(before);
        const pending = await engine.query(sql('select seq, id, name, args, time from tandem_pending where id like $1 order by seq'), ['bk-%']);
        expect(pending.map((r) => ({ ...r, args: typeof r.args === 'string' ? JSON.parse(r.args) : r.args }))).toEqual(actions);
        expect(await engine.query("select value from tandem_meta where key = 'client_seq'")).toEqual([{ value: 9002 }]);

        // Nothing changed since: no tables, the same seq; no actions: nothing recorded.
        const same = await engine.transaction((tx) => tx.recordBatch([], result.lastSeq));
        expect(same).toEqual({ tables: [], lastSeq: result.lastSeq });
        expect(await engine.transaction((tx) => tx.changedTablesSince(before))).toEqual({ tables: expect.arrayContaining(['lists', 'tags']), lastSeq: result.lastSeq });
      });

      it('recordBatch returns a small batch\'s patches as patchesSince reads them (PGlite), none beyond PATCHES_IN_BATCH_MAX', async () => {
        const batchOf = async (n: number) => {
          let got: { patches: Patch[] | undefined; read: Patch[] } | undefined;
          // Rolled back: nothing of it stays for the other tests.
          const rolledBack = engine.transaction(async (tx) => {
            const before = await tx.lastPatchSeq();
            await tx.captureAs(`pb-${n}`, async () => {
              for (let i = 0; i < n; i++) await tx.query(sql('insert into lists (id, name) values ($1, $2)'), [`pb-${n}-${i}`, `n${i}`]);
            });
            const batch = await tx.recordBatch([{ seq: 9300, id: `pb-${n}`, name: 'add', args: null, time: 1 }], before);
            got = { patches: batch.patches, read: (await tx.patchesSince(before)).map((p) => p.patch) };
            throw new Error('roll back');
          });
          await expect(rolledBack).rejects.toThrow('roll back');
          return got!;
        };
        const small = await batchOf(3);
        expect(small.read).toHaveLength(3);
        if (engine.name === 'pglite') expect(small.patches).toEqual(small.read);
        else expect(small.patches).toBeUndefined();
        const big = await batchOf(PATCHES_IN_BATCH_MAX + 1);
        expect(big.read).toHaveLength(PATCHES_IN_BATCH_MAX + 1);
        expect(big.patches).toBeUndefined();
      });

      it('readMetaAndPending returns exactly what readMeta and pendingActions return', async () => {
        const actions = [
          { seq: 9101, id: 'mp-1', name: 'add', args: { title: 'ä "q"', nested: [1, 2.5, { ok: true }], none: null }, time: 1_700_000_000_123 },
          { seq: 9102, id: 'mp-2', name: 'noop', args: null, time: 2 },
          { seq: 9103, id: 'mp-3', name: 'scalar', args: 'text', time: 3 },
          { seq: 9104, id: 'mp-4', name: 'list', args: [0, false, ''], time: 4 },
        ];
        const cursors = { L: 7, 'a "b"': 12 };
        await engine.transaction(async (tx) => {
          await tx.recordPending(actions);
          await tx.writeMeta('mp_cursors', cursors);
          await tx.writeMeta('mp_null', null);
        });
        await engine.transaction(async (tx) => {
          const got = await tx.readMetaAndPending<Record<string, number>>('mp_cursors');
          expect(got.meta).toEqual(cursors);
          expect(got.pending.filter((p) => p.id.startsWith('mp-'))).toEqual(actions);
          expect(got).toEqual({ meta: await tx.readMeta('mp_cursors'), pending: await tx.pendingActions() });
          // recordPending keeps the client seq as a number: it must read back as readMeta reads it.
          expect(await tx.readMetaAndPending('client_seq')).toEqual({ meta: await tx.readMeta('client_seq'), pending: got.pending });
          expect((await tx.readMetaAndPending('client_seq')).meta).toBe(9104);
          expect((await tx.readMetaAndPending('mp_missing')).meta).toBeUndefined();
          expect((await tx.readMetaAndPending('mp_null')).meta).toBeUndefined();
        });
        // With nothing pending: an empty list (checked in a transaction that is rolled back).
        const empty = engine.transaction(async (tx) => {
          await tx.dropPending(Number.MAX_SAFE_INTEGER);
          expect(await tx.readMetaAndPending('mp_cursors')).toEqual({ meta: cursors, pending: [] });
          throw new Error('roll back');
        });
        await expect(empty).rejects.toThrow('roll back');
        expect((await engine.transaction((tx) => tx.pendingActions())).map((p) => p.id)).toEqual(expect.arrayContaining(['mp-1', 'mp-4']));
      });
    });

    describe('tables without capture', () => {
      it('are reported as changed by the transaction that wrote them, with the patched ones', async () => {
        const changed = await engine.transaction(async (tx) => {
          const seq = await tx.lastPatchSeq();
          await tx.actionScope('touch-1', async () => {
            await tx.query(sql('insert into pairs (a, id) values ($1, $2)'), ['touch', 't1']);
            await tx.query(sql('insert into lists (id, name) values ($1, $2)'), ['touch-l1', 'x']);
          });
          return (await tx.changedTablesSince(seq)).tables;
        });
        expect([...changed].sort()).toEqual(['lists', 'pairs']);
        // A later transaction starts with nothing noted.
        expect(await engine.transaction(async (tx) => (await tx.changedTablesSince(await tx.lastPatchSeq())).tables)).toEqual([]);
      });
    });

    describe('revert', () => {
      it('undoes a sequence of patches exactly and records nothing', async () => {
        await act('rv-seed', async (q) => {
          await q('insert into todos (id, title, n, note) values ($1, $2, $3, $4), ($5, $6, $7, $8)', ['v1', 'one', 1, 'a', 'v2', 'two', 2, null]);
          await q('insert into tags (id, todo_id, name) values ($1, $2, $3)', ['g1', 'v1', 'red']);
        });
        const todosBefore = await all('todos');
        const tagsBefore = await all('tags');
        const seqBefore = await lastSeq();

        await act('rv-a', async (q) => {
          await q('insert into todos (id, title, n) values ($1, $2, $3)', ['v3', 'three', 3]);
          await q('update todos set title = $1, note = $2 where id = $3', ['ONE', null, 'v1']);
          await q('update todos set n = $1 where id = $2', [30, 'v3']);
          await q('delete from tags where id = $1', ['g1']);
        });
        await act('rv-b', async (q) => {
          await q('delete from todos where id = $1', ['v2']);
          await q('insert into tags (id, todo_id, name) values ($1, $2, $3)', ['g2', 'v3', 'blue']);
          await q('update todos set id = $1 where id = $2', ['v1-renamed', 'v1']);
          await q('update todos set n = n + 1');
        });
        const patches = await patchesAfter(seqBefore);
        expect(patches.length).toBeGreaterThanOrEqual(8);
        const seqAfter = await lastSeq();
        expect(await all('todos')).not.toEqual(todosBefore);

        await engine.transaction((tx) => tx.revert(patches));

        expect(await all('todos')).toEqual(todosBefore);
        expect(await all('tags')).toEqual(tagsBefore);
        expect(await lastSeq()).toBe(seqAfter);
      });

      it('fails, changing nothing, when a row is not as captured', async () => {
        await act('rv-gone', (q) => q('insert into todos (id, title) values ($1, $2)', ['gone', 'x']).then(() => undefined));
        const [insert] = await patchesAfter((await lastSeq()) - 1);
        await act('rv-gone-2', (q) => q('delete from todos where id = $1', ['gone']).then(() => undefined));
        const before = await all('todos');
        await expect(engine.transaction((tx) => tx.revert([insert!]))).rejects.toThrow();
        expect(await all('todos')).toEqual(before);
      });

      it('leaves capture on after revert', async () => {
        await engine.transaction(async (tx) => {
          await tx.revert([]);
          await expect(tx.savepoint(() => tx.query(sql('insert into todos (id, title) values ($1, $2)'), ['rv-x', 'x']))).rejects.toThrow(/outside an action/);
        });
      });
    });

    describe('read (db.query and live queries)', () => {
      /** Everything a refused statement could have touched. */
      const state = async () => ({
        pairs: await engine.query('select * from pairs order by a, id'),
        todos: await all('todos'),
        pending: await engine.query('select * from tandem_pending order by seq'),
        meta: await engine.query('select * from tandem_meta order by key'),
        tables: (await engine.query<{ n: number }>(
          engine.dialect === 'postgres'
            ? "select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace"
            : 'select count(*) as n from sqlite_schema',
        ))[0]!.n,
        seq: await lastSeq(),
      });

      it('runs queries: SELECT, WITH, VALUES, behind comments and parentheses, with parameters', async () => {
        expect(await engine.read(sql('select $1 + 0 as v'), [7])).toEqual([{ v: 7 }]);
        expect(await engine.read('with x as (select 1 as v) select v from x')).toEqual([{ v: 1 }]);
        expect(await engine.read("/* why */ -- a comment\n select 'a' as v")).toEqual([{ v: 'a' }]);
        expect(await engine.read('values (1)')).toHaveLength(1);
        expect(await engine.read('select count(*) as n from tandem_pending')).toHaveLength(1);
        expect(await engine.tablesRead('select * from todos')).toEqual(['todos']);
      });

      it.each([
        ['an INSERT into a table that is not synced', "insert into pairs (a, id) values ('ro', 'x')"],
        ['an INSERT into a synced table', "insert into todos (id, title) values ('ro', 'x')"],
        ['an UPDATE', "update pairs set a = 'changed'"],
        ['a DELETE', 'delete from pairs'],
        ["an INSERT into Tandem's pending actions", "insert into tandem_pending (seq, id, name, args, time) values (999, 'forged', 'add', null, 0)"],
        ["an UPDATE of Tandem's meta", "insert into tandem_meta (key, value) values ('client_seq', '999')"],
        ['a write behind a WITH', "with x as (select 'ro' as a) insert into pairs (a, id) select a, 'cte' from x"],
        ['CREATE TABLE', 'create table ro_new (id text primary key)'],
        ['DROP TABLE', 'drop table notes'],
        ['ALTER TABLE', 'alter table notes add column ro text'],
        ['several statements', "select 1; insert into pairs (a, id) values ('ro', 'multi')"],
        ['a COMMIT to escape the read, then a write', "commit; insert into pairs (a, id) values ('ro', 'escape')"],
        ['BEGIN', 'begin'],
        ['a SAVEPOINT', 'savepoint ro'],
      ])('refuses %s, with a clear error, and changes nothing', async (_what, text) => {
        const before = await state();
        await expect(engine.read(text)).rejects.toThrow(/db\.query and live queries only read/);
        // A live query asks for its tables first: that must run nothing either (it may refuse).
        await engine.tablesRead(text).catch(() => undefined);
        expect(await state()).toEqual(before);
        // The connection is as it was: a transaction still opens, commits and captures.
        await act('after-refusal', async () => undefined);
        expect(await engine.read('select 1 as ok')).toEqual([{ ok: 1 }]);
      });
      // Statements a read may not slip past the engine: they would change the connection, not rows.
      const connectionChanges =
        name === 'pglite'
          ? [
              "select set_config('tandem.action_id', 'forged', false)",
              "select set_config('tandem.bypass', 'on', false)",
              "select set_config('session_replication_role', 'replica', false)",
              'set tandem.bypass = on',
              'set transaction read write',
              'deallocate all',
              "prepare forged as insert into todos (id, title) values ('forged', 'x')",
              'listen forged',
              'discard all',
            ]
          : [
              'pragma case_sensitive_like = off',
              'pragma foreign_keys = on',
              'pragma user_version = 5',
              "attach ':memory:' as forged",
              'detach temp',
              'vacuum',
              'analyze',
              'reindex',
            ];
      it.each(connectionChanges)('%s: refused or undone; later writes are captured under their own action only', async (text) => {
        const before = await state();
        await engine.read(text).then(
          () => undefined,
          (error: Error) => expect(error.message).toMatch(/db\.query and live queries only read/),
        );
        expect(await state()).toEqual(before);
        await expect(engine.transaction((tx) => tx.query(sql('insert into todos (id, title) values ($1, $2)'), ['forged', 'x']))).rejects.toThrow(/outside an action/);
        const seq = await lastSeq();
        await act('own-id', (q) => q('insert into todos (id, title) values ($1, $2)', [`own-${seq}`, 'x']).then(() => undefined));
        expect((await patchesAfter(seq)).map((p) => p.actionId)).toEqual(['own-id']);
        expect(await engine.read(sql('select title from todos where id = $1'), [`own-${seq}`])).toEqual([{ title: 'x' }]);
      });
    });

    describe('tablesRead', () => {
      it('finds the table of a simple query with parameters', async () => {
        expect(await engine.tablesRead(sql('select * from todos where id = $1'), ['x'])).toEqual(['todos']);
      });

      it('finds every table of a join', async () => {
        const tables = await engine.tablesRead('select t.title, g.name from todos t join tags g on g.todo_id = t.id');
        expect([...tables].sort()).toEqual(['tags', 'todos']);
      });

      it('finds tables inside subqueries and CTEs', async () => {
        const sub = await engine.tablesRead(sql('select id from todos where id in (select todo_id from tags where name = $1)'), ['red']);
        expect([...sub].sort()).toEqual(['tags', 'todos']);
        const scalar = await engine.tablesRead('select id, (select count(*) from tags where tags.todo_id = todos.id) as n from todos');
        expect([...scalar].sort()).toEqual(['tags', 'todos']);
        const cte = await engine.tablesRead(`
          with named as (select id, name from lists), tagged as (select todo_id from tags)
          select named.name, todos.title from named join todos on todos.note = named.id where todos.id in (select todo_id from tagged)
        `);
        expect([...cte].sort()).toEqual(['lists', 'tags', 'todos']);
        expect(await engine.tablesRead(`select * from "Mixed ""Case"" Items"`)).toEqual([MIXED]);
      });

      it('runs nothing', async () => {
        const before = await count('counters');
        await expect(engine.tablesRead(sql('insert into counters (id, value) values ($1, $2)'), [999, 1])).rejects.toThrow(/only read/);
        await engine.tablesRead(sql('with x as (insert into counters (id, value) values ($1, $2) returning id) select * from x'), [999, 1]).catch(() => undefined);
        expect(await count('counters')).toBe(before);
      });
    });

    describe('snapshot', () => {
      it('round-trips rows, tandem tables, triggers and the patch sequence', async () => {
        await act('snap-1', (q) => q('insert into todos (id, title, n) values ($1, $2, $3)', ['s1', 'snap', 7]).then(() => undefined));
        await engine.query(sql('insert into counters (id, value) values ($1, $2)'), [500, 5]);
        const seq = await lastSeq();
        const todos = await all('todos');
        const counters = await all('counters');
        const patches = await patchesAfter(0);

        const image = await engine.snapshot();
        expect(image.size).toBeGreaterThan(0);
        const restored = await create({ image });
        try {
          expect(await restored.query('select * from todos order by id')).toEqual(todos);
          expect(await restored.query('select * from counters order by id')).toEqual(counters);
          expect(await restored.transaction(async (tx) => (await tx.patchesSince(0)).map((p) => p.patch))).toEqual(patches);
          expect([...(await restored.syncedTables())].sort()).toEqual(SYNCED);

          await expect(restored.query(sql('insert into todos (id, title) values ($1, $2)'), ['s2', 'x'])).rejects.toThrow(/outside an action/);
          await restored.transaction((tx) => tx.captureAs('snap-2', () => tx.query(sql('insert into todos (id, title) values ($1, $2)'), ['s2', 'x'])));
          const after = await restored.transaction((tx) => tx.patchesSince(seq));
          expect(after).toHaveLength(1);
          expect(after[0]!.seq).toBeGreaterThan(seq);
          expect(after[0]!.patch).toMatchObject({ actionId: 'snap-2', rowId: 's2', op: 'insert' });
          // The original is untouched by the copy.
          expect(await engine.query(sql('select * from todos where id = $1'), ['s2'])).toEqual([]);
        } finally {
          await restored.close();
        }
      });
    });

    describe('close', () => {
      it('refuses calls after close with kind "closed"', async () => {
        const doomed = await create({ image: await engine.snapshot() });
        const queued = doomed.query('select 1 as one');
        await doomed.close();
        expect(await queued).toEqual([{ one: 1 }]);
        await expect(doomed.query('select 1')).rejects.toMatchObject({ kind: 'closed' });
        await expect(doomed.transaction(async () => 1)).rejects.toMatchObject({ kind: 'closed' });
      });
    });
  });
}
