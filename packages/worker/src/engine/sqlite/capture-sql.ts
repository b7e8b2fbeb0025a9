import { quoteIdent, quoteLiteral, WRITE_PATH, writeOutsideActionMessage } from '@tandem/core/sql';
import { rowJsonSql } from './row-json.ts';
import type { TableColumn } from './row-json.ts';

/**
 * Capture for SQLite: triggers generated per synced table from its columns. SQLite has no session
 * variables, so the state lives in JS and triggers read it through two functions the engine
 * registers on its connection (see engine.ts):
 * - `tandem_action_id()`: the id of the running captureAs/actionScope, NULL outside one;
 * - `tandem_bypass()`: 1 inside the engine's own writes (revert, applyServerRows), which must be
 *   neither recorded nor refused.
 */

/**
 * The tandem_* tables, as PGlite's (pglite/capture-sql.ts) in SQLite's dialect. AUTOINCREMENT: patch seqs
 * never restart after clearPatches(). Declared `json` so reads return parsed JSON, as jsonb does.
 */
export const CAPTURE_SCHEMA_SQL = `
create table if not exists tandem_patches (
  seq integer primary key autoincrement,
  action_id text not null,
  table_name text not null,
  row_id text not null,
  op text not null check (op in ('insert', 'update', 'delete')),
  old_row json,
  new_row json
);
create table if not exists tandem_pending (
  seq integer primary key,
  id text not null unique,
  name text not null,
  args json,
  time integer not null
);
create table if not exists tandem_meta (
  key text primary key,
  value json
);
`;

const TRIGGER_PREFIX = 'tandem_capture_';

/** Every capture trigger now in the database. */
export const CAPTURE_TRIGGERS_SQL = `select name from sqlite_schema where type = 'trigger' and substr(name, 1, ${TRIGGER_PREFIX.length}) = '${TRIGGER_PREFIX}'`;

/**
 * Whether table $1 has triggers besides Tandem's capture. Temporary triggers are left out: they
 * fire whether triggers are switched off or not (SQLITE_DBCONFIG_ENABLE_TRIGGER spares them).
 */
export const OTHER_TRIGGERS_SQL = `select exists (
  select 1 from sqlite_schema where type = 'trigger' and tbl_name = $1 collate nocase and substr(name, 1, ${TRIGGER_PREFIX.length}) <> '${TRIGGER_PREFIX}'
) as fires`;

export function dropTriggerSql(name: string): string {
  return `drop trigger if exists ${quoteIdent(name)};`;
}

/**
 * The columns of every table named in $1 (a JSON array) that is an ordinary table in main (not a
 * view or virtual table), in order, as TABLE_COLUMNS_SQL reads them (the same lookup, so triggers
 * and revert agree), with each table's name: one statement for all the tables capture is installed
 * on. A name without rows is no such table; `hidden` 0 is an ordinary column (pragma_table_info's).
 */
export const CAPTURE_COLUMNS_SQL = `
select t.name as "table", c.name as name, c.type as type, c.hidden as hidden
from json_each($1) w
join pragma_table_list t on t.schema = 'main' and t.type = 'table' and t.name = w.value
join pragma_table_xinfo(t.name) c
where c.hidden <> 1
order by w.key, c.cid
`;

/**
 * Tables eligible for sync: ordinary tables, not sqlite_* or tandem_* (case-sensitive, as on
 * PGlite), whose primary key is the single column "id" of a text-like declared type.
 */
export const SYNCED_TABLES_SQL = `
select t.name as name from pragma_table_list t
where t.schema = 'main' and t.type = 'table'
  and substr(t.name, 1, 7) not in ('sqlite_', 'tandem_')
  and (select count(*) from pragma_table_info(t.name) c where c.pk > 0) = 1
  and exists (
    select 1 from pragma_table_info(t.name) c
    where c.pk = 1 and c.name = 'id'
      and (upper(c.type) like '%CHAR%' or upper(c.type) like '%CLOB%' or upper(c.type) like '%TEXT%' or upper(c.type) = 'UUID')
  )
order by t.name
`;

