import type { ServerRows } from '../engine.ts';
import { finalRowStates } from '../final-row-states.ts';
import { quoteIdent } from '@tandem/core/sql';

type Query = (sql: string, params: unknown[]) => Promise<unknown>;
type Columns = (table: string) => Promise<{ insert: string[]; update: string[] }>;

/**
 * Applies the server's state with a constant number of statements per table, however many rows:
 * channels are replaced wholesale, then each row takes its LAST change (changes carry full rows, so
 * the last one is the row's state at the pull's version). Rows travel as one JSON array per
 * statement and are rebuilt with jsonb_populate_recordset, which converts every column exactly.
 * The caller has switched capture off (bypass): this is not an action, and must not be refused.
 */
export async function applyServerRows(query: Query, columnsOf: Columns, input: ServerRows): Promise<void> {
  for (const { table, column, channel, rows } of input.replaceChannels) {
    await query(`delete from ${quoteIdent(table)} where ${quoteIdent(column)}::text = $1`, [channel]);
    if (rows.length > 0) await upsert(query, table, await columnsOf(table), rows);
  }

  const byTable = finalRowStates(input.changes);
  for (const [table, { deletes, upserts }] of byTable) {
    if (deletes.length > 0) await query(`delete from ${quoteIdent(table)} where id = any($1::text[])`, [deletes]);
    if (upserts.length > 0) await upsert(query, table, await columnsOf(table), upserts);
  }
}

async function upsert(query: Query, table: string, columns: { insert: string[]; update: string[] }, rows: readonly unknown[]): Promise<void> {
  const t = quoteIdent(table);
  const cols = columns.insert.map(quoteIdent).join(', ');
  const set = columns.update.filter((c) => c !== 'id').map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
  await query(
    `insert into ${t} (${cols}) overriding system value
     select ${cols} from jsonb_populate_recordset(null::${t}, $1::jsonb)
     on conflict (id) do ${set.length > 0 ? `update set ${set.join(', ')}` : 'nothing'}`,
    [JSON.stringify(rows)],
  );
}

