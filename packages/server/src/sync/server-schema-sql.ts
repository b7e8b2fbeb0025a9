import {
  CAPTURE_TRIGGER,
  installTriggersSql as captureTriggersSql,
  quoteIdent,
  quoteLiteral,
  raiseWriteOutsideActionSql,
  refuseTruncateFunctionSql,
  WRITE_PATH,
} from '@tandem/core/sql';

// The scaffolding the worker shares (trigger names, TD001, the refusals) lives in @tandem/core/sql.
export { dropTriggersSql, WRITE_OUTSIDE_ACTION_SQLSTATE } from '@tandem/core/sql';
/** SQLSTATE when a synced row has no channel (its channel column is null). */
export const NO_CHANNEL_SQLSTATE = 'TD002';

/**
 * The server's sync tables, in the schema the driver works in (unqualified names). Idempotent.
 *
 * - `tandem_changes`: one row per captured row change, in capture order (`seq`), tagged with the
 *   writing transaction (`txid`). It has no version: versions are only known at commit.
 * - `tandem_commits` + `tandem_head`: each push transaction's LAST statement bumps the one head row
 *   and records (version, txid). The head row stays locked until COMMIT, so the next transaction
 *   gets its version only after this one is visible: versions follow commit order with no gaps,
 *   which a sequence cannot promise (a lower value can commit after a higher one is read).
 * - `tandem_clients`: who owns a client id, and the highest seq processed for it.
 * - `tandem_rejections`: actions that threw, reported to their client until it moves past them.
 * - `tandem_meta`: `horizon` (versions at or below it were compacted away).
 * - `tandem_migrations`: the migration steps this database has run, one row each (step = its
 *   1-based place in the list, so the row count is the schema version). A database set up before
 *   migrations existed has none: version 0.
 */
export const SYNC_TABLES_SQL = `
create table if not exists tandem_head (
  one boolean primary key default true check (one),
  version bigint not null
);
insert into tandem_head (one, version) values (true, 0) on conflict (one) do nothing;
create table if not exists tandem_commits (
  version bigint primary key,
  txid xid8 not null unique,
  channels text[] not null,
  -- The pushing client and its last seq after this commit, so a pull cut short (more) can report
  -- the client's last seq as of the version it stops at.
  client_id text not null,
  last_seq bigint not null,
  committed_at timestamptz not null default now()
);
create table if not exists tandem_changes (
  seq bigint generated always as identity primary key,
  txid xid8 not null default pg_current_xact_id(),
  action_id text not null,
  channel text not null,
  table_name text not null,
  row_id text not null,
  op text not null check (op in ('insert', 'update', 'delete')),
  row jsonb
);
create index if not exists tandem_changes_txid on tandem_changes (txid, seq);
create table if not exists tandem_clients (
  client_id text primary key,
  user_id text not null,
  last_seq bigint not null default 0
);
create table if not exists tandem_rejections (
  client_id text not null,
  seq bigint not null,
  action_id text not null,
  name text not null,
  error jsonb not null,
  primary key (client_id, seq)
);
-- The args of an action refused because it was recorded under an older schema version.
alter table tandem_rejections add column if not exists args jsonb;
create table if not exists tandem_migrations (
  step integer primary key check (step >= 1),
  name text not null,
  hash text not null,
  applied_at timestamptz not null default now()
);
create table if not exists tandem_meta (
  key text primary key,
  value jsonb
);
`;

/**
 * The capture trigger functions. `schema` (current_schema() at setup) qualifies the change log, so
 * the trigger writes to the right table whatever the writing session's search_path is.
 *
 * The action id comes from the transaction-local `tandem.action_id` setting (set per action, undone
 * by ROLLBACK TO SAVEPOINT); TG_ARGV[0] names the table's channel column.
 */
