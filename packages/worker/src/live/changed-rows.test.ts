import { describe, expect, it } from 'vitest';
import { applyRowDiff, diffState, rowKeys } from '@tandem/core';
import type { Row } from '@tandem/core';
import { changedRowsSql, isPlainFilter, mergeChangedRows } from './changed-rows.ts';

const keys = (ids: string[]) => new Set(rowKeys(ids.map((id) => ({ id }))));

describe('isPlainFilter', () => {
  it('accepts select * with a WHERE clause and nothing after it', () => {
    expect(isPlainFilter('select * from todos where list_id = $1')).toBe(true);
    expect(isPlainFilter('SELECT * FROM todos t WHERE t.list_id = ? AND done = 0')).toBe(true);
  });
  it('refuses a select list, ordering, grouping, limits, distinct and a trailing semicolon', () => {
    for (const sql of [
      'select id, title from todos where list_id = $1',
      'select * from todos where list_id = $1 order by id',
      'select * from todos where list_id = $1 limit 5',
      'select * from todos where list_id = $1 offset 5',
      'select distinct * from todos where list_id = $1',
      'select * from todos where list_id = $1 group by id',
      'select * from todos where list_id = $1;',
      'select * from todos where list_id = $1 -- comment',
    ]) expect(isPlainFilter(sql), sql).toBe(false);
  });
});

describe('changedRowsSql', () => {
  it('numbers the ids after the query’s own parameters, in each dialect’s style', () => {
    expect(changedRowsSql('select * from t where a = $1', 'postgres', 1, 2)).toBe('select * from (select * from t where a = $1) as tandem_changed where id in ($2, $3)');
    expect(changedRowsSql('select * from t where a = ?', 'sqlite', 1, 1)).toBe('select * from (select * from t where a = ?) as tandem_changed where id in (?2)');
    expect(changedRowsSql('select * from t where a = $1', 'sqlite', 1, 1)).toBe('select * from (select * from t where a = $1) as tandem_changed where id in ($2)');
  });
});

describe('mergeChangedRows', () => {
  const prevRows: Row[] = [
    { id: 'a', v: 1 },
    { id: 'b', v: 2 },
    { id: 'c', v: 3 },
    { id: 'd', v: 4 },
  ];
  const prev = diffState(prevRows);

  it('updates in place, deletes what left, appends what entered; the diff turns the old result into the new', () => {
    // b changed, c left the result, e entered it, d was written but is unchanged.
    const fresh: Row[] = [{ id: 'e', v: 5 }, { id: 'b', v: 20 }, { id: 'd', v: 4 }];
    const merged = mergeChangedRows(prevRows, prev, keys(['b', 'c', 'd', 'e']), fresh)!;
    expect(merged.rows).toEqual([{ id: 'a', v: 1 }, { id: 'b', v: 20 }, { id: 'd', v: 4 }, { id: 'e', v: 5 }]);
    expect(applyRowDiff(prevRows, merged.diff)).toEqual(merged.rows);
    expect(merged.state).toEqual(diffState(merged.rows));
    // Unchanged rows keep their objects (UI frameworks skip them); d was written but not changed.
    expect(merged.rows[0]).toBe(prevRows[0]);
    expect(merged.rows[2]).toBe(prevRows[3]);
    expect(merged.diff.map((op) => op.op)).toEqual(['delete', 'update', 'insert']);
  });

  it('produces an empty diff when the written rows did not change the result', () => {
    const merged = mergeChangedRows(prevRows, prev, keys(['a', 'x']), [{ id: 'a', v: 1 }])!;
    expect(merged.diff).toEqual([]);
    expect(merged.rows).toEqual(prevRows);
  });

  it('gives up (null) on rows without distinct ids and on rows that were not asked for', () => {
    const noIds: Row[] = [{ v: 1 }, { v: 1 }];
    expect(mergeChangedRows(noIds, diffState(noIds), keys(['a']), [{ id: 'a', v: 1 }])).toBeNull();
    expect(mergeChangedRows(prevRows, prev, keys(['a']), [{ id: 'z', v: 1 }])).toBeNull();
    expect(mergeChangedRows(prevRows, prev, keys(['a']), [{ v: 1 }])).toBeNull();
  });
});
