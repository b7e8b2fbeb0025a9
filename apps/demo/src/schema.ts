import { defineMigrations } from '@tandem/core';

/**
 * The demo's base schema, given to the Tandem worker at connect time and to the server. Postgres
 * dialect (PGlite; the SQLite engine accepts it too). `list_id` is the channel column: the unit of
 * sharing and sync scope. Frozen now that it has shipped: databases already made from it would not
 * see an edit (only comments and whitespace may change, they are not part of the version). Change
 * the schema by appending to MIGRATIONS below instead.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS todos (
  id         text    PRIMARY KEY,
  list_id    text    NOT NULL DEFAULT 'default',
  title      text    NOT NULL,
  completed  boolean NOT NULL DEFAULT false,
  created_at bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS todos_list_created_idx ON todos (list_id, created_at);
`;

/** The list a todo belongs to when an action is not told (older callers, the console). */
export const DEFAULT_LIST_ID = 'default';

/** Table → channel column: a list is the unit of sharing and sync (the server uses the same map). */
export const CHANNELS = { todos: 'list_id' };

/**
 * The steps after SCHEMA_SQL, oldest first; the list's length is the schema version (0 today). A fresh
 * database runs SCHEMA_SQL then every step, an existing one the steps it has not run, on every
 * device and on the server. To ship a change, append a step and never edit or reorder a shipped one:
 *
 *   defineMigrations([
 *     { name: 'todo-priority', sql: 'ALTER TABLE todos ADD COLUMN priority integer NOT NULL DEFAULT 0' },
 *   ])
 *
 * SQL that differs by engine is `sql: { postgres, sqlite }`; `run(tx)` is a JavaScript step. When an
 * action's args change shape in the same release, give it `upgrade(args, fromVersion)` so actions
 * recorded under the old version (pending offline, or pushed by a not-yet-reloaded tab) still run.
 * See README.md, "Shipping a migration".
 */
export const MIGRATIONS = defineMigrations([]);