export function captureFunctionsSql(schema: string): string {
  const changes = `${quoteIdent(schema)}.tandem_changes`;
  return `
create or replace function tandem_capture() returns trigger language plpgsql as $fn$
declare
  v_action text := nullif(current_setting('tandem.action_id', true), '');
  v_col text := TG_ARGV[0];
  v_old jsonb;
  v_new jsonb;
begin
  if v_action is null then
    ${raiseWriteOutsideActionSql(WRITE_PATH.server, 'Synced tables change only inside actions, so every change is in the change log that clients pull.')}
  end if;
  if TG_OP <> 'DELETE' then
    v_new := to_jsonb(NEW);
    if v_new->>v_col is null then
      raise exception using
        errcode = '${NO_CHANNEL_SQLSTATE}',
        message = format('Tandem: row %s of synced table "%s" has no channel (column "%s" is null); every synced row must belong to a channel', v_new->'id', TG_TABLE_NAME, v_col);
    end if;
  end if;
  if TG_OP <> 'INSERT' then
    v_old := to_jsonb(OLD);
  end if;

  if TG_OP = 'INSERT' then
    insert into ${changes} (action_id, channel, table_name, row_id, op, row)
      values (v_action, v_new->>v_col, TG_TABLE_NAME, v_new->>'id', 'insert', v_new);
  elsif TG_OP = 'DELETE' then
    insert into ${changes} (action_id, channel, table_name, row_id, op, row)
      values (v_action, v_old->>v_col, TG_TABLE_NAME, v_old->>'id', 'delete', null);
  elsif v_old = v_new then
    -- A no-op update changes nothing a client could observe: no change row.
    null;
  elsif v_old->v_col is distinct from v_new->v_col or v_old->'id' is distinct from v_new->'id' then
    -- The row left its old channel (or became another row): the old channel's clients delete it,
    -- the new channel's clients insert it, and each change names one channel and one row id.
    insert into ${changes} (action_id, channel, table_name, row_id, op, row)
      values (v_action, v_old->>v_col, TG_TABLE_NAME, v_old->>'id', 'delete', null),
             (v_action, v_new->>v_col, TG_TABLE_NAME, v_new->>'id', 'insert', v_new);
  else
    insert into ${changes} (action_id, channel, table_name, row_id, op, row)
      values (v_action, v_new->>v_col, TG_TABLE_NAME, v_new->>'id', 'update', v_new);
  end if;
  return null;
end
$fn$;

-- TRUNCATE fires no row triggers, so it could be neither captured nor refused row by row.
${refuseTruncateFunctionSql()}
`;
}

/** (Re)creates the capture triggers on one synced table; the capture trigger gets its channel column. */
export function installTriggersSql(table: string, channelColumn: string): string {
  return captureTriggersSql(table, quoteLiteral(channelColumn));
}

/** Tables of the current schema carrying a capture trigger now. */
export const CAPTURED_TABLES_SQL = `
select distinct c.relname as name
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
where c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and t.tgname = '${CAPTURE_TRIGGER}'
`;

/**
 * For each requested (table, channel column): whether the table exists in the current schema, the
 * type of its single-column primary key "id" (null when the key is something else), and whether the
 * channel column exists. $1 tables, $2 channel columns.
 */
export const DESCRIBE_SYNCED_TABLES_SQL = `
select r.name, r.col,
  c.oid is not null as exists,
  (select case when pk.indnkeyatts = 1 and a.attname = 'id'
            then (case when ty.typtype = 'd' then ty.typbasetype else ty.oid end)::regtype::text end
     from pg_index pk
     join pg_attribute a on a.attrelid = c.oid and a.attnum = pk.indkey[0]
     join pg_type ty on ty.oid = a.atttypid
     where pk.indrelid = c.oid and pk.indisprimary) as id_type,
  exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = r.col and a.attnum > 0 and not a.attisdropped) as has_channel
from unnest($1::text[], $2::text[]) as r(name, col)
left join pg_class c on c.relname = r.name and c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and c.relkind in ('r', 'p')
`;

export const TEXT_LIKE_ID_TYPES = ['text', 'character varying', 'uuid'];
