import { defineActions } from '@tandem/core';
// Namespace import: it lets the bundler drop the zod locales (`import { z }` keeps them all: ~750 kB).
import * as z from 'zod';
import { DEFAULT_LIST_ID, MIGRATIONS } from './schema.ts';

/**
 * The demo's actions: the only way to write to `todos`. They run in the worker (and later again on
 * the server), so they must be deterministic: ids come from `ctx.id()`, time from the context.
 * `created_at` is only the list's display order, so it takes `ctx.clientTime`, the device's clock:
 * `ctx.time` is the server's clock there (one value per push), which would move todos added
 * offline to the end at sync and tie those pushed together. A forged value only reorders a list
 * its writer may edit anyway.
 * This module is bundled on its own to `dist/actions.js` and loaded by the worker at connect time.
 */

/** The worker reads the schema's migrations from this module (its `migrations` export). */
export const migrations = MIGRATIONS;

export const MAX_TITLE_LENGTH = 500;

const todoId = z.string().min(1, 'A todo id is required').max(200, 'A todo id is at most 200 characters');
const listId = z.string().min(1, 'A list id must not be empty').max(200, 'A list id is at most 200 characters').default(DEFAULT_LIST_ID);
const title = z
  .string()
  .trim()
  .min(1, 'A todo needs a title: it is empty once surrounding spaces are removed')
  .max(MAX_TITLE_LENGTH, `A todo title is at most ${MAX_TITLE_LENGTH} characters`);

/** Unknown ids fail loudly: the action rolls back and the caller's promise rejects with this message. */
function expectTodo(rows: readonly unknown[], id: string, doing: string): void {
  if (rows.length === 0) {
    throw new Error(`Cannot ${doing} todo "${id}": it does not exist (it may have been deleted in another tab or by another user).`);
  }
}

const actions = defineActions({
  addTodo: {
    args: z.object({ title, listId }),
    async run(tx, args, ctx) {
      const id = ctx.id();
      await tx.query('INSERT INTO todos (id, list_id, title, completed, created_at) VALUES ($1, $2, $3, false, $4)', [id, args.listId, args.title, ctx.clientTime]);
      return id;
    },
  },

  toggleTodo: {
    args: z.object({ id: todoId, completed: z.boolean() }),
    async run(tx, args) {
      const rows = await tx.query('UPDATE todos SET completed = $2 WHERE id = $1 RETURNING id', [args.id, args.completed]);
      expectTodo(rows, args.id, 'toggle');
    },
  },

  /** Saves an edited title; an empty (trimmed) title deletes the todo, as TodoMVC specifies. */
  editTodo: {
    args: z.object({
      id: todoId,
      title: z.string().trim().max(MAX_TITLE_LENGTH, `A todo title is at most ${MAX_TITLE_LENGTH} characters`),
    }),
    async run(tx, args) {
      if (args.title === '') {
        const rows = await tx.query('DELETE FROM todos WHERE id = $1 RETURNING id', [args.id]);
        expectTodo(rows, args.id, 'edit');
        return { deleted: true };
      }
      const rows = await tx.query('UPDATE todos SET title = $2 WHERE id = $1 RETURNING id', [args.id, args.title]);
      expectTodo(rows, args.id, 'edit');
      return { deleted: false };
    },
  },

  deleteTodo: {
    args: z.object({ id: todoId }),
    async run(tx, args) {
      const rows = await tx.query('DELETE FROM todos WHERE id = $1 RETURNING id', [args.id]);
      expectTodo(rows, args.id, 'delete');
    },
  },

  /** Marks every todo of the list completed (or active); returns how many changed. */
  toggleAll: {
    args: z.object({ completed: z.boolean(), listId }),
    async run(tx, args) {
      const rows = await tx.query('UPDATE todos SET completed = $1 WHERE list_id = $2 AND completed <> $1 RETURNING id', [args.completed, args.listId]);
      return rows.length;
    },
  },

  /** Deletes the list's completed todos; returns how many were deleted. */
  clearCompleted: {
    args: z.object({ listId }),
    async run(tx, args) {
      const rows = await tx.query('DELETE FROM todos WHERE list_id = $1 AND completed RETURNING id', [args.listId]);
      return rows.length;
    },
  },
});

export default actions;
export type DemoActions = typeof actions;
