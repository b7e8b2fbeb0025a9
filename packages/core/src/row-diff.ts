import type { Row } from './patch.ts';

/**
 * A live query's change, as ops applied in order to the previous result array:
 * deletes first (by index, highest first), then for each target position an insert, a move from a
 * later position, or an update in place. Rows that did not change are not sent, so the tab can keep
 * their object identity and UI frameworks skip them.
 */
export type DiffOp =
  | { op: 'delete'; index: number }
  | { op: 'insert'; index: number; row: Row }
  | { op: 'move'; from: number; to: number }
  | { op: 'update'; index: number; row: Row };

export type RowDiff = DiffOp[];

/**
 * Keys rows by their `id` column when every row has a distinct non-null one, else by position (a
 * query without ids still works, it just diffs less precisely).
 */
export function rowKeys(rows: readonly Row[]): string[] {
  const keys = new Array<string>(rows.length);
  const seen = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const id = rows[i]!.id;
    if (id === null || id === undefined) return rows.map((_, j) => `#${j}`);
    const key = `k${typeof id === 'object' ? JSON.stringify(id) : String(id)}`;
    if (seen.has(key)) return rows.map((_, j) => `#${j}`);
    seen.add(key);
    keys[i] = key;
  }
  return keys;
}

/** A cheap stable fingerprint of a row for change detection. */
export function rowFingerprint(row: Row): string {
  return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

export interface DiffState {
  keys: string[];
  prints: string[];
}

export function diffState(rows: readonly Row[]): DiffState {
  return { keys: rowKeys(rows), prints: rows.map(rowFingerprint) };
}

/** Computes the ops that turn `prev` into `next`; empty when nothing changed. */
export function computeRowDiff(prev: DiffState, next: DiffState, nextRows: readonly Row[]): RowDiff {
  const ops: DiffOp[] = [];
  const nextKeys = new Set(next.keys);
  const curKeys: string[] = [];
  const curPrints: string[] = [];
  for (let i = prev.keys.length - 1; i >= 0; i--) {
    if (!nextKeys.has(prev.keys[i]!)) ops.push({ op: 'delete', index: i });
  }
  for (let i = 0; i < prev.keys.length; i++) {
    if (nextKeys.has(prev.keys[i]!)) {
      curKeys.push(prev.keys[i]!);
      curPrints.push(prev.prints[i]!);
    }
  }
  // Position of each current key, kept in step as ops shift the array.
  for (let i = 0; i < next.keys.length; i++) {
    const key = next.keys[i]!;
    if (curKeys[i] === key) {
      if (curPrints[i] !== next.prints[i]) ops.push({ op: 'update', index: i, row: nextRows[i]! });
      continue;
    }
    const from = curKeys.indexOf(key, i + 1);
    if (from === -1) {
      ops.push({ op: 'insert', index: i, row: nextRows[i]! });
      curKeys.splice(i, 0, key);
      curPrints.splice(i, 0, next.prints[i]!);
      continue;
    }
    ops.push({ op: 'move', from, to: i });
    curKeys.splice(from, 1);
    curKeys.splice(i, 0, key);
    const [print] = curPrints.splice(from, 1);
    curPrints.splice(i, 0, print!);
    if (print !== next.prints[i]) ops.push({ op: 'update', index: i, row: nextRows[i]! });
  }
  return ops;
}

/** Applies a diff to a result array, returning a new array that reuses every unchanged row object. */
export function applyRowDiff<R extends Row>(rows: readonly R[], diff: RowDiff): R[] {
  const out = rows.slice();
  for (const op of diff) {
    switch (op.op) {
      case 'delete':
        out.splice(op.index, 1);
        break;
      case 'insert':
        out.splice(op.index, 0, op.row as R);
        break;
      case 'move': {
        const [row] = out.splice(op.from, 1);
        out.splice(op.to, 0, row!);
        break;
      }
      case 'update':
        out[op.index] = op.row as R;
        break;
    }
  }
  return out;
}
