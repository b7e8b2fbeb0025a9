import type { Rejection } from '@tandem/core';
import type { SqlTransaction } from '../store/sql-driver.ts';
import { rejectionsJsonSql } from './rejections-sql.ts';
import type { CommitInfo } from './sync-store.ts';

/**
 * Ends a push or invoke: stores its rejections and the client's new last seq, then takes the next
 * version. One statement, and the transaction's last: the `tandem_head` row it updates stays locked
 * until COMMIT, so a concurrent push gets the following version only once this one is visible.
 * COMMIT is sent right behind it (queryAndCommit), which also keeps the head row locked for one
 * round trip instead of two.
 * It also hands back the commit's changes when there are at most $4 of them (0: never), read from
 * the rows it already scans for the channels, so a poke can carry them and spare every subscriber
 * a pull. They come as JSON TEXT of the protocol's Change objects (keys named as in core's
 * `Change`, version included), which the server splices into poke frames as is: no parse and
 * stringify on the server (`json_agg` of a lateral row keeps the key order and writes the object
 * compactly; `row` is the jsonb's own text). json, not jsonb: building it as jsonb cost ~7 µs of
 * Postgres CPU per action of a 100-action push.
 * And it reads the client's rejections stored before this push from seq $5 on (null: none): the
 * client row was locked by the push's first statement, so no concurrent push of this client can
 * add one unseen, and this statement's snapshot does not see the rejections it inserts itself.
 * That read used to be a statement of its own. $1 client id, $2 rejections (JSON), $3 new last seq.
 */
const COMMIT_SQL = `
with rejected as (
  insert into tandem_rejections (client_id, seq, action_id, name, error, args)
  select $1, r.seq, r.id, r.name, r.error, r.args
  from jsonb_to_recordset($2::jsonb) as r(seq bigint, id text, name text, error jsonb, args jsonb)
), client as (
  update tandem_clients set last_seq = $3 where client_id = $1
), head as (
  update tandem_head set version = version + 1 returning version
), captured as materialized (
  select seq, action_id, channel, table_name, row_id, op, row from tandem_changes where txid = pg_current_xact_id()
), committed as (
  insert into tandem_commits (version, txid, channels, client_id, last_seq)
  select head.version, pg_current_xact_id(), coalesce((select array_agg(distinct channel order by channel) from captured), '{}'), $1, $3
  from head
  returning version, channels
)
select version, channels,
  case when $4::int > 0 and (select count(*) from captured) <= $4::int then
    (select coalesce(json_agg(c order by captured.seq), '[]')::text from captured cross join lateral (
      select committed.version, captured.action_id as "actionId", captured.channel, captured.table_name as "table", captured.row_id as "rowId", captured.op, captured.row
    ) c)
  end as changes,
  ${rejectionsJsonSql('$1', '$5')} as earlier
from committed
`;

type CommitRow = { version: number; channels: string[]; changes: string | null; earlier: Rejection[] };

/**
 * `changesUpTo`: return the commit's changes when it has at most this many (0: never).
 * `earlierFrom`: also return the client's rejections stored before, from this seq on (see COMMIT_SQL).
 */
export async function commitVersion(
  tx: SqlTransaction,
  clientId: string,
  lastSeq: number,
  rejections: readonly Rejection[],
  changesUpTo: number,
  earlierFrom: number | null = null,
): Promise<{ commit: CommitInfo; earlier: Rejection[] }> {
  const rows = await tx.queryAndCommit<CommitRow>(COMMIT_SQL, [clientId, JSON.stringify(rejections), lastSeq, changesUpTo, earlierFrom]);
  const row = rows[0]!;
  const version = Number(row.version);
  const commit: CommitInfo = { version, channels: row.channels, clientId };
  if (row.changes !== null) commit.changesJson = row.changes;
  return { commit, earlier: row.earlier };
}
