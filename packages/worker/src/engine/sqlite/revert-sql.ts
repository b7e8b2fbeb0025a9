import { quoteIdent } from '@tandem/core/sql';
import { decodeColumnSql } from './row-json.ts';
import type { TableColumn } from './row-json.ts';

/**
 * SQL that applies one patch in reverse. The old row travels as a one-row JSON array of arrays
 * (rowsAsJson), decoded column by column as applyServerRows does. Generated columns are left out:
 * SQLite computes them and refuses explicit values.
 */

/** Undo an insert. $1: row id. */
export function deleteRowSql(table: string): string {
  return `delete from ${quoteIdent(table)} where "id" = $1`;
}

/** Undo a delete. $1: [[old row values]] of `columns`. */
export function reinsertRowSql(table: string, columns: readonly TableColumn[]): string {
  return `insert into ${quoteIdent(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')})
select ${columns.map(decodeColumnSql).join(', ')} from json_each($1)`;
}

/** Undo an update. $1: [[old row values]] of `columns`, $2: row id. */
export function restoreRowSql(table: string, columns: readonly TableColumn[]): string {
  return `update ${quoteIdent(table)} set (${columns.map((c) => quoteIdent(c.name)).join(', ')}) =
(select ${columns.map(decodeColumnSql).join(', ')} from json_each($1)) where "id" = $2`;
}
