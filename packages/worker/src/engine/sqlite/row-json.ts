import type { Row } from '@tandem/core';
import { quoteIdent, quoteLiteral } from '@tandem/core/sql';
import { columnKind } from './values.ts';
import type { ColumnKind } from './values.ts';

/**
 * A table row as JSON, both ways, in the format PGlite's to_jsonb gives patches: booleans as
 * true/false, JSON columns embedded as JSON, blobs as '\x..' hex text, everything else as stored.
 * Triggers encode rows with it; revert and applyServerRows decode rows back into columns.
 */

export interface TableColumn {
  name: string;
  kind: ColumnKind;
  /** False for generated columns: they are part of the row but SQLite computes them. */
  writable: boolean;
}

/** A table's columns in order, generated ones included (hidden = 1 is a virtual table's own). $1: table name. */
export const TABLE_COLUMNS_SQL = 'select name, type, hidden from pragma_table_xinfo($1) where hidden <> 1 order by cid';

export function tableColumns(rows: readonly { name: string; type: string | null; hidden: number }[]): TableColumn[] {
  return rows.map((r) => ({ name: r.name, kind: columnKind(r.type), writable: r.hidden === 0 }));
}

/** `json_object(...)` of the row `ref` (NEW or OLD in a trigger), keys in column order. */
export function rowJsonSql(ref: 'new' | 'old', columns: readonly TableColumn[]): string {
  return `json_object(${columns.map((c) => `${quoteLiteral(c.name)}, ${encodeSql(`${ref}.${quoteIdent(c.name)}`, c.kind)}`).join(', ')})`;
}

function encodeSql(value: string, kind: ColumnKind): string {
  if (kind === 'bool') return `case when ${value} is null then null when ${value} then json('true') else json('false') end`;
  // json() also turns an SQLite JSONB blob into text, and refuses text that is no JSON.
  if (kind === 'json') return `json(${value})`;
  // Any column may hold a blob in SQLite, and json_object refuses blobs.
  return `case when typeof(${value}) = 'blob' then '\\x' || lower(hex(${value})) else ${value} end`;
}

/**
 * Column `index` of a row sent as a JSON array in json_each's `value` (see {@link rowsAsJson}).
 * Arrays rather than objects: no column name has to be written into a JSON path. JSON booleans
 * come out of ->> as 1/0, which is how SQLite stores booleans.
 */
export function decodeColumnSql(column: TableColumn, index: number): string {
  if (column.kind === 'json') return `nullif(value -> ${index}, 'null')`;
  const text = `value ->> ${index}`;
  if (column.kind === 'blob') return `case when substr(${text}, 1, 2) = '\\x' then unhex(substr(${text}, 3)) else ${text} end`;
  return text;
}

/** Rows (keyed by column name) as a JSON array of arrays of the `columns`' values, in order. */
export function rowsAsJson(rows: readonly Row[], columns: readonly TableColumn[]): string {
  return JSON.stringify(rows.map((row) => columns.map((c) => row[c.name] ?? null)));
}
