import type { PendingAction, ServerRows } from './engine.ts';

/** A `tandem_pending` row as the engines read it back (their integers may come as strings). */
export function pendingAction(r: PendingAction): PendingAction {
  return { seq: Number(r.seq), id: r.id, name: r.name, args: r.args, time: Number(r.time) };
}

/**
 * The tables a rebase's server rows write and how many rows, for choosing how to switch triggers
 * off: replacing a channel deletes however many rows it holds, so it counts as `bulk`.
 */
export function serverRowsExtent(rows: ServerRows, bulk: number): { tables: Set<string>; count: number } {
  const tables = new Set([...rows.replaceChannels.map((r) => r.table), ...rows.changes.map((c) => c.table)]);
  return { tables, count: rows.replaceChannels.length > 0 ? bulk : rows.changes.length };
}
