import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patch, Row } from '@tandem/core';
import type { Engine } from '../engine.ts';
import { CAPTURE_SCHEMA_MARK, CAPTURE_SCHEMA_MARK_SQL, WRITE_OUTSIDE_ACTION_SQLSTATE } from './capture-sql.ts';
import { createPgliteEngine } from './engine.ts';

// What the shared conformance suite cannot say: Postgres types, and PGlite's asset loading.
describe('PGlite engine specifics', () => {
  let engine: Engine;
  const patchesOf = (fn: (q: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<unknown>): Promise<Patch[]> =>
    engine.transaction(async (tx) => {
      const before = await tx.lastPatchSeq();
      await tx.captureAs(`a-${Math.random()}`, () => fn((sql, params) => tx.query(sql, params)));
      return (await tx.patchesSince(before)).map((p) => p.patch);
    });

  beforeAll(async () => {
    engine = await createPgliteEngine({});
    await engine.exec(`
      create domain short_id as text check (length(value) < 64);
      create table rich (
        id uuid primary key,
        serial_no bigint generated always as identity,
        title text not null,
        done boolean not null default false,
        at timestamptz,
        local_at timestamp,
        day date,
        amount numeric(12, 2),
        ratio float8,
        big bigint,
        data jsonb,
        raw bytea,
        labels text[],
        title_len int generated always as (length(title)) stored
      );
      create table by_domain (id short_id primary key, v int);
      create table by_int (id integer primary key);
    `);
    await engine.installCapture(await engine.syncedTables());
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
  });

  it('lists uuid and text-domain ids as synced, not integer ids', async () => {
    expect(await engine.syncedTables()).toEqual(['by_domain', 'rich']);
  });

  it('returns JSON values identical to the patch format (to_jsonb), except numeric', async () => {
    await patchesOf((q) =>
      q(
        `insert into rich (id, title, done, at, local_at, day, amount, ratio, big, data, raw, labels)
         values ($1, 'a', true, '2024-05-01 10:00:00.123456+02', '2024-05-01 10:00:00', '2024-05-01', 12.5, 0.1, 42, '{"x":[1,null]}', '\\x00ff', array['p','q'])`,
        ['6f1c1b4e-8d3c-4a55-9a8f-1b2a3c4d5e6f'],
      ),
    );
    const [row] = await engine.query('select * from rich');
    const [{ j }] = (await engine.query('select to_jsonb(rich) as j from rich')) as [{ j: Row }];
    expect(row).toEqual({ ...j, amount: '12.50' });
    expect(row).toMatchObject({
      done: true,
      at: '2024-05-01T08:00:00.123456+00:00',
      local_at: '2024-05-01T10:00:00',
      day: '2024-05-01',
      big: 42,
      serial_no: 1,
      raw: '\\x00ff',
      data: { x: [1, null] },
      labels: ['p', 'q'],
    });
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });

  it('returns int8 beyond 2^53 and numeric as exact strings', async () => {
    expect(await engine.query('select 9007199254740993::int8 as big, 12345678901234567890.123::numeric as n, array[1, 9007199254740993]::int8[] as arr')).toEqual([
      { big: '9007199254740993', n: '12345678901234567890.123', arr: [1, '9007199254740993'] },
    ]);
  });

  it('captures a primary key change as delete + insert and skips no-op updates', async () => {
    await patchesOf((q) => q(`insert into by_domain (id, v) values ('k1', 1)`));
    const patches = await patchesOf(async (q) => {
      await q(`update by_domain set v = 1 where id = 'k1'`);
      await q(`update by_domain set id = 'k2' where id = 'k1'`);
    });
    expect(patches.map((p) => [p.op, p.rowId, p.oldRow, p.newRow])).toEqual([
      ['delete', 'k1', { id: 'k1', v: 1 }, null],
      ['insert', 'k2', null, { id: 'k2', v: 1 }],
    ]);
  });

  it('reverts rows with identity, generated, json, time, binary and array columns exactly', async () => {
    const before = await engine.query('select * from rich order by id');
    const patches = await patchesOf(async (q) => {
      await q(`insert into rich (id, title, at, data, raw) values ('00000000-0000-4000-8000-000000000001', 'new', now(), '[1]', '\\x01')`);
      await q(`update rich set title = 'changed!', amount = 0.01, at = null, data = '{"y":true}', labels = '{}', raw = '\\xdeadbeef' where title = 'a'`);
      await q(`delete from rich where title = 'changed!'`);
    });
    expect(patches.map((p) => p.op)).toEqual(['insert', 'update', 'delete']);
    await engine.transaction((tx) => tx.revert(patches));
    expect(await engine.query('select * from rich order by id')).toEqual(before);
  });

  it('refuses TRUNCATE of a synced table, and tags refusals with a SQLSTATE', async () => {
    await expect(engine.query('truncate by_domain')).rejects.toMatchObject({
      code: WRITE_OUTSIDE_ACTION_SQLSTATE,
      message: expect.stringMatching(/TRUNCATE of synced table "by_domain"/),
    });
    await expect(engine.query(`insert into by_domain (id, v) values ('x', 1)`)).rejects.toMatchObject({ code: WRITE_OUTSIDE_ACTION_SQLSTATE });
    await engine.query('truncate by_int');
  });

  it('refuses to capture a table without an id column', async () => {
    await engine.exec('create table no_id (k text primary key)');
    await expect(engine.installCapture(['rich', 'no_id'])).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('"no_id"') });
    // The failed install changed nothing: rich is still captured.
    await expect(engine.query(`delete from rich`)).rejects.toThrow(/outside an action/);
  });

  describe('the capture schema mark', () => {
    const touchSource = async () => (await engine.query<{ src: string }>(`select prosrc as src from pg_proc where proname = 'tandem_touch'`))[0]?.src ?? '';
    const mark = async () => (await engine.query<{ mark: string | null }>(CAPTURE_SCHEMA_MARK_SQL))[0]?.mark;
    const tampered = `create or replace function tandem_touch() returns trigger language plpgsql as $fn$ begin return null; end $fn$`;

    it('is set by installCapture, with the tables and functions', async () => {
      expect(await mark()).toBe(CAPTURE_SCHEMA_MARK);
      expect(CAPTURE_SCHEMA_MARK).toMatch(/^tandem capture schema [0-9a-f]{8}$/);
      expect(await touchSource()).toContain('tandem.touched');
    });

    it('runs the tables and functions again when the database holds another one (an older image or checkpoint)', async () => {
      await engine.exec(`${tampered}; comment on function tandem_capture() is 'tandem capture schema 00000000'`);
      await engine.installCapture(await engine.syncedTables());
      expect(await mark()).toBe(CAPTURE_SCHEMA_MARK);
      expect(await touchSource()).toContain('tandem.touched');
    });

    it('runs them again when the mark is missing (a database made before it)', async () => {
      await engine.exec(`${tampered}; comment on function tandem_capture() is null`);
      await engine.installCapture(await engine.syncedTables());
      expect(await mark()).toBe(CAPTURE_SCHEMA_MARK);
      expect(await touchSource()).toContain('tandem.touched');
    });

    it('skips them when the mark is this build\'s (what a new database from the shipped image saves)', async () => {
      await engine.exec(tampered);
      await engine.installCapture(await engine.syncedTables());
      expect(await touchSource()).not.toContain('tandem.touched');
      // Put back for the other tests: with another mark the install runs it all again.
      await engine.exec(`comment on function tandem_capture() is null`);
      await engine.installCapture(await engine.syncedTables());
      expect(await touchSource()).toContain('tandem.touched');
    });
  });

  it('serialises parameters by the type PostgreSQL infers, as PGlite.query does, also after DDL changes it', async () => {
    await engine.exec('create table wire_types (k text primary key, at timestamptz, flag boolean, data jsonb)');
    const insert = 'insert into wire_types (k, at, flag, data) values ($1, $2, $3, $4)';
    // A number for timestamptz is epoch ms, 1 for boolean is true, a string for jsonb is JSON text.
    await engine.query(insert, ['a', Date.UTC(2024, 0, 2), 1, '{"x": 1}']);
    await engine.query(insert, ['b', null, false, { y: [2] }]);
    expect(await engine.query('select k, at, flag, data from wire_types order by k')).toEqual([
      { k: 'a', at: '2024-01-02T00:00:00+00:00', flag: true, data: { x: 1 } },
      { k: 'b', at: null, flag: false, data: { y: [2] } },
    ]);
    // Same statement text, new column types: the statement is prepared again, values follow the new types.
    await engine.exec('alter table wire_types alter column flag type text, alter column at type text');
    await engine.query(insert, ['c', 5, 'maybe', '"s"']);
    expect(await engine.query('select k, at, flag, data from wire_types where k = $1', ['c'])).toEqual([{ k: 'c', at: '5', flag: 'maybe', data: 's' }]);
    // DDL inside a transaction that rolls back: statements prepared meanwhile do not outlive it.
    const select = 'select * from wire_types where k = $1';
    await expect(
      engine.transaction(async (tx) => {
        await tx.query('alter table wire_types add column extra int');
        expect(Object.keys((await tx.query(select, ['c']))[0]!)).toContain('extra');
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(Object.keys((await engine.query(select, ['c']))[0]!)).not.toContain('extra');
  });

  it('runs overlapping queries of one transaction one after another, and reports errors with their statement', async () => {
    const rows = await engine.transaction((tx) => Promise.all([1, 2, 3].map((n) => tx.query('select $1::int * 10 as v', [n]))));
    expect(rows).toEqual([[{ v: 10 }], [{ v: 20 }], [{ v: 30 }]]);
    await expect(engine.query('select * from wire_nowhere where k = $1', ['x'])).rejects.toMatchObject({ message: expect.stringContaining('wire_nowhere'), query: expect.stringContaining('wire_nowhere') });
    await expect(engine.query('select $1::int as v', ['not a number'])).rejects.toThrow(/invalid input syntax/);
    expect(await engine.query('select $1::int as v', ['7'])).toEqual([{ v: 7 }]);
  });

  it('writes server rows and reverts without app triggers, rules or foreign key checks, also on partitions and after DDL adds a trigger', async () => {
    await engine.exec(`
      create table seen (n int not null);
      insert into seen values (0);
      create function bump() returns trigger language plpgsql as $$ begin update seen set n = n + 1; return null; end $$;
      create table parents (id text primary key);
      create table children (id text primary key, parent_id text not null references parents (id));
      create table ruled (id text primary key);
      create rule ruled_bump as on insert to ruled do also update seen set n = n + 100;
      create table parted (id text primary key) partition by range (id);
      create table parted_a partition of parted for values from ('a') to ('n');
      create table parted_n partition of parted for values from ('n') to (maxvalue);
      create trigger parted_a_bump after insert on parted_a for each row execute function bump();
      create table plain (id text primary key, v text);
    `);
    await engine.installCapture(await engine.syncedTables());
    const seen = async () => (await engine.query<{ n: number }>('select n from seen'))[0]!.n;
    const apply = (changes: { table: string; id: string; row?: Record<string, string> }[]) =>
      engine.transaction((tx) => tx.applyServerRows({ replaceChannels: [], changes: changes.map((c) => ({ table: c.table, rowId: c.id, op: 'insert', row: c.row ?? { id: c.id } })) }));
    const seqBefore = await engine.transaction((tx) => tx.lastPatchSeq());

    // The child before its parent: the server's state holds both, so no foreign key check may run in between.
    await apply([
      { table: 'children', id: 'c1', row: { id: 'c1', parent_id: 'p1' } },
      { table: 'parents', id: 'p1' },
    ]);
    // One table per write, so that no other table's triggers switch them off for it.
    await apply([{ table: 'ruled', id: 'r1' }]);
    await apply([{ table: 'parted', id: 'b' }]);
    await apply([{ table: 'plain', id: 'x', row: { id: 'x', v: 'server' } }]);
    expect(await engine.query('select id, parent_id from children')).toEqual([{ id: 'c1', parent_id: 'p1' }]);
    expect(await engine.query('select id from ruled union all select id from parted union all select id from plain order by id')).toEqual([{ id: 'b' }, { id: 'r1' }, { id: 'x' }]);
    expect(await seen()).toBe(0);
    // A table with nothing but the capture trigger: nothing captured, and capture works as before afterwards.
    await apply([{ table: 'plain', id: 'y', row: { id: 'y', v: 'server' } }]);
    expect(await engine.transaction((tx) => tx.lastPatchSeq())).toBe(seqBefore);
    await expect(engine.query(`insert into plain (id, v) values ('z', 'free')`)).rejects.toMatchObject({ code: WRITE_OUTSIDE_ACTION_SQLSTATE });
    expect((await patchesOf((q) => q(`update plain set v = 'local' where id = 'y'`))).map((p) => p.op)).toEqual(['update']);

    // Reverting a delete re-inserts the row into the partition with the trigger (patches name the partition): it must not fire.
    const patches = await patchesOf((q) => q(`delete from parted where id = 'b'`));
    await engine.transaction((tx) => tx.revert(patches));
    expect(await engine.query('select id from parted_a')).toEqual([{ id: 'b' }]);
    expect(await seen()).toBe(0);

    // A trigger added later counts from then on, though the table was written without one before.
    await engine.exec('create trigger plain_bump after insert on plain for each row execute function bump()');
    await apply([{ table: 'plain', id: 'w', row: { id: 'w', v: 'server' } }]);
    expect(await engine.query(`select v from plain where id = 'w'`)).toEqual([{ v: 'server' }]);
    expect(await seen()).toBe(0);
    // Local actions still run app triggers.
    await patchesOf((q) => q(`insert into plain (id, v) values ('local', 'l')`));
    expect(await seen()).toBe(1);
  });

  it('loads its wasm, data and initdb.wasm from assetsUrl, under the names assetFiles gives', async () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    const requested: string[] = [];
    const server = createServer((req, res) => {
      const file = (req.url ?? '/').replace(/^\/assets\//, '');
      requested.push(file);
      readFile(join(dist, file.replace('-renamed', ''))).then(
        (body) => res.writeHead(200, { 'content-type': file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // As the prebuilt bundle does with content-hashed names; initdb.wasm is passed even with an
      // image, so PGlite does not fetch it itself beside its chunk (load-assets.ts).
      const assetFiles = { 'pglite.wasm': 'pglite-renamed.wasm', 'pglite.data': 'pglite-renamed.data' };
      const copy = await createPgliteEngine({ assetsUrl: `http://127.0.0.1:${port}/assets`, assetFiles, image: await engine.snapshot() });
      try {
        expect(await copy.query('select count(*) as n from rich')).toEqual([{ n: 1 }]);
      } finally {
        await copy.close();
      }
      expect(requested.sort()).toEqual(['initdb.wasm', 'pglite-renamed.data', 'pglite-renamed.wasm']);
      await expect(createPgliteEngine({ assetsUrl: `http://127.0.0.1:${port}/nowhere/` })).rejects.toMatchObject({
        kind: 'not_ready',
        message: expect.stringMatching(/^The PGlite engine \(engine: 'pglite'\) could not start: http:\/\/127\.0\.0\.1:\d+\/nowhere\/\S+ answered HTTP 404.*copy-assets/),
      });
    } finally {
      server.close();
    }
  });
});
