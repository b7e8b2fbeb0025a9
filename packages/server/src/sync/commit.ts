import type { Rejection } from '@tandem/core';
import type { SqlTx } from '../store/sql-driver.ts';
import type { CommitInfo } from './sync-store.ts';

/**
 * Ends a push or invoke: stores its rejections and the client's new last seq, then takes the next
 * version. One statement, and the transaction's last: the `tandem_head` row it updates stays locked
 * until COMMIT, so a concurrent push gets the following version only once this one is visible.
 * $1 client id, $2 rejections (JSON), $3 new last seq.
 */
const COMMIT_SQL = `
with rejected as (
  insert into tandem_rejections (client_id, seq, action_id, name, error)
  select $1, r.seq, r.id, r.name, r.error
  from jsonb_to_recordset($2::jsonb) as r(seq bigint, id text, name text, error jsonb)
), client as (
  update tandem_clients set last_seq = $3 where client_id = $1
), head as (
  update tandem_head set version = version + 1 returning version
)
insert into tandem_commits (version, txid, channels, client_id, last_seq)
select head.version, pg_current_xact_id(),
  coalesce((select array_agg(distinct ch.channel order by ch.channel) from tandem_changes ch where ch.txid = pg_current_xact_id()), '{}'),
  $1, $3
from head
returning version, channels
`;

export async function commitVersion(tx: SqlTx, clientId: string, lastSeq: number, rejections: readonly Rejection[]): Promise<CommitInfo> {
  const rows = await tx.query<{ version: number; channels: string[] }>(COMMIT_SQL, [clientId, JSON.stringify(rejections), lastSeq]);
  const row = rows[0]!;
  return { version: Number(row.version), channels: row.channels };
}
