import type { PendingAction } from '../engine.ts';
import { patchOf } from '../tandem-tx.ts';
import type { PatchRow } from '../tandem-tx.ts';
import { PATCHES_IN_BATCH_MAX } from '../tx-port.ts';
import type { DialectSql } from '../tx-port.ts';
import type { PgColumns } from './revert-sql.ts';
import { REVERT_SQL } from './revert-sql.ts';
import { SERVER_ROWS_SQL } from './server-rows-sql.ts';

// Tables with patches, the last patch seq, and the tables without capture written so far (tandem_touch).
const CHANGED_TABLES_SELECT = `select array_agg(distinct table_name) as tables, max(seq) as last,
  current_setting('tandem.touched', true) as touched from tandem_patches`;

const RECORD_PENDING_SQL = `with pending as (
  insert into tandem_pending (seq, id, name, args, time)
  select seq, id, name, args, time from jsonb_to_recordset($1::jsonb) as x(seq bigint, id text, name text, args jsonb, time bigint)
)
insert into tandem_meta (key, value) values ('client_seq', to_jsonb($2::bigint))
on conflict (key) do update set value = excluded.value`;

// The batch's patches as PATCHES_SINCE_SQL's rows in one JSON array ([] for none), null when there
// are more than PATCHES_IN_BATCH_MAX (it reads at most one more to know).
const BATCH_PATCHES_SELECT = `(select case when count(*) = 0 then '[]'::json when count(*) <= ${PATCHES_IN_BATCH_MAX} then
    json_agg(json_build_object('seq', seq, 'action_id', action_id, 'table_name', table_name, 'row_id', row_id, 'op', op, 'old_row', old_row, 'new_row', new_row) order by seq) end
  from (select * from tandem_patches where seq > $3 order by seq limit ${PATCHES_IN_BATCH_MAX + 1}) as batch)`;

// The same writes as data-modifying CTEs; the outer select reads the patches of earlier statements
// (CHANGED_TABLES_SELECT's columns, then the patches themselves).
const RECORD_BATCH_SQL = `with pending as (
  insert into tandem_pending (seq, id, name, args, time)
  select seq, id, name, args, time from jsonb_to_recordset($1::jsonb) as x(seq bigint, id text, name text, args jsonb, time bigint)
), meta as (
  insert into tandem_meta (key, value) values ('client_seq', to_jsonb($2::bigint))
  on conflict (key) do update set value = excluded.value
)
select array_agg(distinct table_name) as tables, max(seq) as last,
  current_setting('tandem.touched', true) as touched, ${BATCH_PATCHES_SELECT} as patches
from tandem_patches where seq > $3`;

function pendingParams(actions: readonly PendingAction[]): [string, number] {
  return [JSON.stringify(actions.map((a) => ({ ...a, args: a.args ?? null }))), Math.max(...actions.map((a) => a.seq))];
}

/** Tandem's bookkeeping SQL in PostgreSQL's dialect: data-modifying CTEs make a batch one statement. */
export const PGLITE_SQL: DialectSql<PgColumns> = {
  recordPending: (actions) => [{ sql: RECORD_PENDING_SQL, params: pendingParams(actions) }],
  recordBatch: (actions, afterSeq) => ({ sql: RECORD_BATCH_SQL, params: [...pendingParams(actions), afterSeq] }),
  changedTablesSql: `${CHANGED_TABLES_SELECT} where seq > $1`,
  readChangedTables(rows, afterSeq) {
    const [row] = rows as { tables: string[] | null; last: number | null; touched: string | null; patches?: PatchRow[] | null }[];
    const tables = row?.tables ?? [];
    return {
      tables: row?.touched ? [...tables, ...Object.keys(JSON.parse(row.touched) as object)] : tables,
      lastSeq: row?.last ?? afterSeq,
      // recordBatch's statement only, and null there when the batch has too many.
      ...(row?.patches ? { patches: row.patches.map((r) => patchOf(r).patch) } : {}),
    };
  },
  dropPendingSql: [
    `with dropped as (delete from tandem_pending where seq <= $1 returning id)
       delete from tandem_patches where action_id in (select id from dropped)`,
  ],
  pendingChannelsSql: `select distinct coalesce(p.new_row ->> c.col, p.old_row ->> c.col) as channel
       from tandem_patches p join jsonb_each_text($1::jsonb) as c(tbl, col) on c.tbl = p.table_name
       where coalesce(p.new_row ->> c.col, p.old_row ->> c.col) is not null`,
  // The pending actions travel as one jsonb array, so the statement returns one row however many.
  metaAndPendingSql: `select (select value from tandem_meta where key = $1) as meta,
  (select jsonb_agg(jsonb_build_object('seq', seq, 'id', id, 'name', name, 'args', args, 'time', time) order by seq) from tandem_pending) as pending`,
  writeMetaSql: 'insert into tandem_meta (key, value) values ($1, $2::jsonb) on conflict (key) do update set value = excluded.value',
  serverRows: SERVER_ROWS_SQL,
  revert: REVERT_SQL,
};
