import type { Dialect, Row } from '@tandem/core';
import { quoteIdent } from '@tandem/core/sql';
import type { ColumnKind } from './row-match.ts';

// Postgres: text and varchar under a deterministic collation compare bytewise; the integers as
// numbers. The catalogue, not information_schema (a heavy view: milliseconds per subscribe on
// PGlite); to_regclass resolves the name through the search path as the query does.
const PG_COLUMNS_SQL = `select a.attname as name, format_type(a.atttypid, null) as type, a.attcollation::int as coll
  from pg_attribute a where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`;
// 0: not collatable; 100: the database default; 950, 951: "C", "POSIX". All deterministic.
const PG_DETERMINISTIC = new Set([0, 100, 950, 951]);
// SQLite: the declared type gives the affinity (INT → integer, CHAR/CLOB/TEXT → text); a COLLATE
// anywhere in the table's definition makes its text columns folded.
const SQLITE_COLUMNS_SQL = `select p.name as name, p.type as type,
  (select instr(lower(s.sql), 'collate') > 0 from sqlite_schema s where s.type = 'table' and s.name = $1) as coll
  from pragma_table_info($1) p`;

const PG_TEXT = new Set(['text', 'character varying']);
const PG_INTEGER = new Set(['smallint', 'integer', 'bigint']);

/**
 * Each column of `table` with how its values compare (see ColumnKind). `query` is the engine's
 * own (not a tab's read-only) path: this reads the catalogue.
 */
export async function columnKinds(dialect: Dialect, table: string, query: (sql: string, params: unknown[]) => Promise<Row[]>): Promise<Map<string, ColumnKind>> {
  const kinds = new Map<string, ColumnKind>();
  // (Postgres: one relation, so no duplicates; SQLite: pragma_table_info of main, then temp, may repeat.)
  const seen = new Set<string>();
  const rows = await query(dialect === 'postgres' ? PG_COLUMNS_SQL : SQLITE_COLUMNS_SQL, [dialect === 'postgres' ? quoteIdent(table) : table]);
  for (const row of rows) {
    const name = String(row.name);
    // The same table name in two schemas of the search path: which one the query reads is not known here.
    const kind: ColumnKind = seen.has(name) ? 'other' : dialect === 'postgres' ? pgKind(row) : sqliteKind(row);
    seen.add(name);
    kinds.set(name, kind);
  }
  return kinds;
}

function pgKind(row: Row): ColumnKind {
  const type = String(row.type);
  if (PG_INTEGER.has(type)) return 'integer';
  // A non-default collation may be non-deterministic (case- or accent-insensitive ICU): not judged.
  if (PG_TEXT.has(type)) return PG_DETERMINISTIC.has(Number(row.coll)) ? 'text' : 'other';
  return 'other';
}

function sqliteKind(row: Row): ColumnKind {
  const type = String(row.type ?? '').toUpperCase();
  if (type.includes('INT')) return 'integer';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return Number(row.coll) ? 'text-folded' : 'text';
  return 'other';
}
