import type { Patch } from '@tandem/core';
import { quoteIdent } from '@tandem/core/sql';
import type { RevertSql, Statement } from '../tx-port.ts';
import { decodeColumnSql, rowsAsJson } from './row-json.ts';
import type { TableColumn } from './row-json.ts';

/**
 * SQL that applies one patch in reverse. The old row travels as a one-row JSON array of arrays
 * (rowsAsJson), decoded column by column as the server's rows are. Generated columns are left out:
 * SQLite computes them and refuses explicit values.
 */

/** Undo an insert. $1: row id. */
export function undoInsertSql(table: string): string {
  return `delete from ${quoteIdent(table)} where "id" = $1`;
}

/** Undo a delete: the old row back. */
export function undoDelete(table: string, columns: readonly TableColumn[], oldRow: Patch['oldRow']): Statement {
  const writable = columns.filter((c) => c.writable);
  return {
    sql: `insert into ${quoteIdent(table)} (${writable.map((c) => quoteIdent(c.name)).join(', ')})
select ${writable.map(decodeColumnSql).join(', ')} from json_each($1)`,
    params: [rowsAsJson([oldRow ?? {}], writable)],
  };
}

/** Undo an update: the row's old values back. */
export function undoUpdate(table: string, columns: readonly TableColumn[], oldRow: Patch['oldRow'], rowId: string): Statement {
  const writable = columns.filter((c) => c.writable);
  return {
    sql: `update ${quoteIdent(table)} set (${writable.map((c) => quoteIdent(c.name)).join(', ')}) =
(select ${writable.map(decodeColumnSql).join(', ')} from json_each($1)) where "id" = $2`,
    params: [rowsAsJson([oldRow ?? {}], writable), rowId],
  };
}

export const REVERT_SQL: RevertSql<readonly TableColumn[]> = { undoInsertSql, undoDelete, undoUpdate };
