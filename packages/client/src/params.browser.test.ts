import { afterEach, describe, expect, it } from 'vitest';
import type { EngineName } from '@tandem/core';
import { openTandem } from './open-tandem.ts';
import type { Tandem } from './tandem.ts';

// Date, bigint and Uint8Array params cross the tab ↔ worker boundary (structured clone, then the
// worker's validation) and bind on each engine, or are refused there with invalid_request.
const SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';

const opened: Tandem[] = [];
afterEach(() => opened.splice(0).forEach((db) => db.close()));

async function open(engine: EngineName): Promise<Tandem> {
  const db = await openTandem({ worker: '/tandem/tandem-worker.js', schema: SCHEMA, actionsUrl: '/todo-actions.js', name: `pa${crypto.randomUUID().slice(0, 8)}`, engine });
  opened.push(db);
  return db;
}

const big = 2n ** 60n;

describe('params of db.query and db.live', () => {
  it('pglite: binds a bigint, a Date and a Uint8Array by the type it infers', async () => {
    const db = await open('pglite');
    const rows = await db.query('select cast($1 as bigint) = 1152921504606846976 as big, cast($2 as timestamptz) as at, cast($3 as bytea) as bytes', [big, new Date(0), new Uint8Array([1, 255])]);
    expect(rows).toEqual([{ big: true, at: '1970-01-01T00:00:00+00:00', bytes: '\\x01ff' }]);
    const live = await new Promise((resolve) => db.live('select cast($1 as bigint) + 1 as n', [big], resolve));
    expect(live).toEqual([{ n: String(big + 1n) }]);
  });

  it('sqlite: binds a bigint and a Uint8Array, and refuses a Date with invalid_request naming the fix', async () => {
    const db = await open('sqlite');
    const rows = await db.query('select $1 = 1152921504606846976 as big, $2 as bytes, typeof($2) as type', [big, new Uint8Array([1, 255])]);
    expect(rows).toEqual([{ big: 1, bytes: '\\x01ff', type: 'blob' }]);
    await expect(db.query('select $1 as at', [new Date(0)])).rejects.toMatchObject({ kind: 'invalid_request', message: expect.stringContaining('toISOString') });
    const error = await new Promise((resolve) => db.live('select $1 as at', [new Date(0)], () => resolve('rows'), resolve));
    expect(error).toMatchObject({ kind: 'invalid_request', message: expect.stringContaining('params[0] is a Date') });
  });
});
