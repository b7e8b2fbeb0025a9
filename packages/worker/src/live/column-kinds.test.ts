import { describe, expect, it } from 'vitest';
import { columnKinds } from './column-kinds.ts';

describe('columnKinds', () => {
  it('Postgres: text/varchar under a deterministic collation, the integers; everything else is not judged', async () => {
    let asked: unknown[] = [];
    const kinds = await columnKinds('postgres', 'My Table', async (_sql, params) => {
      asked = params;
      return [
        { name: 'a', type: 'text', coll: 100 },
        { name: 'b', type: 'character varying', coll: 950 },
        { name: 'c', type: 'text', coll: 12345 }, // a non-default (maybe ICU, non-deterministic) collation
        { name: 'd', type: 'bigint', coll: 0 },
        { name: 'e', type: 'uuid', coll: 0 },
        { name: 'f', type: 'timestamp with time zone', coll: 0 },
        { name: 'g', type: 'character', coll: 100 }, // char(n) pads
        { name: 'h', type: 'citext', coll: 100 },
        { name: 'i', type: 'numeric', coll: 0 },
        { name: 'j', type: 'boolean', coll: 0 },
      ];
    });
    expect(asked).toEqual(['"My Table"']);
    expect(Object.fromEntries(kinds)).toEqual({ a: 'text', b: 'text', c: 'other', d: 'integer', e: 'other', f: 'other', g: 'other', h: 'other', i: 'other', j: 'other' });
  });

  it('SQLite: by affinity; text columns folded when the table declares a COLLATE; a name seen twice is not judged', async () => {
    const kinds = await columnKinds('sqlite', 't', async () => [
      { name: 'a', type: 'TEXT', coll: 0 },
      { name: 'b', type: 'varchar(10)', coll: 0 },
      { name: 'c', type: 'BIGINT', coll: 0 },
      { name: 'd', type: 'BOOLEAN', coll: 0 },
      { name: 'e', type: '', coll: 0 },
      { name: 'f', type: 'REAL', coll: 0 },
      { name: 'a', type: 'TEXT', coll: 0 },
    ]);
    expect(Object.fromEntries(kinds)).toEqual({ a: 'other', b: 'text', c: 'integer', d: 'other', e: 'other', f: 'other' });
    const folded = await columnKinds('sqlite', 't', async () => [{ name: 'a', type: 'TEXT', coll: 1 }]);
    expect(folded.get('a')).toBe('text-folded');
  });
});
