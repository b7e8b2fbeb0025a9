import { rowFingerprint, rowKeys } from '@tandem/core';
import type { DiffOp, DiffState, Row, RowDiff } from '@tandem/core';
import { tokenize } from './predicate.ts';

/**
 * A live query that is a plain filter, `select * from <table> where <AND-ed equalities>` with
 * nothing after WHERE (no ORDER BY, GROUP BY, LIMIT, DISTINCT; see analysePredicate for the WHERE
 * clause it accepts), is a set of whole rows of one table. A commit changes it only at the rows it
 * wrote, so instead of re-running it, the worker reads those rows again through the query itself
 * (changedRowsSql) and merges them (mergeChangedRows): one round trip that returns the written rows,
 * not the whole result. Called only for queries analysePredicate accepted.
 */
export function isPlainFilter(sql: string): boolean {
  const tokens = tokenize(sql);
  if (!tokens) return false;
  const [select, star, from] = tokens;
  if (!(select?.t === 'word' && select.lower === 'select' && star?.t === 'punct' && star.v === '*' && from?.t === 'word' && from.lower === 'from')) return false;
  // A `;` would end the subquery changedRowsSql wraps it in; the clauses change which rows or their order.
  return !tokens.some((t) => (t.t === 'punct' && t.v === ';') || (t.t === 'word' && AFTER_WHERE.has(t.lower)));
}

const AFTER_WHERE = new Set(['order', 'group', 'limit', 'offset', 'having', 'distinct', 'fetch']);

/** At most this many written rows are read back per query; more re-run the query. */
export const CHANGED_ROWS_MAX = 100;

/**
 * `sql` restricted to the rows whose `id` is one of `count` values bound after its own `paramCount`
 * parameters, numbered in the query's own style: $n on PostgreSQL and for a SQLite query that
 * uses $n, ?n for one that uses ? or none (the SQLite engine refuses a mix of the two).
 */
export function changedRowsSql(sql: string, dialect: 'postgres' | 'sqlite', paramCount: number, count: number): string {
  const dollar = dialect === 'postgres' || (tokenize(sql) ?? []).some((t) => t.t === 'param' && t.n !== null);
  const marks = Array.from({ length: count }, (_, i) => `${dollar ? '$' : '?'}${paramCount + i + 1}`);
  return `select * from (${sql}) as tandem_changed where id in (${marks.join(', ')})`;
}

export interface MergedRows {
  rows: Row[];
  state: DiffState;
  diff: RowDiff;
}

/**
 * The query's new result from its previous one and the current rows (`fresh`) among the written
 * ones (`changed`: their keys, as rowKeys makes them): a written row still in the result is
 * replaced in place, one no longer there is deleted, a new one is appended. Unchanged rows keep
 * their objects. Null when the rows are not keyed by a distinct id (then the query re-runs).
 */
export function mergeChangedRows(prevRows: readonly Row[], prev: DiffState, changed: ReadonlySet<string>, fresh: readonly Row[]): MergedRows | null {
  if (prev.keys.length > 0 && !prev.keys[0]!.startsWith('k')) return null;
  const freshKeys = rowKeys(fresh);
  const freshAt = new Map<string, number>();
  for (let j = 0; j < fresh.length; j++) {
    const key = freshKeys[j]!;
    // Keyed by position (no distinct ids), or a row that was not asked for: not this model.
    if (!key.startsWith('k') || !changed.has(key)) return null;
    freshAt.set(key, j);
  }
  const ops: DiffOp[] = [];
  for (let i = prev.keys.length - 1; i >= 0; i--) {
    const key = prev.keys[i]!;
    if (changed.has(key) && !freshAt.has(key)) ops.push({ op: 'delete', index: i });
  }
  const rows: Row[] = [];
  const keys: string[] = [];
  const prints: string[] = [];
  const kept = new Set<string>();
  for (let i = 0; i < prev.keys.length; i++) {
    const key = prev.keys[i]!;
    const j = changed.has(key) ? freshAt.get(key) : undefined;
    if (j === undefined) {
      if (changed.has(key)) continue; // deleted above
      rows.push(prevRows[i]!);
      keys.push(key);
      prints.push(prev.prints[i]!);
      continue;
    }
    kept.add(key);
    const print = rowFingerprint(fresh[j]!);
    if (print !== prev.prints[i]) ops.push({ op: 'update', index: rows.length, row: fresh[j]! });
    rows.push(print !== prev.prints[i] ? fresh[j]! : prevRows[i]!);
    keys.push(key);
    prints.push(print);
  }
  for (let j = 0; j < fresh.length; j++) {
    const key = freshKeys[j]!;
    if (kept.has(key)) continue;
    ops.push({ op: 'insert', index: rows.length, row: fresh[j]! });
    rows.push(fresh[j]!);
    keys.push(key);
    prints.push(rowFingerprint(fresh[j]!));
  }
  return { rows, state: { keys, prints }, diff: ops };
}
