import { describe, expect, it } from 'vitest';
import { mayEqual, mayMatch } from './row-match.ts';
import type { BoundConjunct } from './row-match.ts';

const c = (column: string, values: unknown[], kind: BoundConjunct['kind'] = 'text', quoted = false): BoundConjunct => ({ column, values, kind, quoted });

describe('mayMatch', () => {
  it('judges AND-ed equalities and IN lists on the old or new row', () => {
    const row = { id: 'r1', list_id: 'a', n: 3 };
    expect(mayMatch(row, [c('list_id', ['a'])])).toBe(true);
    expect(mayMatch(row, [c('list_id', ['b'])])).toBe(false);
    expect(mayMatch(row, [c('list_id', ['b', 'a'])])).toBe(true);
    expect(mayMatch(row, [c('list_id', ['a']), c('n', [4], 'integer')])).toBe(false);
    expect(mayMatch(row, [c('list_id', ['a']), c('n', [3], 'integer')])).toBe(true);
    expect(mayMatch(null, [c('list_id', ['a'])])).toBe(false);
  });

  it('never answers "no" when it cannot see the column', () => {
    expect(mayMatch({ id: 'r1' }, [c('list_id', ['a'])])).toBe(true);
    // Unquoted names match case-insensitively (SQLite keeps declared case in row keys)…
    expect(mayMatch({ listId: 'x' }, [c('listid', ['a'])])).toBe(false);
    // …quoted ones exactly.
    expect(mayMatch({ listid: 'x' }, [c('listId', ['a'], 'text', true)])).toBe(true);
    // Two keys differing only by case: ambiguous for an unquoted name.
    expect(mayMatch({ ListId: 'x', listid: 'y' }, [c('LISTID'.toLowerCase(), ['a'])])).toBe(false);
    expect(mayMatch({ ListId: 'x', LISTID: 'y' }, [c('listid', ['a'])])).toBe(true);
  });

  it('NULL equals nothing', () => {
    expect(mayEqual('text', null, 'a')).toBe(false);
    expect(mayEqual('text', 'a', null)).toBe(false);
    expect(mayEqual('other', null, 'a')).toBe(false);
    expect(mayMatch({ list_id: null }, [c('list_id', [null, 'a'])])).toBe(false);
    // An undefined parameter is not judged.
    expect(mayEqual('text', 'a', undefined)).toBe(true);
  });

  it('text: exact, folded under a collation, numbers as their text', () => {
    expect(mayEqual('text', 'a', 'A')).toBe(false);
    expect(mayEqual('text-folded', 'a', 'A ')).toBe(true);
    expect(mayEqual('text-folded', 'a', 'b')).toBe(false);
    expect(mayEqual('text', '1', 1)).toBe(true);
    expect(mayEqual('text', '2', 1)).toBe(false);
    expect(mayEqual('text', '1', 1n)).toBe(true);
    // 1.0 and 0.1 may render otherwise in an engine: not judged.
    expect(mayEqual('text', '0.10', 0.1)).toBe(true);
    expect(mayEqual('text', 'x', true)).toBe(true);
    // A text column holding a non-text value: not judged.
    expect(mayEqual('text', 5, '6')).toBe(true);
  });

  it("integer: '1' is 1; anything not plainly an integer is not judged", () => {
    expect(mayEqual('integer', 1, 1)).toBe(true);
    expect(mayEqual('integer', 1, 2)).toBe(false);
    expect(mayEqual('integer', 1, 1.5)).toBe(false);
    expect(mayEqual('integer', 1, '1')).toBe(true);
    expect(mayEqual('integer', 7, ' 007 ')).toBe(true);
    expect(mayEqual('integer', 7, '8')).toBe(false);
    expect(mayEqual('integer', 1, '1.0')).toBe(true);
    expect(mayEqual('integer', 1, '1e0')).toBe(true);
    expect(mayEqual('integer', 1, 'abc')).toBe(true);
    expect(mayEqual('integer', 1, 2n)).toBe(false);
    expect(mayEqual('integer', 2 ** 60, 2 ** 60 + 1)).toBe(true); // beyond 2^53 the JSON lost precision
    expect(mayEqual('integer', 'abc', 1)).toBe(true);
    expect(mayEqual('integer', 1, true)).toBe(true);
  });

  it('other types are never judged', () => {
    expect(mayEqual('other', '2024-01-01T00:00:00', '2024-01-01 00:00:00')).toBe(true);
    expect(mayEqual('other', 'a', 'b')).toBe(true);
  });
});
