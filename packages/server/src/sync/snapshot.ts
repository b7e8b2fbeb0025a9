import type { ChannelSnapshot, JsonValue } from '@tandem/core';
import { quoteIdent, quoteLiteral } from '@tandem/core/sql';
import type { SqlTx } from '../store/sql-driver.ts';
import type { ChannelColumns } from './sync-store.ts';

type JsonRow = { [column: string]: JsonValue };

/**
 * Every row of every synced table in each of `channels`, as `to_jsonb` shapes it, so snapshot rows
 * and change rows look alike. Every synced table is listed, empty or not: a snapshot replaces the
 * channel's rows, and an empty list is what clears a table.
 */
export function snapshotSql(channels: ChannelColumns): string {
  return Object.entries(channels)
    .map(([table, column]) => {
      const col = quoteIdent(column);
      return `select ${quoteLiteral(table)} as table_name, t.${col}::text as channel, to_jsonb(t) as row from ${quoteIdent(table)} t where t.${col}::text = any($1::text[])`;
    })
    .join('\nunion all\n');
}

export async function readSnapshots(tx: SqlTx, config: ChannelColumns, channels: readonly string[]): Promise<ChannelSnapshot[]> {
  if (channels.length === 0) return [];
  const tables = Object.keys(config);
  const byChannel = new Map<string, ChannelSnapshot>();
  for (const channel of channels) {
    byChannel.set(channel, { channel, tables: Object.fromEntries(tables.map((t) => [t, [] as JsonRow[]])) });
  }
  if (tables.length > 0) {
    const rows = await tx.query<{ table_name: string; channel: string; row: JsonRow }>(`${snapshotSql(config)}\norder by 1, 2`, [channels]);
    for (const r of rows) byChannel.get(r.channel)!.tables[r.table_name]!.push(r.row);
  }
  return [...byChannel.values()];
}

/**
 * {@link readSnapshots} as JSON text (an array of `ChannelSnapshot`s), each table's rows aggregated
 * by the database: the same rows, listed the same way (every synced table, empty or not), in the
 * order of `channels`.
 */
export async function readSnapshotsJson(tx: SqlTx, config: ChannelColumns, channels: readonly string[]): Promise<string> {
  if (channels.length === 0) return '[]';
  const tables = Object.keys(config);
  const arrays = new Map<string, string>();
  const key = (channel: string, table: string) => `${table}\u0000${channel}`;
  if (tables.length > 0) {
    const rows = await tx.query<{ table_name: string; channel: string; rows: string }>(
      `select table_name, channel, json_agg(row)::text as rows from (${snapshotSql(config)}) s group by 1, 2`,
      [channels],
    );
    for (const r of rows) arrays.set(key(r.channel, r.table_name), r.rows);
  }
  const snapshot = (channel: string) => `{"channel":${JSON.stringify(channel)},"tables":{${tables.map((t) => `${JSON.stringify(t)}:${arrays.get(key(channel, t)) ?? '[]'}`).join(',')}}}`;
  return `[${channels.map(snapshot).join(',')}]`;
}
