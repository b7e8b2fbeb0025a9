import { describe, expect, it } from 'vitest';
import { TandemError } from './errors.ts';
import { defineMigrations, migrationContent, migrationSql, normaliseSql, schemaIdentity, sha256Hex } from './migrations.ts';
import type { Migration } from './migrations.ts';

describe('normaliseSql', () => {
  it('drops line and block comments and collapses whitespace', () => {
    const sql = `
      -- the todos table
      create table todos (   /* its key */ id text primary key,
        title    text not null   -- shown in the list
      );
    `;
    expect(normaliseSql(sql)).toBe('create table todos(id text primary key,title text not null)');
  });

  it('keeps quoted text, quoted identifiers and dollar quotes exactly', () => {
    expect(normaliseSql(`insert into t values ('a  -- not a comment', 'it''s  /* kept */')`)).toBe(`insert into t values('a  -- not a comment','it''s  /* kept */')`);
    expect(normaliseSql(`select "Odd   Name" from t`)).toBe(`select "Odd   Name" from t`);
    const body = `$fn$ begin  -- inside
  return 1; end $fn$`;
    expect(normaliseSql(`create function f() returns int language plpgsql as ${body};`)).toBe(`create function f()returns int language plpgsql as ${body}`);
    expect(normaliseSql(`select $$ a   b $$`)).toBe(`select $$ a   b $$`);
  });

  it('leaves positional parameters alone', () => {
    expect(normaliseSql('select  $1 ,  $2')).toBe('select $1,$2');
  });

  it('gives the same text for a comment-only or whitespace-only edit', () => {
    const before = 'alter table todos add column priority int not null default 0;';
    const after = '-- v2: priorities\nalter table todos\n  add column priority int not null default 0; -- default for old rows\n';
    expect(normaliseSql(after)).toBe(normaliseSql(before));
  });

  it('gives a different text for a real change, including inside quotes', () => {
    const base = `alter table todos add column priority int not null default 0`;
    expect(normaliseSql(base.replace('default 0', 'default 1'))).not.toBe(normaliseSql(base));
    expect(normaliseSql(`select 'a b'`)).not.toBe(normaliseSql(`select 'a  b'`));
    expect(normaliseSql('select a b')).not.toBe(normaliseSql('select ab'));
  });

  it('ignores trailing semicolons but not ones between statements', () => {
    expect(normaliseSql('select 1;;')).toBe('select 1');
    expect(normaliseSql('select 1; select 2')).toBe('select 1;select 2');
  });
});

describe('defineMigrations', () => {
  const schemaError = (message: RegExp) => expect.objectContaining({ kind: 'schema_error', message: expect.stringMatching(message) });
  const attempt = (list: unknown) => {
    try {
      defineMigrations(list as Migration[]);
    } catch (error) {
      expect(error).toBeInstanceOf(TandemError);
      return error;
    }
    throw new Error('defineMigrations accepted it');
  };

  it('returns a copy of a valid list, in order', () => {
    const list: Migration[] = [
      { name: 'add-priority', sql: 'alter table todos add column priority int' },
      { name: 'per-dialect', sql: { postgres: 'select 1', sqlite: 'select 1' } },
      { name: 'js.only', run: () => undefined },
    ];
    const out = defineMigrations(list);
    expect(out).toEqual(list);
    expect(out).not.toBe(list);
  });

  it('refuses bad shapes with schema_error saying which step', () => {
    expect(attempt('nope')).toEqual(schemaError(/expects an array/));
    expect(attempt([null])).toEqual(schemaError(/migration 1 must be an object/));
    expect(attempt([{ sql: 'select 1' }])).toEqual(schemaError(/migration 1 needs a `name`/));
    expect(attempt([{ name: 'has spaces', sql: 'select 1' }])).toEqual(schemaError(/migration 1 needs a `name`/));
    expect(attempt([{ name: 'a', sql: 'select 1' }, { name: 'b' }])).toEqual(schemaError(/migration 2 \("b"\) has neither `sql` nor `run`/));
    expect(attempt([{ name: 'a', sql: 42 }])).toEqual(schemaError(/`sql` must be a string or \{ postgres\?, sqlite\? \}/));
    expect(attempt([{ name: 'a', sql: { mysql: 'select 1' } }])).toEqual(schemaError(/`sql` must be a string or/));
    expect(attempt([{ name: 'a', sql: { postgres: 1 } }])).toEqual(schemaError(/sql\.postgres must be a string/));
    expect(attempt([{ name: 'a', run: 'not code' }])).toEqual(schemaError(/`run` must be a function/));
  });

  it('refuses a name used twice', () => {
    expect(attempt([{ name: 'same', sql: 'select 1' }, { name: 'same', sql: 'select 2' }])).toEqual(schemaError(/migration 2: the name "same" is used twice/));
  });
});

