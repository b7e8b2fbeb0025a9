import { quoteIdent } from '@tandem/core/sql';

/**
 * SQL that applies one patch in reverse. Rows are rebuilt with jsonb_populate_record from the JSON
 * the trigger stored (to_jsonb), which converts every column back to its own type exactly.
 * Generated columns are left out: Postgres recomputes them and refuses explicit values.
 */

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
export function deleteRowSql(table: string): string {
  return `delete from ${quoteIdent(table)} where id = $1`;
}

/** Undo a delete. $1: the old row as JSON. */
export function reinsertRowSql(table: string, columns: readonly string[]): string {
  const t = quoteIdent(table);
  const cols = columns.map(quoteIdent).join(', ');
  // OVERRIDING SYSTEM VALUE: an identity column GENERATED ALWAYS must get its old value back.
  return `insert into ${t} (${cols}) overriding system value select ${cols} from jsonb_populate_record(null::${t}, $1::jsonb)`;
}

/** Undo an update. $1: the old row as JSON, $2: row id. */
export function restoreRowSql(table: string, columns: readonly string[]): string {
  const t = quoteIdent(table);
  const set = columns.map((c) => `${quoteIdent(c)} = src.${quoteIdent(c)}`).join(', ');
  return `update ${t} as tgt set ${set} from jsonb_populate_record(null::${t}, $1::jsonb) as src where tgt.id = $2`;
}
