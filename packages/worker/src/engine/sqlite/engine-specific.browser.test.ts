import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patch, Row } from '@tandem/core';
import type { Engine } from '../engine.ts';
import { createPgliteEngine } from '../pglite/engine.ts';
import { createSqliteEngine } from './engine.ts';

// What the shared conformance suite cannot say: how SQLite is made to look like PGlite (parameters,
// values, patch rows), its wasm loading, and what only SQLite needs (trigger-free server writes).

/** Where Vite serves the package's own files; the folder holding sqlite3.wasm. */
const PACKAGE_DIST = new URL('/node_modules/@sqlite.org/sqlite-wasm/dist/', location.href).href;

/** Runs `fn` as one action and returns the patches it captured. */
async function patchesOf(engine: Engine, fn: (q: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<unknown>): Promise<Patch[]> {
  return engine.transaction(async (tx) => {
    const before = await tx.lastPatchSeq();
    await tx.actionScope(`a-${Math.random()}`, () => fn((sql, params) => tx.query(sql, params)));
    return (await tx.patchesSince(before)).map((p) => p.patch);
  });
}

// The module is loaded once per JS realm (this file's iframe), so these run first, in order.
describe('sqlite-wasm loading', () => {
  it('refuses an assetsUrl without sqlite3.wasm, with a clear message, and loads on a later call', async () => {
    await expect(createSqliteEngine({ assetsUrl: new URL('/no-such-folder/', location.href).href })).rejects.toMatchObject({
      kind: 'not_ready',
      message: expect.stringMatching(/^The SQLite engine \(engine: 'sqlite'\) could not start: \S+\/no-such-folder\/sqlite3\.wasm (answered HTTP 404|is served as text\/html)/),
    });
  });

  it('starts a fresh engine from assetsUrl quickly, and later ones in about a millisecond', async () => {
    let t0 = performance.now();
    const first = await createSqliteEngine({ assetsUrl: PACKAGE_DIST });
    const firstMs = performance.now() - t0;
    await first.close();
    const later: number[] = [];
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      const engine = await createSqliteEngine({});
      await engine.exec('create table t (id text primary key)');
      await engine.installCapture(['t']);
      later.push(performance.now() - t0);
      await engine.close();
    }
    console.log(`sqlite engine init: first (wasm load) ${firstMs.toFixed(1)} ms; later (open + DDL + capture) ${later.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    expect(firstMs).toBeLessThan(3_000);
    expect(Math.min(...later)).toBeLessThan(50);
  });

  it('refuses an image that is not an SQLite database', async () => {
    await expect(createSqliteEngine({ image: new Blob(['PGlite tarball, say'.padEnd(200, '.')]) })).rejects.toThrow(/not an SQLite database/);
  });
});

describe('SQLite engine specifics', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await createSqliteEngine({});
    await engine.exec(`
      create table t (id text primary key, done boolean not null, meta jsonb, n bigint, x double precision);
      create table files (id text primary key, body blob, kind text);
      create table plain (k integer primary key, flag bool, data json, raw blob, big integer);
      create table board (id text primary key, "list.id" text, n integer);
      create table audit (what text);
      create trigger t_audit after insert on t begin insert into audit (what) values ('insert ' || new.id); end;
    `);
    await engine.installCapture(await engine.syncedTables());
  });
  afterAll(async () => {
    await engine?.close();
  });

  describe('installing capture', () => {
    let fresh: Engine;
    const quoted = 'b "q"';
    const triggers = async () => (await fresh.query<{ name: string }>(`select name from sqlite_schema where type = 'trigger' order by name`)).map((r) => r.name);
    beforeAll(async () => {
      fresh = await createSqliteEngine({});
      await fresh.exec(`
        create table a (id text primary key, v integer);
        create table "b ""q""" (id text primary key, w text);
        create table no_id (k text primary key);
        create table gen_id (k text primary key, id text generated always as (k) virtual);
        create view a_view as select * from a;
      `);
    });
    afterAll(async () => {
      await fresh?.close();
    });

    it('refuses views, missing tables and tables without an ordinary column "id", naming each, and changes nothing', async () => {
      await fresh.installCapture(['a']);
      const before = await triggers();
      expect(before.filter((n) => n.startsWith('tandem_capture_'))).toHaveLength(7);
      const refused = fresh.installCapture(['a', quoted, 'no_id', 'gen_id', 'a_view', 'missing', 'A']);
      await expect(refused).rejects.toMatchObject({ kind: 'schema_error', details: { tables: ['no_id', 'gen_id', 'a_view', 'missing', 'A'] } });
      expect(await triggers()).toEqual(before);
      await expect(fresh.query(`insert into "b ""q""" (id, w) values ('x', 'free')`)).resolves.toEqual([]);
      await expect(fresh.query(`insert into a (id, v) values ('x', 1)`)).rejects.toThrow(/outside an action/);
    });

    it("installs every table's triggers at once, each with its own columns, and lists a new column after a change", async () => {
      await fresh.exec(`delete from "b ""q"""`);
      await fresh.installCapture(['a', quoted]);
      expect((await triggers()).filter((n) => n.startsWith('tandem_capture_'))).toHaveLength(14);
      const first = await patchesOf(fresh, async (q) => {
        await q(`insert into a (id, v) values ('a1', 1)`);
        await q(`insert into "b ""q""" (id, w) values ('b1', 'x')`);
      });
      expect(first.map((p) => [p.table, p.newRow])).toEqual([
        ['a', { id: 'a1', v: 1 }],
        [quoted, { id: 'b1', w: 'x' }],
      ]);
      // A migration's column: re-installed, the triggers list it.
      await fresh.exec('alter table a add column extra text');
      await fresh.installCapture(['a', quoted]);
      const second = await patchesOf(fresh, (q) => q(`update a set extra = 'e' where id = 'a1'`));
      expect(second.map((p) => [p.op, p.oldRow, p.newRow])).toEqual([['update', { id: 'a1', v: 1, extra: null }, { id: 'a1', v: 1, extra: 'e' }]]);
      // Dropped from the synced set: its triggers go, and it notes writes instead (touch triggers).
      await fresh.installCapture(['a']);
      const names = await triggers();
      expect(names.filter((n) => n.startsWith('tandem_capture_'))).toHaveLength(7);
      expect(names).toContain(`tandem_touch_insert_${quoted}`);
    });
  });

  describe('parameters', () => {
    it('binds $n by number, whatever the order of first appearance, and repeated $n once', async () => {
      await engine.query('insert into plain (k, flag, data, big) values ($1, $2, $3, $4)', [1, true, null, 7]);
      await engine.query('update plain set big = $2, data = $3 where k = $1', [1, 42, { a: 1 }]);
      expect(await engine.query('select k, big, data from plain where k = $1', [1])).toEqual([{ k: 1, big: 42, data: { a: 1 } }]);
      expect(await engine.query('select $2 as b, $1 as a, $2 + $1 as s', [1, 10])).toEqual([{ b: 10, a: 1, s: 11 }]);
      expect(await engine.query('select ?2 as b, ?1 as a', ['x', 'y'])).toEqual([{ b: 'y', a: 'x' }]);
      expect(await engine.query('select ? as a, ? as b', [1, 2])).toEqual([{ a: 1, b: 2 }]);
    });

    it('refuses wrong parameter counts, mixed styles, named parameters and values SQLite cannot hold', async () => {
      await expect(engine.query('select $1 as a, $2 as b', [1])).rejects.toThrow(/takes 2 parameters, but 1 were given/);
      await expect(engine.query('select $1 as a', [1, 2])).rejects.toThrow(/takes 1 parameters, but 2 were given/);
      await expect(engine.query('select $1 as a, ? as b', [1, 2])).rejects.toThrow(/mixes \$n and \?/);
      await expect(engine.query('select :name as a', ['x'])).rejects.toThrow(/Parameter :name is not supported/);
      await expect(engine.query('select $1 as a', [new Date(0)])).rejects.toThrow(/a Date is not a SQL value/);
      await expect(engine.query('select $1 as a', [2n ** 64n])).rejects.toThrow(/does not fit in a 64-bit integer/);
      await expect(engine.query('select 1 as a; select 2 as b')).rejects.toThrow(/runs one statement/);
      // A statement that fails to bind leaves the cached statement usable.
      expect(await engine.query('select $1 as a', [3])).toEqual([{ a: 3 }]);
    });
  });

  describe('statements', () => {
    it('matches LIKE case-sensitively, as PostgreSQL does', async () => {
      expect(await engine.query(`select 'abc' like 'A%' as upper, 'abc' like 'a%' as lower`)).toEqual([{ upper: 0, lower: 1 }]);
    });
  });

  describe('values', () => {
    it('returns booleans, parsed JSON, exact big integers and bytea-style blobs', async () => {
      await engine.query('insert into plain (k, flag, data, raw, big) values ($1, $2, $3, $4, $5)', [2, false, [1, 'two', { three: null }], new Uint8Array([0, 255, 16]), 2n ** 60n]);
      await engine.query('insert into plain (k, flag, data, big) values ($1, $2, jsonb($3), $4)', [3, 1, '{"b":[true]}', '9007199254740993']);
      expect(await engine.query('select k, flag, data, raw, big from plain where k in (2, 3) order by k')).toEqual([
        { k: 2, flag: false, data: [1, 'two', { three: null }], raw: '\\x00ff10', big: '1152921504606846976' },
        // jsonb() stores SQLite's binary JSONB; it still reads back as JSON.
        { k: 3, flag: true, data: { b: [true] }, raw: null, big: '9007199254740993' },
      ]);
      // Expressions have no declared type: SQLite's own values.
      expect(await engine.query('select count(*) as n, 1 = 1 as truth, json_object($1, 2) as j, 9007199254740993 as big from plain', ['a'])).toEqual([
        { n: 3, truth: 1, j: '{"a":2}', big: '9007199254740993' },
      ]);
      const [row] = await engine.query('select * from plain where k = 2');
      expect(JSON.parse(JSON.stringify(row))).toEqual(row);
    });
  });

  describe('capture', () => {
    it('records the same patches and rows as PGlite for the same schema and statements', async () => {
      const pg = await createPgliteEngine({});
      try {
        await pg.exec('create table t (id text primary key, done boolean not null, meta jsonb, n bigint, x double precision)');
        await pg.installCapture(['t']);
        const run = (e: Engine) =>
          patchesOf(e, async (q) => {
            await q('insert into t (id, done, meta, n, x) values ($1, $2, $3, $4, $5)', ['p1', true, { a: [1, null, 'x'], b: { c: true } }, 42, 0.1]);
            await q('insert into t (id, done, meta, n, x) values ($1, $2, $3, $4, $5)', ['p2', false, null, '9007199254740993', 2]);
            await q('update t set done = $2, meta = $3, x = $4 where id = $1', ['p1', false, [0.30000000000000004, 'é"\\'], 1 / 3]);
            await q('update t set n = n where id = $1', ['p2']); // no change, no patch
            await q('update t set id = $1 where id = $2', ['p3', 'p2']);
            await q('delete from t where id = $1', ['p1']);
          });
        const [sqlitePatches, pgPatches] = [await run(engine), await run(pg)];
        expect(sqlitePatches.map((p) => `${p.op} ${p.rowId}`)).toEqual(['insert p1', 'insert p2', 'update p1', 'delete p2', 'insert p3', 'delete p1']);
        expect(sqlitePatches.map(({ actionId: _, ...p }) => p)).toEqual(pgPatches.map(({ actionId: _, ...p }) => p));
        expect(await engine.query('select * from t order by id')).toEqual(await pg.query('select * from t order by id'));
      } finally {
        await pg.close();
      }
    });

    it('reverts rows with booleans, JSON, big integers and blobs exactly', async () => {
      await patchesOf(engine, async (q) => {
        await q('insert into files (id, body, kind) values ($1, $2, $3)', ['f1', new Uint8Array([1, 2]), 'a']);
        await q('insert into t (id, done, meta, n, x) values ($1, $2, $3, $4, $5)', ['r0', true, { keep: [1, { y: null }] }, 5, 0.25]);
      });
      const tBefore = await engine.query('select * from t order by id');
      const filesBefore = await engine.query('select id, body, typeof(body) as type, kind from files order by id');
      const patches = await patchesOf(engine, async (q) => {
        await q('insert into t (id, done, meta, n) values ($1, $2, $3, $4)', ['r1', true, { deep: [{ x: 1 }] }, '9007199254740993']);
        await q('update t set done = not done, meta = $1, n = n + 1, x = null where id = $2', ['"str"', 'r0']);
        await q('update files set body = $1, kind = null where id = $2', [new Uint8Array([9]), 'f1']);
        await q('delete from files where id = $1', ['f1']);
      });
      expect(patches.find((p) => p.table === 'files' && p.op === 'update')?.oldRow).toEqual({ id: 'f1', body: '\\x0102', kind: 'a' });
      await engine.transaction((tx) => tx.revert(patches));
      expect(await engine.query('select * from t order by id')).toEqual(tBefore);
      expect(await engine.query('select id, body, typeof(body) as type, kind from files order by id')).toEqual(filesBefore);
      expect(filesBefore).toEqual([{ id: 'f1', body: '\\x0102', type: 'blob', kind: 'a' }]);
    });
  });

  describe('transactions', () => {
    it('fails a scope, and a commit, after a failed statement that was swallowed, as PostgreSQL does', async () => {
      const before = await engine.query('select count(*) as n from audit');
      await expect(
        engine.transaction(async (tx) => {
          await tx.query('insert into audit (what) values ($1)', ['kept?']);
          await tx.query('insert into nowhere values (1)').catch(() => undefined);
          await expect(tx.query('select 1 as one')).rejects.toThrow(/current transaction is aborted.*no such table: nowhere/);
        }),
      ).rejects.toThrow(/rolled back: a statement in it failed \(no such table: nowhere\)/);
      expect(await engine.query('select count(*) as n from audit')).toEqual(before);

      const result = await engine.transaction(async (tx) => {
        const failed = await tx
          .actionScope('swallow', async () => {
            await tx.query('insert into nowhere values (1)').catch(() => undefined);
            return 'looked fine';
          })
          .catch((error: Error) => error.message);
        // Rolling back the scope clears the failure: the transaction goes on.
        return [failed, await tx.query('select 2 as two')];
      });
      expect(result).toEqual(['no such table: nowhere', [{ two: 2 }]]);
    });
  });

  describe('server rows', () => {
    it('applies Postgres-typed rows (booleans, JSON objects, big integers as strings) without capture or app triggers', async () => {
      const seq = await engine.transaction((tx) => tx.lastPatchSeq());
      const audits = await engine.query('select count(*) as n from audit');
      const rows = [
        { id: 's1', done: true, meta: { list: [1, 2], ok: false }, n: '9007199254740993', x: 0.5 },
        { id: 's2', done: false, meta: null, n: 3, x: null },
        { id: 's3', done: true, meta: 'just a string', n: null, x: 1e21 },
      ];
      await engine.transaction((tx) =>
        tx.applyServerRows({
          replaceChannels: [],
          changes: [
            ...rows.map((row) => ({ table: 't', rowId: row.id, op: 'insert' as const, row })),
            { table: 't', rowId: 's2', op: 'update', row: { ...rows[1]!, done: true } },
            { table: 't', rowId: 'p3', op: 'delete', row: null },
          ],
        }),
      );
      expect(await engine.query(`select * from t where id like 's%' or id = 'p3' order by id`)).toEqual([rows[0], { ...rows[1], done: true }, rows[2]]);
      expect(await engine.transaction((tx) => tx.lastPatchSeq())).toBe(seq);
      expect(await engine.query('select count(*) as n from audit')).toEqual(audits);
      // Triggers are back on: an action fires the app trigger and is captured.
      await patchesOf(engine, (q) => q('insert into t (id, done) values ($1, $2)', ['s4', false]));
      expect(await engine.query('select count(*) as n from audit')).toEqual([{ n: (audits[0]!.n as number) + 1 }]);
      await expect(engine.query('delete from t')).rejects.toThrow(/outside an action/);
    });

    it('keeps app triggers off for server rows and reverts, also on a table that had nothing but capture, and after a trigger is added', async () => {
      await engine.exec(`
        create table quiet (id text primary key, v text);
        create table watched (id text primary key);
        create trigger watched_audit after insert on watched begin insert into audit (what) values ('watched ' || new.id); end;
      `);
      await engine.installCapture(await engine.syncedTables());
      const audits = async () => (await engine.query<{ n: number }>('select count(*) as n from audit'))[0]!.n;
      const before = await audits();
      const seq = await engine.transaction((tx) => tx.lastPatchSeq());
      const insert = (table: string, row: Record<string, string>) =>
        engine.transaction((tx) => tx.applyServerRows({ replaceChannels: [], changes: [{ table, rowId: row.id!, op: 'insert', row }] }));

      await insert('watched', { id: 'w1' });
      await insert('quiet', { id: 'q1', v: 'server' });
      expect(await engine.query('select id from watched')).toEqual([{ id: 'w1' }]);
      expect(await engine.query('select id, v from quiet')).toEqual([{ id: 'q1', v: 'server' }]);
      expect(await audits()).toBe(before);
      // Capture was bypassed and is back: nothing captured, writes outside actions refused, actions captured.
      expect(await engine.transaction((tx) => tx.lastPatchSeq())).toBe(seq);
      await expect(engine.query(`insert into quiet (id, v) values ('q2', 'free')`)).rejects.toThrow(/outside an action/);
      const patches = await patchesOf(engine, (q) => q(`delete from quiet where id = 'q1'`));
      expect(patches.map((p) => p.op)).toEqual(['delete']);

      // A trigger added later counts: reverting the delete re-inserts the row without firing it.
      await engine.exec(`create trigger quiet_audit after insert on quiet begin insert into audit (what) values ('quiet ' || new.id); end`);
      await engine.transaction((tx) => tx.revert(patches));
      expect(await engine.query('select id, v from quiet')).toEqual([{ id: 'q1', v: 'server' }]);
      expect(await audits()).toBe(before);
      await patchesOf(engine, (q) => q(`insert into quiet (id, v) values ('q3', 'local')`));
      expect(await audits()).toBe(before + 1);
    });

    it('replaces a channel by its column value', async () => {
      await engine.transaction((tx) =>
        tx.applyServerRows({
          replaceChannels: [{ table: 'files', column: 'kind', channel: 'k', rows: [{ id: 'k1', body: '\\xcafe', kind: 'k' }] }],
          changes: [],
        }),
      );
      expect(await engine.query(`select id, body, typeof(body) as type from files where kind = 'k'`)).toEqual([{ id: 'k1', body: '\\xcafe', type: 'blob' }]);
      await engine.transaction((tx) =>
        tx.applyServerRows({ replaceChannels: [{ table: 'files', column: 'kind', channel: 'k', rows: [{ id: 'k2', body: null, kind: 'k' }] }], changes: [] }),
      );
      expect(await engine.query(`select id, body, typeof(body) as type from files where kind = 'k'`)).toEqual([{ id: 'k2', body: null, type: 'null' }]);
      expect(await engine.query(`select count(*) as n from files where kind is not 'k'`)).toEqual([{ n: 1 }]);
    });
  });

  describe('pending channels', () => {
    it('reads channel columns whose names need quoting in a JSON path, as text', async () => {
      await patchesOf(engine, async (q) => {
        await q('insert into board (id, "list.id", n) values ($1, $2, $3)', ['b1', 'L"1', 7]);
        await q('delete from board where id = $1', ['b1']);
        await q('insert into board (id, "list.id", n) values ($1, $2, $3)', ['b2', 'L2', null]);
      });
      expect((await engine.transaction((tx) => tx.pendingChannels({ board: 'list.id' }))).sort()).toEqual(['L"1', 'L2']);
      expect(await engine.transaction((tx) => tx.pendingChannels({ board: 'n' }))).toEqual(['7']);
    });
  });

  describe('snapshot', () => {
    it('restores an image on which capture continues with higher seqs, even after clearPatches', async () => {
      await patchesOf(engine, (q) => q('insert into t (id, done) values ($1, $2)', ['snap', true]));
      const last = await engine.transaction((tx) => tx.lastPatchSeq());
      await engine.transaction((tx) => tx.clearPatches());
      const restored = await createSqliteEngine({ image: await engine.snapshot() });
      try {
        expect(await restored.transaction((tx) => tx.lastPatchSeq())).toBe(0);
        const patches = await restored.transaction(async (tx) => {
          await tx.actionScope('after-restore', () => tx.query('update t set done = $1 where id = $2', [false, 'snap']));
          return tx.patchesSince(0);
        });
        expect(patches).toHaveLength(1);
        expect(patches[0]!.seq).toBeGreaterThan(last);
        expect(patches[0]!.patch).toMatchObject({ actionId: 'after-restore', op: 'update', oldRow: { done: true }, newRow: { done: false } });
        await expect(restored.query('delete from t')).rejects.toThrow(/outside an action/);
      } finally {
        await restored.close();
      }
    });
  });

  describe('tablesRead', () => {
    it('resolves reads through indexes and views to their tables', async () => {
      await engine.exec(`create index t_done on t (done); create view open_t as select * from t where not done`);
      expect(await engine.tablesRead('select count(*) as n from t')).toEqual(['t']);
      expect(await engine.tablesRead('select id from t where done = $1', [true])).toEqual(['t']);
      expect(await engine.tablesRead('select o.id, f.kind from open_t o left join files f on f.kind = o.id')).toEqual(['files', 't']);
      expect(await engine.tablesRead('select 1 as one')).toEqual([]);
    });
  });
});
