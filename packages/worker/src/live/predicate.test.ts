import { describe, expect, it } from 'vitest';
import { growthRatio, superlinearBound } from '@tandem/core/test-support/linear-time';
import { analysePredicate } from './predicate.ts';

describe('analysePredicate', () => {
  it('recognises equality, IN and AND on one table, with parameters bound', () => {
    expect(analysePredicate('select * from todos where list_id = $1 order by id', ['a'])).toEqual({
      table: 'todos',
      conjuncts: [{ column: 'list_id', quoted: false, values: ['a'] }],
    });
    expect(analysePredicate('SELECT id FROM Todos t WHERE t.list_id = $2 AND done = 1 AND id IN ($1, \'x\', 3) LIMIT 10', ['i', 'L'])).toEqual({
      table: 'todos',
      conjuncts: [
        { column: 'list_id', quoted: false, values: ['L'] },
        { column: 'done', quoted: false, values: [1] },
        { column: 'id', quoted: false, values: ['i', 'x', 3] },
      ],
    });
    expect(analysePredicate('select count(*) as n from "Todos" as "T" where "T"."listId" = ? and ? = kind;', ['a', 'b'])).toEqual({
      table: 'Todos',
      conjuncts: [
        { column: 'listId', quoted: true, values: ['a'] },
        { column: 'kind', quoted: false, values: ['b'] },
      ],
    });
    expect(analysePredicate("select * from todos where title = 'it''s' group by id", [])?.conjuncts[0]!.values).toEqual(["it's"]);
    expect(analysePredicate('select * from todos where list_id == $1', [null])?.conjuncts[0]!.values).toEqual([null]);
  });

  it('falls back (null) on everything else', () => {
    const refused = [
      'select * from todos', // no WHERE: table level already
      'select * from todos where list_id = $1 or id = $1',
      'select * from todos where not list_id = $1',
      'select * from todos where list_id <> $1',
      'select * from todos where list_id != $1',
      'select * from todos where list_id >= $1',
      'select * from todos where list_id like $1',
      'select * from todos where list_id is null',
      'select * from todos where list_id = null',
      'select * from todos where list_id = true',
      'select * from todos where lower(list_id) = $1',
      'select * from todos where list_id = lower($1)',
      'select * from todos where list_id = $1::text',
      'select * from todos where list_id = -1',
      'select * from todos where list_id = 1 + 1',
      'select * from todos where list_id = $1 collate nocase',
      'select * from todos where (list_id = $1)',
      'select * from todos where list_id not in ($1)',
      'select * from todos where list_id in (select id from lists)',
      'select * from todos where list_id = $3', // unbound parameter
      'select * from todos where list_id = $1 and ?',
      'select * from todos t join lists l on l.id = t.list_id where t.list_id = $1',
      'select * from todos, lists where todos.list_id = $1',
      'select * from todos left outer join lists on true where list_id = $1',
      'select * from public.todos where list_id = $1',
      'select * from todos where x.list_id = $1', // unknown qualifier
      'select (select count(*) from lists) as n from todos where list_id = $1',
      'with t as (select * from todos) select * from t where list_id = $1',
      'select * from todos where list_id = $1 union select * from todos where list_id = $2',
      'select * from todos where list_id = $1 -- comment',
      'select * from todos where list_id = /* c */ $1',
      "select * from todos where list_id = E'a'",
      "select * from todos where list_id = 'a' 'b'",
      'select * from todos where list_id = 0x10',
      'select * from todos where list_id = $1; delete from todos',
      'select extract(year from d) from todos where list_id = $1',
      'select * from generate_series(1, 3) where x = 1',
      "select * from todos where list_id = 'unterminated",
      'select * from todos where list_id = $1 having count(*) > (select 1)',
    ];
    for (const sql of refused) expect(analysePredicate(sql, ['a', 'b']), sql).toBeNull();
  });

  it('is linear: a long IN list is read once', () => {
    const inList = (n: number) => `select * from todos where id in (${Array.from({ length: n }, (_, i) => i).join(', ')})`;
    expect(analysePredicate(inList(20_000), [])?.conjuncts[0]!.values).toHaveLength(20_000);
    // 32 × the values, about 32 × the time.
    expect(growthRatio(inList, (sql) => analysePredicate(sql, []), 625, 32)).toBeLessThan(superlinearBound(32));
  });
});
