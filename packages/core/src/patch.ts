import type { JsonValue } from './json-value.ts';

export type Row = Record<string, unknown>;
export type PatchOp = 'insert' | 'update' | 'delete';

/**
 * One row change captured by the engine's triggers while an action ran. `oldRow`/`newRow` are the
 * full rows as JSON (null for insert/delete respectively), enough to apply the change or reverse it.
 */
export interface Patch {
  actionId: string;
  table: string;
  rowId: string;
  op: PatchOp;
  oldRow: { [column: string]: JsonValue } | null;
  newRow: { [column: string]: JsonValue } | null;
}
