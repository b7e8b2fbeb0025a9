/** The bench app: todos (B3, B4, B9), one hot table written in B7 and 19 cold tables it must not disturb, items (B7f). */
export const COLD_TABLES = 19;
export const COLD_ROWS = 10;

export const BENCH_SCHEMA = [
  'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);',
  'create table hot (id text primary key, v integer not null, created_at bigint not null);',
  // B7f: one table, 100 live queries on it (one per list), a write touches one list.
  'create table items (id text primary key, list_id text not null, v integer not null);',
  ...Array.from({ length: COLD_TABLES }, (_, t) => `create table cold_${t} (id text primary key, grp integer not null, v integer not null);`),
].join('\n');

/** The raw-PGlite baseline's table: the same shape as `todos`, without capture triggers. */
export const RAW_TODOS_SQL = 'create table if not exists raw_todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';
