import { installTriggersSql as captureTriggersSql, quoteIdent, raiseWriteOutsideActionSql, refuseTruncateFunctionSql, WRITE_PATH } from '@tandem/core/sql';

// The scaffolding the server shares (trigger names, TD001, the refusals) lives in @tandem/core/sql.
export { WRITE_OUTSIDE_ACTION_SQLSTATE } from '@tandem/core/sql';

/** Writes Tandem makes itself (revert, the server's rows) pass the truncate refusal too. */
const BYPASS_GUARD = `  if current_setting('tandem.bypass', true) = 'on' then
    return null;
  end if;
`;

/**
 * The tandem_* tables and the trigger functions. Idempotent, so it runs on every install.
 *
 * Both settings are transaction-local (set_config(..., true)), so a crash, commit or rollback can
 * never leave capture switched on or the bypass open for a later write.
 * - `tandem.action_id`: set by captureAs; empty or unset means "not inside an action".
 * - `tandem.bypass`: 'on' only while revert() applies reverse patches, which must neither be
 *   recorded (they undo patches that are already known) nor refused (no action is running).
 */
export const CAPTURE_SCHEMA_SQL = `
create table if not exists tandem_patches (
  seq bigint generated always as identity primary key,
  action_id text not null,
  table_name text not null,
  row_id text not null,
  op text not null check (op in ('insert', 'update', 'delete')),
  old_row jsonb,
  new_row jsonb
);
create table if not exists tandem_pending (
  seq bigint primary key,
  id text not null unique,
  name text not null,
  args jsonb,
  time bigint not null
);
create table if not exists tandem_meta (
  key text primary key,
  value jsonb
);

create or replace function tandem_capture() returns trigger language plpgsql as $fn$
declare
  v_action text;
  v_old jsonb;
  v_new jsonb;
begin
  if current_setting('tandem.bypass', true) = 'on' then
    return null;
  end if;
  v_action := nullif(current_setting('tandem.action_id', true), '');
  if v_action is null then
    ${raiseWriteOutsideActionSql(WRITE_PATH.worker, 'Synced tables change only inside actions, so every change can be journaled, synced and replayed.')}
  end if;

  if TG_OP = 'INSERT' then
    v_new := to_jsonb(NEW);
    insert into tandem_patches (action_id, table_name, row_id, op, old_row, new_row)
      values (v_action, TG_TABLE_NAME, v_new->>'id', 'insert', null, v_new);
  elsif TG_OP = 'DELETE' then
    v_old := to_jsonb(OLD);
    insert into tandem_patches (action_id, table_name, row_id, op, old_row, new_row)
      values (v_action, TG_TABLE_NAME, v_old->>'id', 'delete', v_old, null);
  else
    v_old := to_jsonb(OLD);
    v_new := to_jsonb(NEW);
    -- A no-op update changes nothing anyone could observe: no patch, no live-query work.
    if v_old = v_new then
      return null;
    end if;
    if v_old->'id' is distinct from v_new->'id' then
      -- A new primary key is a different row: as delete + insert, every patch keeps one row id and
      -- reverting or applying it never has to search for the row under another key.
      insert into tandem_patches (action_id, table_name, row_id, op, old_row, new_row)
        values (v_action, TG_TABLE_NAME, v_old->>'id', 'delete', v_old, null),
               (v_action, TG_TABLE_NAME, v_new->>'id', 'insert', null, v_new);
    else
      insert into tandem_patches (action_id, table_name, row_id, op, old_row, new_row)
        values (v_action, TG_TABLE_NAME, v_new->>'id', 'update', v_old, v_new);
    end if;
  end if;
  return null;
end
$fn$;

-- Tables without capture (no text primary key "id") have no patches to say that an action wrote
-- them: this notes their names, once each, in a transaction-local setting that the batch's
-- bookkeeping reads for live queries (and that a rolled-back savepoint forgets with the writes).
create or replace function tandem_touch() returns trigger language plpgsql as $fn$
declare
  v_touched jsonb := coalesce(nullif(current_setting('tandem.touched', true), ''), '{}')::jsonb;
begin
  if not v_touched ? TG_TABLE_NAME then
    perform set_config('tandem.touched', (v_touched || jsonb_build_object(TG_TABLE_NAME, true))::text, true);
  end if;
  return null;
end
$fn$;

-- TRUNCATE fires no row triggers, so it could neither be captured nor refused row by row.
${refuseTruncateFunctionSql({ guard: BYPASS_GUARD, writePath: WRITE_PATH.worker })}
`;