describe('migrationSql', () => {
  it('gives a shared string to every dialect and a per-dialect text to its own', () => {
    expect(migrationSql({ name: 'a', sql: 'select 1' }, 'sqlite')).toBe('select 1');
    expect(migrationSql({ name: 'a', sql: 'select 1' }, 'postgres')).toBe('select 1');
    const both: Migration = { name: 'b', sql: { postgres: 'select true', sqlite: 'select 1' } };
    expect(migrationSql(both, 'postgres')).toBe('select true');
    expect(migrationSql(both, 'sqlite')).toBe('select 1');
  });

  it("is '' for a JavaScript-only step", () => {
    expect(migrationSql({ name: 'js', run: () => undefined }, 'postgres')).toBe('');
  });

  it('throws schema_error when the dialect has no SQL, naming the step', () => {
    expect(() => migrationSql({ name: 'pg-only', sql: { postgres: 'select 1' } }, 'sqlite')).toThrow(
      expect.objectContaining({ kind: 'schema_error', message: expect.stringMatching(/"pg-only" has no SQL for sqlite/), details: { migration: 'pg-only' } }),
    );
  });
});

describe('schemaIdentity', () => {
  const schema = 'create table todos (id text primary key, title text not null);';
  const steps: Migration[] = [
    { name: 'priority', sql: 'alter table todos add column priority int not null default 0' },
    { name: 'both', sql: { sqlite: 'select 1', postgres: 'select true' } },
  ];

  it('hashes the base and each step; the number of steps is the version', async () => {
    const id = await schemaIdentity(schema, steps);
    expect(id.base).toMatch(/^[0-9a-f]{16}$/);
    expect(id.steps).toHaveLength(2);
    expect(new Set([id.base, ...id.steps]).size).toBe(3);
    expect((await schemaIdentity(schema, [])).steps).toEqual([]);
  });

  it('does not change for comments and whitespace in the schema or the steps', async () => {
    const id = await schemaIdentity(schema, steps);
    const commented = await schemaIdentity(`-- todos\n${schema.replace(', ', ',\n   /* title */ ')}`, [
      { name: 'priority', sql: '-- v1\nalter table todos\n  add column priority int not null default 0;' },
      { name: 'both', sql: { postgres: ' select  true ', sqlite: 'select 1 -- sqlite' } },
    ]);
    expect(commented).toEqual(id);
  });

  it('changes only the edited step for a real edit', async () => {
    const id = await schemaIdentity(schema, steps);
    const edited = await schemaIdentity(schema, [{ ...steps[0]!, sql: 'alter table todos add column priority int not null default 1' }, steps[1]!]);
    expect(edited.base).toBe(id.base);
    expect(edited.steps[0]).not.toBe(id.steps[0]);
    expect(edited.steps[1]).toBe(id.steps[1]);
    expect((await schemaIdentity(`${schema} create table more (id text);`, steps)).base).not.toBe(id.base);
  });

  it('tells steps apart by name and by code', async () => {
    const a = migrationContent({ name: 'a', sql: 'select 1' });
    expect(migrationContent({ name: 'b', sql: 'select 1' })).not.toBe(a);
    expect(migrationContent({ name: 'a', sql: 'select 1', run: () => undefined })).not.toBe(a);
    expect(await sha256Hex('x')).toBe('2d711642b726b044');
    expect(await sha256Hex('x', 64)).toHaveLength(64);
  });
});
