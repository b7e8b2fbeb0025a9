import type { Row } from '@tandem/core';
import { quoteIdent } from '@tandem/core/sql';
import type { ServerRowsSql, Statement } from '../tx-port.ts';
import { decodeColumnSql, rowsAsJson } from './row-json.ts';
import type { TableColumn } from './row-json.ts';

/**
 * The statements that write the server's rows (see TandemTx.applyServerRows). Rows travel as one
 * JSON array per statement and are rebuilt column by column from json_each (see row-json.ts).
 */

/** $1: the channel. */
export function deleteChannelSql(table: string, column: string): string {
  return `delete from ${quoteIdent(table)} where ${quoteIdent(column)} = $1`;
}

export function deleteRows(table: string, ids: readonly string[]): Statement {
  return { sql: `delete from ${quoteIdent(table)} where "id" in (select value from json_each($1))`, params: [JSON.stringify(ids)] };
}

export function upsertRows(table: string, columns: readonly TableColumn[], rows: readonly Row[]): Statement {
  return writeRows(table, columns, rows, true);
}

export function insertRows(table: string, columns: readonly TableColumn[], rows: readonly Row[]): Statement {
  return writeRows(table, columns, rows, false);
}

function writeRows(table: string, columns: readonly TableColumn[], rows: readonly Row[], upsert: boolean): Statement {
  const writable = columns.filter((c) => c.writable);
  const names = writable.map((c) => quoteIdent(c.name));
  const set = names.filter((n) => n !== '"id"').map((n) => `${n} = excluded.${n}`);
  // "where true": without it SQLite's parser takes ON CONFLICT for a join constraint of the select.
  const conflict = upsert ? `\non conflict ("id") do ${set.length > 0 ? `update set ${set.join(', ')}` : 'nothing'}` : '';
  return {
    sql: `insert into ${quoteIdent(table)} (${names.join(', ')})
select ${writable.map(decodeColumnSql).join(', ')} from json_each($1) where true${conflict}`,
    params: [rowsAsJson(rows, writable)],
  };
}

export const SERVER_ROWS_SQL: ServerRowsSql<readonly TableColumn[]> = { deleteChannelSql, deleteRows, upsertRows, insertRows };
