import { describe, expect, it } from 'vitest';
import { defineMigrations, schemaIdentity } from '@tandem/core';
import { todoActions } from '../test-support/todo-fixture.ts';
import { loadActionsModule } from './start-up.ts';
import { journalSchemaVersion, storedSchemaVersion } from './stored-schema.ts';

const SCHEMA = 'create table t (id text primary key, n int)';
const steps = defineMigrations([
  { name: 'one', sql: 'alter table t add column a int' },
  { name: 'two', sql: 'alter table t add column b int' },
]);

describe('stored schema identity', () => {
  it('reads the version of a database as far as it matches the code', async () => {
    const current = await schemaIdentity(SCHEMA, steps);
    expect(storedSchemaVersion(undefined, current, steps, 'db')).toBe(0);
    expect(storedSchemaVersion(await schemaIdentity(SCHEMA, steps.slice(0, 1)), current, steps, 'db')).toBe(1);
    expect(storedSchemaVersion(current, current, steps, 'db')).toBe(2);
    // Comments and whitespace are no new version.
    expect(storedSchemaVersion(await schemaIdentity(`-- t\n${SCHEMA.replace(' ', '   ')};`, steps), current, steps, 'db')).toBe(2);
  });

  it('refuses newer data, an edited base or step, and a malformed identity', async () => {
    const current = await schemaIdentity(SCHEMA, steps.slice(0, 1));
    const newer = await schemaIdentity(SCHEMA, steps);
    expect(() => storedSchemaVersion(newer, current, steps.slice(0, 1), 'db')).toThrow(expect.objectContaining({ kind: 'update_required' }));
    const otherBase = await schemaIdentity(`${SCHEMA}; create table u (id text primary key)`, steps.slice(0, 1));
    expect(() => storedSchemaVersion(otherBase, current, steps, 'db')).toThrow(expect.objectContaining({ kind: 'schema_error', message: expect.stringContaining('new migration step') }));
    const editedStep = await schemaIdentity(SCHEMA, [{ name: 'one', sql: 'alter table t add column a bigint' }]);
    expect(() => storedSchemaVersion(editedStep, current, steps, 'db')).toThrow(expect.objectContaining({ kind: 'schema_error', message: expect.stringContaining('Migration 1 ("one")') }));
    expect(() => storedSchemaVersion({ base: 1 }, current, steps, 'db')).toThrow(expect.objectContaining({ kind: 'schema_error' }));
  });

  it("takes the journal's version from its first record that has one (none: 0)", () => {
    const action = (v?: number) => ({ seq: 1, record: { kind: 'action' as const, id: 'c-1', clientSeq: 1, name: 'add', args: {}, time: 1, ...(v !== undefined ? { v } : {}) } });
    expect(journalSchemaVersion([])).toBeUndefined();
    expect(journalSchemaVersion([{ seq: 1, record: { kind: 'void', ids: ['x'] } }, action(3)])).toBe(3);
    expect(journalSchemaVersion([action()])).toBe(0);
  });
});

describe('loading the actions module', () => {
  it('takes definitions alone or { actions, migrations }, even with an action named "actions"', async () => {
    expect(await loadActionsModule(async () => todoActions, 'https://a.test/x.js')).toEqual({ actions: todoActions });
    expect(await loadActionsModule(async () => ({ actions: todoActions, migrations: steps }), 'https://a.test/x.js')).toEqual({ actions: todoActions, migrations: steps });
    const named = { actions: todoActions.add! };
    expect((await loadActionsModule(async () => named, 'https://a.test/x.js')).actions).toEqual(named);
  });

  it('refuses invalid migrations with a clear error', async () => {
    await expect(loadActionsModule(async () => ({ actions: todoActions, migrations: [{ name: 'x' }] as never }), 'https://a.test/x.js')).rejects.toMatchObject({
      kind: 'schema_error',
      message: expect.stringContaining('exports invalid `migrations`'),
    });
  });
});
