import { defineActions, defineMigrations } from '@tandem/core';
import type { Migration } from '@tandem/core';
import { z } from 'zod';
import type { SyncStoreOptions } from '../sync/sync-store.ts';

/**
 * One app in two releases, for the migration and version tests: tasks in boards (channel
 * `board_id`). Version 1 adds a `priority` column; its `addTask` renamed `text` to `title`, takes a
 * priority, and upgrades calls recorded under version 0; `archive` was removed.
 */
export const TASKS_SCHEMA = `
create table tasks (id text primary key, board_id text not null, title text not null);
`;

/** The same base schema, commented and reformatted: not a new version. */
export const TASKS_SCHEMA_COMMENTED = `
-- Tasks, one board per channel.
create table tasks (
  id       text primary key,   -- from the action
  board_id text not null,
  title    text not null       /* shown in the list */
);
`;

export const TASKS_CHANNELS = { tasks: 'board_id' };

export const tasksV0 = defineActions({
  addTask: {
    args: z.object({ boardId: z.string(), id: z.string(), text: z.string().min(1) }),
    async run(tx, { boardId, id, text }) {
      await tx.query('insert into tasks (id, board_id, title) values ($1, $2, $3)', [id, boardId, text]);
    },
  },
  archive: {
    args: z.object({ id: z.string() }),
    async run(tx, { id }) {
      await tx.query('delete from tasks where id = $1', [id]);
    },
  },
});

export const PRIORITY_STEP: Migration = { name: 'task-priority', sql: 'alter table tasks add column priority int not null default 0;' };

/** The same step with comments and other whitespace. */
export const PRIORITY_STEP_COMMENTED: Migration = {
  name: 'task-priority',
  sql: `-- Version 1: tasks get a priority (old rows: 0).
alter table tasks
  add column priority int not null default 0; -- higher first`,
};

export const tasksV1Migrations = defineMigrations([PRIORITY_STEP]);

export const tasksV1 = defineActions({
  addTask: {
    args: z.object({ boardId: z.string(), id: z.string(), title: z.string().min(1), priority: z.number().int() }),
    async run(tx, { boardId, id, title, priority }) {
      await tx.query('insert into tasks (id, board_id, title, priority) values ($1, $2, $3, $4)', [id, boardId, title, priority]);
    },
    upgrade(args, fromVersion) {
      if (fromVersion >= 1) return args;
      const { text, ...rest } = args as { text?: unknown };
      if (text === 'cannot upgrade') throw new Error('this task cannot be carried over');
      return { ...rest, title: text, priority: 0 };
    },
  },
  setPriority: {
    args: z.object({ id: z.string(), priority: z.number().int() }),
    async run(tx, { id, priority }) {
      await tx.query('update tasks set priority = $2 where id = $1', [id, priority]);
    },
  },
});

export function tasksOptions(version: 0 | 1, extra: Partial<SyncStoreOptions> = {}): SyncStoreOptions {
  return version === 0
    ? { schema: TASKS_SCHEMA, channels: TASKS_CHANNELS, actions: tasksV0, ...extra }
    : { schema: TASKS_SCHEMA, channels: TASKS_CHANNELS, actions: tasksV1, migrations: tasksV1Migrations, ...extra };
}

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);

/** A client's actions with consecutive seqs, as a worker would push them. */
export function taskClient(clientId: string) {
  let seq = 0;
  return {
    id: clientId,
    next(name: string, args: Record<string, unknown>) {
      seq++;
      return { id: `${clientId}-${seq}`, seq, name, args: args as never, time: T0 + seq };
    },
  };
}
