import { defineActions, defineMigrations } from '@tandem/core';
import type { ActionDefinitions, Migration } from '@tandem/core';
import { z } from 'zod';
import { TODO_SCHEMA, todoActions } from './todo-fixture.ts';

/**
 * One app in two versions, for the upgrade tests. Version 0 is the todo fixture plus `flaky`;
 * version 1 adds `todos.priority` (a migration), renames `add`'s `title` to `text` (with an
 * upgrade hook), drops `tag`, and refuses titles its predecessor allowed.
 */
export const UPGRADE_SCHEMA = TODO_SCHEMA;

/** Set to make `flaky` throw: a stand-in for an action that is not deterministic. */
export const flakyControl = { fail: false };

const extra = defineActions({
  flaky: {
    args: z.object({ title: z.string() }),
    async run(tx, { title }, ctx) {
      if (flakyControl.fail) throw new Error('flaky refuses today');
      await tx.query('insert into todos (id, title, created_at) values ($1, $2, $3)', [ctx.id(), title, ctx.time]);
    },
  },
});

export const actionsV0: ActionDefinitions = defineActions({ ...todoActions, ...extra });

export const migrationsV1: Migration[] = defineMigrations([{ name: 'todo-priority', sql: 'alter table todos add column priority integer not null default 0' }]);

export const actionsV1: ActionDefinitions = defineActions({
  add: {
    args: z.object({ text: z.string().trim().min(1).max(200), priority: z.number().int().optional() }),
    upgrade: (args, from) => (from < 1 ? { text: (args as { title: string }).title } : args),
    async run(tx, { text, priority }, ctx) {
      if (text === 'forbidden') throw new Error('version 1 does not allow that title');
      const id = ctx.id();
      await tx.query('insert into todos (id, title, created_at, priority) values ($1, $2, $3, $4)', [id, text, ctx.time, priority ?? 0]);
      return id;
    },
  },
  toggle: todoActions.toggle!,
  flaky: extra.flaky!,
});
