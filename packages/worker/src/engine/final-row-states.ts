import type { Row } from '@tandem/core';
import type { ServerRows } from './engine.ts';

/**
 * The server's row changes reduced to each row's final state, grouped by table: changes carry
 * full rows, so the last one per row is its state at the pull's version, and any engine can
 * apply a table's deletes and upserts with a constant number of statements.
 */
export function finalRowStates(changes: ServerRows['changes']): Map<string, { deletes: string[]; upserts: Row[] }> {
  const last = new Map<string, { table: string; rowId: string; row: Row | null }>();
  for (const change of changes) {
    const key = `${change.table}\u0000${change.rowId}`;
    last.delete(key); // keep first-seen order of the final states stable for readability of logs
    last.set(key, { table: change.table, rowId: change.rowId, row: change.op === 'delete' ? null : change.row });
  }
  const byTable = new Map<string, { deletes: string[]; upserts: Row[] }>();
  for (const { table, rowId, row } of last.values()) {
    let entry = byTable.get(table);
    if (!entry) byTable.set(table, (entry = { deletes: [], upserts: [] }));
    if (row) entry.upserts.push(row);
    else entry.deletes.push(rowId);
  }
  return byTable;
}
