import type { DialectSql } from '../tx-port.ts';
import { REVERT_SQL } from './revert-sql.ts';
import type { TableColumn } from './row-json.ts';
import { SERVER_ROWS_SQL } from './server-rows-sql.ts';

// SQLite has no data-modifying CTEs: the pending rows and the client seq are two statements.
const RECORD_PENDING_SQL = `insert into tandem_pending (seq, id, name, args, time)
select value ->> 0, value ->> 1, value ->> 2, nullif(value -> 3, 'null'), value ->> 4 from json_each($1)`;
const RECORD_CLIENT_SEQ_SQL = `insert into tandem_meta (key, value) values ('client_seq', $1)
on conflict (key) do update set value = excluded.value`;

/** Tandem's bookkeeping SQL in SQLite's dialect: JSON functions where Postgres has jsonb and arrays. */
export const SQLITE_SQL: DialectSql<readonly TableColumn[]> = {
  recordPending: (actions) => [
    { sql: RECORD_PENDING_SQL, params: [JSON.stringify(actions.map((a) => [a.seq, a.id, a.name, a.args ?? null, a.time]))] },
    { sql: RECORD_CLIENT_SEQ_SQL, params: [Math.max(...actions.map((a) => a.seq))] },
  ],
  recordBatch: null,
  // Plus the tables without capture written in this transaction (tandem_touched(), no seq).
  changedTablesSql: `select table_name, max(seq) as last from tandem_patches where seq > $1 group by table_name
union all select value, null from json_each(tandem_touched())`,
  readChangedTables(rows, afterSeq) {
    const tables = rows as { table_name: string; last: number | null }[];
    return { tables: tables.map((r) => r.table_name), lastSeq: tables.reduce((max, r) => Math.max(max, r.last ?? max), afterSeq) };
  },
  dropPendingSql: ['delete from tandem_patches where action_id in (select id from tandem_pending where seq <= $1)', 'delete from tandem_pending where seq <= $1'],
  // The column name becomes a quoted JSON path key ($."name"), whatever characters it holds.
  pendingChannelsSql: `select distinct channel from (
         select coalesce(p.new_row ->> ('$.' || json_quote(c.value)), p.old_row ->> ('$.' || json_quote(c.value))) as channel
         from tandem_patches p join json_each($1) c on c.key = p.table_name
       ) where channel is not null`,
  // `m.value` straight from the table keeps its declared type, so the meta value reads back exactly
  // as readMeta's does; the pending actions come as one JSON array (a computed column is plain text).
  metaAndPendingSql: `select m.value as meta,
  (select json_group_array(json_object('seq', seq, 'id', id, 'name', name, 'args', json(args), 'time', time) order by seq) from tandem_pending) as pending
from (select $1 as key) k left join tandem_meta m on m.key = k.key`,
  writeMetaSql: 'insert into tandem_meta (key, value) values ($1, json($2)) on conflict (key) do update set value = excluded.value',
  serverRows: SERVER_ROWS_SQL,
  revert: REVERT_SQL,
};