const INSERT_PATCH = 'insert into tandem_patches (action_id, table_name, row_id, op, old_row, new_row)';

/**
 * Creates the capture triggers of one table (the caller drops old ones first): BEFORE triggers refuse writes outside an action;
 * AFTER triggers record patches. An UPDATE that changes nothing records no patch, and one that
 * changes "id" records delete + insert, so every patch keeps one row id (as on PGlite).
 */
export function installTriggersSql(table: string, columns: readonly TableColumn[]): string {
  const t = quoteIdent(table);
  const name = quoteLiteral(table);
  const trigger = (kind: string) => quoteIdent(`${TRIGGER_PREFIX}${kind}_${table}`);
  const newRow = rowJsonSql('new', columns);
  const oldRow = rowJsonSql('old', columns);
  const refuse = `begin select raise(abort, ${quoteLiteral(writeOutsideActionMessage(table, WRITE_PATH.worker))}); end`;
  const outside = 'tandem_bypass() is not 1 and tandem_action_id() is null';
  const captured = 'tandem_bypass() is not 1';
  return `
create trigger ${trigger('before_insert')} before insert on ${t} when ${outside} ${refuse};
create trigger ${trigger('before_update')} before update on ${t} when ${outside} ${refuse};
create trigger ${trigger('before_delete')} before delete on ${t} when ${outside} ${refuse};
create trigger ${trigger('after_insert')} after insert on ${t} when ${captured} begin
  ${INSERT_PATCH} values (tandem_action_id(), ${name}, new."id", 'insert', null, ${newRow});
end;
create trigger ${trigger('after_delete')} after delete on ${t} when ${captured} begin
  ${INSERT_PATCH} values (tandem_action_id(), ${name}, old."id", 'delete', ${oldRow}, null);
end;
create trigger ${trigger('after_update')} after update on ${t} when ${captured} and old."id" is new."id" begin
  ${INSERT_PATCH} select tandem_action_id(), ${name}, new."id", 'update', o, n
  from (select ${oldRow} as o, ${newRow} as n) where o is not n;
end;
create trigger ${trigger('after_update_id')} after update on ${t} when ${captured} and old."id" is not new."id" begin
  ${INSERT_PATCH} values
    (tandem_action_id(), ${name}, old."id", 'delete', ${oldRow}, null),
    (tandem_action_id(), ${name}, new."id", 'insert', null, ${newRow});
end;
`;
}

const TOUCH_PREFIX = 'tandem_touch_';

/**
 * App tables (ordinary, not sqlite_* or tandem_*), each with whether it has touch triggers now.
 * Tables without capture get them: they have no patches to tell live queries that an action wrote
 * them, so their triggers call tandem_touch(name), which notes the table in JS for the batch.
 */
export const APP_TABLES_SQL = `
select t.name as name, exists (
  select 1 from sqlite_schema s where s.type = 'trigger' and s.tbl_name = t.name and substr(s.name, 1, ${TOUCH_PREFIX.length}) = '${TOUCH_PREFIX}'
) as touched
from pragma_table_list t
where t.schema = 'main' and t.type = 'table' and substr(t.name, 1, 7) not in ('sqlite_', 'tandem_')
`;

const TOUCH_KINDS = ['insert', 'update', 'delete'] as const;

export function installTouchSql(table: string): string {
  return TOUCH_KINDS.map(
    (kind) => `create trigger ${quoteIdent(`${TOUCH_PREFIX}${kind}_${table}`)} after ${kind} on ${quoteIdent(table)} begin select tandem_touch(${quoteLiteral(table)}); end;`,
  ).join('\n');
}

export function dropTouchSql(table: string): string {
  return TOUCH_KINDS.map((kind) => dropTriggerSql(`${TOUCH_PREFIX}${kind}_${table}`)).join('\n');
}
