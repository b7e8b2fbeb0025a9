import { defineActions } from '@tandem/core';
import { z } from 'zod';

/** A small app used by the worker's own tests: todos with deterministic ids. */
export const TODO_SCHEMA = `
create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);
create table tags (id text primary key, todo_id text not null, name text not null);
create table prefs (key text primary key, value text not null);
`;

export const todoActions = defineActions({
  add: {
    args: z.object({ title: z.string().trim().min(1).max(200) }),
    async run(tx, { title }, ctx) {
      const id = ctx.id();
      await tx.query('insert into todos (id, title, created_at) values ($1, $2, $3)', [id, title, ctx.time]);
      return id;
    },
  },
  toggle: {
    args: z.object({ id: z.string(), done: z.boolean() }),
    async run(tx, { id, done }) {
      const rows = await tx.query('update todos set done = $2 where id = $1 returning id', [id, done]);
      if (rows.length === 0) throw new Error(`no todo ${id}`);
    },
  },
  tag: {
    args: z.object({ todoId: z.string(), name: z.string() }),
    async run(tx, { todoId, name }, ctx) {
      await tx.query('insert into tags (id, todo_id, name) values ($1, $2, $3)', [ctx.id(), todoId, name]);
    },
  },
  /** Moves a tag to another todo: its old row leaves one `todo_id = …` result, its new row joins another. */
  retag: {
    args: z.object({ id: z.string(), todoId: z.string() }),
    async run(tx, { id, todoId }) {
      await tx.query('update tags set todo_id = $2 where id = $1', [id, todoId]);
    },
  },
  /** Writes prefs, a table without capture (no text primary key "id"): local-only. */
  setPref: {
    args: z.object({ key: z.string(), value: z.string() }),
    async run(tx, { key, value }) {
      await tx.query('insert into prefs (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value', [key, value]);
    },
  },
  boom: {
    args: z.object({}),
    async run(tx, _args, ctx) {
      await tx.query('insert into todos (id, title, created_at) values ($1, $2, $3)', [ctx.id(), 'never', ctx.time]);
      throw new Error('business rule says no');
    },
  },
});
