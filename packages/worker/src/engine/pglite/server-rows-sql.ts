import type { Row } from '@tandem/core';
import { quoteIdent } from '@tandem/core/sql';
import type { ServerRowsSql, Statement } from '../tx-port.ts';
import type { PgColumns } from './revert-sql.ts';

/**
 * The statements that write the server's rows (see TandemTx.applyServerRows). Rows travel as one
 * JSON array per statement and are rebuilt with jsonb_populate_recordset, which converts every
 * column exactly.
 */

/** $1: the channel. */
export function deleteChannelSql(table: string, column: string): string {
  return `delete from ${quoteIdent(table)} where ${quoteIdent(column)}::text = $1`;
}

export function deleteRows(table: string, ids: readonly string[]): Statement {
  return { sql: `delete from ${quoteIdent(table)} where id = any($1::text[])`, params: [ids] };
}

export function upsertRows(table: string, columns: PgColumns, rows: readonly Row[]): Statement {
  return writeRows(table, columns, rows, true);
}

export function insertRows(table: string, columns: PgColumns, rows: readonly Row[]): Statement {
  return writeRows(table, columns, rows, false);
}

function writeRows(table: string, columns: PgColumns, rows: readonly Row[], upsert: boolean): Statement {
  const t = quoteIdent(table);
  const cols = columns.insert.map(quoteIdent).join(', ');
  const set = columns.update.filter((c) => c !== 'id').map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  const conflict = upsert ? `\n     on conflict (id) do ${set.length > 0 ? `update set ${set.join(', ')}` : 'nothing'}` : '';
  return {
    sql: `insert into ${t} (${cols}) overriding system value
     select ${cols} from jsonb_populate_recordset(null::${t}, $1::jsonb)${conflict}`,
    params: [JSON.stringify(rows)],
  };
}

export const SERVER_ROWS_SQL: ServerRowsSql<PgColumns> = { deleteChannelSql, deleteRows, upsertRows, insertRows };
