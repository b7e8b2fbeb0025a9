/**
 * The demo's database schema, given to the Tandem worker at connect time (and, later, to the server).
 * Postgres dialect (PGlite). `list_id` is the channel column: the unit of sharing and sync scope.
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
