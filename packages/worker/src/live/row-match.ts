import type { Conjunct } from './predicate.ts';

/**
 * How a column's values compare in the engine, as far as deciding "surely not equal" goes:
 * `text`: byte equality (a deterministic collation); `text-folded`: a collation that may ignore
 * case or trailing spaces (SQLite NOCASE/RTRIM); `integer`; `other`: never judged (dates, numerics,
 * uuids, citext, char(n), non-deterministic collations… compare in ways the row's JSON does not show).
 */
export type ColumnKind = 'text' | 'text-folded' | 'integer' | 'other';

/** A conjunct with its column's kind and the row's key for it (null: the row JSON has no such key). */
export interface BoundConjunct extends Conjunct {
  kind: ColumnKind;
}

/**
 * False only when `row` surely fails one of the AND-ed conjuncts; true ("may match") otherwise.
 * A false "no" would hide a change from a live query, so every doubt answers true.
 */
export function mayMatch(row: Readonly<Record<string, unknown>> | null, conjuncts: readonly BoundConjunct[]): boolean {
  if (row === null) return false;
  for (const c of conjuncts) {
    const value = columnValue(row, c);
    if (value === undefined) continue; // the row does not show the column: cannot judge
    if (!c.values.some((v) => mayEqual(c.kind, value, v))) return false;
  }
  return true;
}

function columnValue(row: Readonly<Record<string, unknown>>, c: Conjunct): unknown {
  if (Object.hasOwn(row, c.column)) return row[c.column];
  if (c.quoted) return undefined;
  // Unquoted names match case-insensitively (SQLite keeps the declared case in the row's keys).
  const lower = c.column.toLowerCase();
  let found: unknown;
  let n = 0;
  for (const key of Object.keys(row)) {
    if (key.toLowerCase() === lower) {
      found = row[key];
      n++;
    }
  }
  return n === 1 ? found : undefined;
}

/** Whether `column = bound` may be true for a row holding `value` in a column of `kind`. */
export function mayEqual(kind: ColumnKind, value: unknown, bound: unknown): boolean {
  if (bound === undefined) return true;
  // NULL = anything is never true, in both engines.
  if (value === null || bound === null) return false;
  switch (kind) {
    case 'text':
    case 'text-folded': {
      if (typeof value !== 'string') return true;
      let b: string;
      if (typeof bound === 'string') b = bound;
      // Both engines compare a number with a text column as its text: only exact integers render alike in JS.
      else if (typeof bound === 'number' && Number.isSafeInteger(bound)) b = String(bound);
      else if (typeof bound === 'bigint') b = String(bound);
      else return true;
      return kind === 'text' ? value === b : fold(value) === fold(b);
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return true;
      if (typeof bound === 'number') return Number.isFinite(bound) ? value === bound : true;
      if (typeof bound === 'bigint') return bound >= BigInt(Number.MIN_SAFE_INTEGER) && bound <= BigInt(Number.MAX_SAFE_INTEGER) ? value === Number(bound) : true;
      if (typeof bound === 'string') {
        // '7', ' 7 ', '+7', '007' are 7 to both engines; anything else ('7.0', '7e0', hex) is not judged.
        const t = bound.trim();
        if (!/^[+-]?[0-9]{1,15}$/.test(t)) return true;
        return value === Number(t);
      }
      return true;
    }
    default:
      return true;
  }
}

/** NOCASE folds ASCII case, RTRIM trailing spaces: fold both, and more (any case), to stay on the safe side. */
function fold(s: string): string {
  return s.toLowerCase().replace(/ +$/, '');
}
