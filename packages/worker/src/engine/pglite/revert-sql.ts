import type { Patch } from '@tandem/core';
import { quoteIdent } from '@tandem/core/sql';
import type { RevertSql, Statement } from '../tx-port.ts';

/**
 * SQL that applies one patch in reverse. Rows are rebuilt with jsonb_populate_record from the JSON
 * the trigger stored (to_jsonb), which converts every column back to its own type exactly.
 * Generated columns are left out: Postgres recomputes them and refuses explicit values.
 */

/** A table's writable columns, in table order: all of them for INSERT, those UPDATE may set. */
export interface PgColumns {
  insert: string[];
  update: string[];
}

/**
 * Columns a restored row may set, in table order, and whether each is GENERATED ALWAYS AS IDENTITY
 * (which UPDATE may not set, and which never changes anyway). Param $1: the quoted table name.
 */
export const WRITABLE_COLUMNS_SQL = `
select a.attname as name, a.attidentity = 'a' as "alwaysIdentity"
from pg_attribute a
where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
order by a.attnum
`;

/** Undo an insert. $1: row id. */
export function undoInsertSql(table: string): string {
  return `delete from ${quoteIdent(table)} where id = $1`;
}

/** Undo a delete: the old row back. */
export function undoDelete(table: string, columns: PgColumns, oldRow: Patch['oldRow']): Statement {
  const t = quoteIdent(table);
  const cols = columns.insert.map(quoteIdent).join(', ');
  // OVERRIDING SYSTEM VALUE: an identity column GENERATED ALWAYS must get its old value back.
  return {
    sql: `insert into ${t} (${cols}) overriding system value select ${cols} from jsonb_populate_record(null::${t}, $1::jsonb)`,
    params: [JSON.stringify(oldRow)],
  };
}

/** Undo an update: the row's old values back. */
export function undoUpdate(table: string, columns: PgColumns, oldRow: Patch['oldRow'], rowId: string): Statement {
  const t = quoteIdent(table);
  const set = columns.update.map((c) => `${quoteIdent(c)} = src.${quoteIdent(c)}`).join(', ');
  return {
    sql: `update ${t} as tgt set ${set} from jsonb_populate_record(null::${t}, $1::jsonb) as src where tgt.id = $2`,
    params: [JSON.stringify(oldRow), rowId],
  };
}

export const REVERT_SQL: RevertSql<PgColumns> = { undoInsertSql, undoDelete, undoUpdate };
