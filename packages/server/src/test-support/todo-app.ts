import { defineActions } from '@tandem/core';
import { z } from 'zod';
import type { ChannelColumns, SyncStoreOptions } from '../sync/sync-store.ts';

/**
 * The app the server's tests sync: lists (each its own channel) and todos (channel `list_id`), plus
 * a table that is not synced. Todo ids come from the action (ctx.id()) unless given.
 */
export const TODO_APP_SCHEMA = `
create table lists (id text primary key, owner text not null, name text not null);
create table todos (
  id text primary key,
  list_id text,
  title text not null,
  done boolean not null default false,
  position bigint not null default 0,
  created_at timestamptz,
  meta jsonb
);
create table audit (id bigserial primary key, note text not null);
`;

export const TODO_APP_CHANNELS: ChannelColumns = { lists: 'id', todos: 'list_id' };

interface User {
  id: string;
}

export const todoAppActions = defineActions({
  createList: {
    args: z.object({ listId: z.string().min(1), name: z.string() }),
    async run(tx, { listId, name }, ctx) {
      await tx.query('insert into lists (id, owner, name) values ($1, $2, $3)', [listId, (ctx.user as User).id, name]);
    },
  },
  addTodo: {
    args: z.object({ listId: z.string().nullable(), title: z.string().min(1), id: z.string().optional(), meta: z.record(z.string(), z.unknown()).optional() }),
    async run(tx, { listId, title, id, meta }, ctx) {
      const todoId = id ?? ctx.id();
      await tx.query('insert into todos (id, list_id, title, created_at, meta) values ($1, $2, $3, $4, $5::jsonb)', [
        todoId,
        listId,
        title,
        new Date(ctx.time).toISOString(),
        meta === undefined ? null : JSON.stringify(meta),
      ]);
      // A business rule checked after writing: the rejection must undo the insert above.
      if (title === 'forbidden') throw new Error('Todos cannot be called "forbidden".');
      return todoId;
    },
  },
  addMany: {
    args: z.object({ listId: z.string(), count: z.number().int().min(1).max(1000) }),
    async run(tx, { listId, count }, ctx) {
      const ids = Array.from({ length: count }, () => ctx.id());
      await tx.query('insert into todos (id, list_id, title, position) select id, $2, $3, ord from unnest($1::text[]) with ordinality as u(id, ord)', [ids, listId, 'bulk']);
    },
  },
  rename: {
    args: z.object({ id: z.string(), title: z.string().min(1) }),
    async run(tx, { id, title }) {
      const rows = await tx.query('update todos set title = $2 where id = $1 returning id', [id, title]);
      if (rows.length === 0) throw new Error(`No todo ${id}.`);
    },
  },
  move: {
    args: z.object({ id: z.string(), listId: z.string() }),
    async run(tx, { id, listId }) {
      await tx.query('update todos set list_id = $2 where id = $1', [id, listId]);
    },
  },
  touch: {
    args: z.object({ id: z.string() }),
    async run(tx, { id }) {
      await tx.query('update todos set title = title where id = $1', [id]);
    },
  },
  remove: {
    args: z.object({ id: z.string() }),
    async run(tx, { id }) {
      await tx.query('delete from todos where id = $1', [id]);
    },
  },
  /** Catches a database error and returns as if fine: the transaction is still aborted. */
  swallow: {
    args: z.object({}),
    async run(tx) {
      try {
        await tx.query('select * from no_such_table');
      } catch {
        // deliberately ignored
      }
    },
  },
  /** Writes a table that is not synced: needs no channel and is captured nowhere. */
  note: {
    args: z.object({ note: z.string() }),
    async run(tx, { note }) {
      await tx.query('insert into audit (note) values ($1)', [note]);
    },
  },
  /** Inserts, then waits inside the transaction: widens the windows concurrency tests probe. */
  slowAdd: {
    args: z.object({ listId: z.string(), title: z.string(), delayMs: z.number().min(0).max(1000) }),
    async run(tx, { listId, title, delayMs }, ctx) {
      await tx.query('insert into todos (id, list_id, title) values ($1, $2, $3)', [ctx.id(), listId, title]);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
  },
  /** Stores both clocks: `created_at` is ctx.time (the server's, there), meta the client's claim. */
  stamp: {
    args: z.object({ listId: z.string(), id: z.string() }),
    async run(tx, { listId, id }, ctx) {
      await tx.query('insert into todos (id, list_id, title, created_at, meta) values ($1, $2, $3, $4, $5::jsonb)', [
        id,
        listId,
        'stamped',
        new Date(ctx.time).toISOString(),
        JSON.stringify({ time: ctx.time, clientTime: ctx.clientTime }),
      ]);
    },
  },
  whoami: {
    args: z.object({}),
    run(_tx, _args, ctx) {
      return { user: ctx.user, server: ctx.server, actionId: ctx.actionId, firstId: ctx.id() };
    },
  },
});

export function todoAppOptions(extra: Partial<SyncStoreOptions> = {}): SyncStoreOptions {
  return { schema: TODO_APP_SCHEMA, channels: TODO_APP_CHANNELS, actions: todoAppActions, ...extra };
}
