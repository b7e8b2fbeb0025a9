import type { Row } from '@tandem/core';
import type { ServerRows } from '../engine.ts';
import { finalRowStates } from '../final-row-states.ts';
import { quoteIdent } from '@tandem/core/sql';
import { decodeColumnSql, rowsAsJson } from './row-json.ts';
import type { TableColumn } from './row-json.ts';

type Run = (sql: string, params: unknown[]) => unknown;
type Columns = (table: string) => TableColumn[];

/**
 * Applies the server's state with a constant number of statements per table, however many rows:
 * channels are replaced wholesale, then each row takes its LAST change (changes carry full rows, so
 * the last one is the row's state at the pull's version). Rows travel as one JSON array per
 * statement and are rebuilt column by column from json_each (see row-json.ts). The caller
 * has switched capture and triggers off: this is no action, and must not be refused.
 */
export function applyServerRows(run: Run, columnsOf: Columns, input: ServerRows): void {
  for (const { table, column, channel, rows } of input.replaceChannels) {
    run(`delete from ${quoteIdent(table)} where ${quoteIdent(column)} = $1`, [channel]);
    if (rows.length > 0) upsert(run, table, columnsOf(table), rows);
  }

  const byTable = finalRowStates(input.changes);
  for (const [table, { deletes, upserts }] of byTable) {
    if (deletes.length > 0) run(`delete from ${quoteIdent(table)} where "id" in (select value from json_each($1))`, [JSON.stringify(deletes)]);
    if (upserts.length > 0) upsert(run, table, columnsOf(table), upserts);
  }
}

function upsert(run: Run, table: string, columns: readonly TableColumn[], rows: readonly Row[]): void {
  const writable = columns.filter((c) => c.writable);
  const names = writable.map((c) => quoteIdent(c.name));
  const set = names.filter((n) => n !== '"id"').map((n) => `${n} = excluded.${n}`);
  // "where true": without it SQLite's parser takes ON CONFLICT for a join constraint of the select.
  run(
    `insert into ${quoteIdent(table)} (${names.join(', ')})
select ${writable.map(decodeColumnSql).join(', ')} from json_each($1) where true
on conflict ("id") do ${set.length > 0 ? `update set ${set.join(', ')}` : 'nothing'}`,
    [rowsAsJson(rows, writable)],
  );
}