/**
 * Says which CAPTURE_SCHEMA_SQL a database holds: a comment on tandem_capture(), set in the same
 * script (so it is there only if all of it ran) and named by the text's hash. The shipped empty
 * image is built with it (scripts/build-empty-image.mjs), so a new database skips creating the
 * tables and functions; any other text (an older image or checkpoint, a newer worker) runs it again.
 */
export const CAPTURE_SCHEMA_MARK = `tandem capture schema ${fnv1a(CAPTURE_SCHEMA_SQL)}`;

/** CAPTURE_SCHEMA_SQL and its mark, as installCapture runs it when the mark differs. */
export const CAPTURE_SCHEMA_INSTALL_SQL = `${CAPTURE_SCHEMA_SQL}
comment on function tandem_capture() is '${CAPTURE_SCHEMA_MARK}';
`;

/** The mark the database holds now (null without tandem_capture()). */
export const CAPTURE_SCHEMA_MARK_SQL = `select obj_description(to_regprocedure('tandem_capture()'), 'pg_proc') as mark`;

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits: enough to tell texts apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** (Re)creates the capture triggers on one synced table. */
export function installTriggersSql(table: string): string {
  return captureTriggersSql(table);
}

/** Tables in schema public that carry a capture trigger now. Param $1: the trigger names. */
export const CAPTURED_TABLES_SQL = `
select distinct c.relname as name
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and t.tgname = any($1::text[])
`;

/**
 * Whether a write to table $1 (quoted name) fires triggers other than those named in $2, or rules:
 * on the table or on its partitions and inheritance children, foreign keys' internal triggers
 * included. A trigger named like Tandem's on a partition is its clone of the parent's.
 */
export const OTHER_TRIGGERS_OR_RULES_SQL = `
with recursive tree (relid) as (
  select $1::regclass::oid
  union
  select i.inhrelid from pg_inherits i join tree on i.inhparent = tree.relid
)
select exists (select 1 from pg_trigger t join tree on t.tgrelid = tree.relid where t.tgname <> all ($2::text[]))
    or exists (select 1 from pg_rewrite r join tree on r.ev_class = tree.relid) as fires
`;

/** Of the tables in $1, those that do not exist in public or have no column "id". */
export const TABLES_WITHOUT_ID_SQL = `
select name from unnest($1::text[]) as name
where not exists (
  select 1
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attname = 'id' and a.attnum > 0 and not a.attisdropped
  where n.nspname = 'public' and c.relname = name
)
`;

/**
 * Tables eligible for sync: ordinary or partitioned tables in public (partitions inherit their
 * parent's triggers, so they are not listed again), not tandem_*, whose primary key is the single
 * column "id" of a text-like type (a domain counts by its base type).
 */
export const SYNCED_TABLES_SQL = `
select c.relname as name
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_index i on i.indrelid = c.oid and i.indisprimary
join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
join pg_type t on t.oid = a.atttypid
where n.nspname = 'public'
  and c.relkind in ('r', 'p')
  and not c.relispartition
  and left(c.relname, 7) <> 'tandem_'
  and i.indnkeyatts = 1
  and a.attname = 'id'
  and (case when t.typtype = 'd' then t.typbasetype else t.oid end)
      in ('text'::regtype, 'varchar'::regtype, 'uuid'::regtype)
order by c.relname collate "C"
`;

/** The statement trigger that notes writes to a table without capture (see tandem_touch). */
export const TOUCH_TRIGGER = 'tandem_touch';

export function installTouchSql(table: string): string {
  const t = quoteIdent(table);
  return `drop trigger if exists ${TOUCH_TRIGGER} on ${t};
create trigger ${TOUCH_TRIGGER} after insert or update or delete or truncate on ${t} for each statement execute function tandem_touch();`;
}

export function dropTouchSql(table: string): string {
  return `drop trigger if exists ${TOUCH_TRIGGER} on ${quoteIdent(table)};`;
}

/** App tables in public (ordinary or partitioned, partitions too, not tandem_*): $1 the trigger name; \`touched\` says whether it has it. */
export const APP_TABLES_SQL = `
select c.relname as name, exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = $1) as touched
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p') and left(c.relname, 7) <> 'tandem_'
`;
