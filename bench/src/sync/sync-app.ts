/**
 * The sync benchmarks' app (B10, B11, B12, Drain): one synced table `items` whose channel column is
 * `list_id`, rows of ~140 bytes as JSON. The SAME source is bundled twice: as the worker's actions
 * module (dist/sync-actions.js, loaded by URL) and for Node (dist/node/sync-app.mjs: the server's
 * schema, channels and actions), so both ends run identical action code.
 */
import { defineActions } from '@tandem/core';
import { z } from 'zod';

export const SYNC_SCHEMA = [
  'create table items (id text primary key, list_id text not null, title text not null, note text not null, done boolean not null default false, created_at bigint not null);',
].join('\n');

/** The raw baselines' table: the same shape, no capture triggers, not synced. */
export const RAW_ITEMS_SQL = 'create table if not exists raw_items (id text primary key, list_id text not null, title text not null, note text not null, done boolean not null default false, created_at bigint not null);';

export const SYNC_CHANNELS: Record<string, string> = { items: 'list_id' };

/** ~140 bytes per row as JSON (id, list_id, title, note, done, created_at). */
export const itemTitle = (n: number | string) => `Item ${n}: buy oat milk`;
export const ITEM_NOTE = 'bring bag';

const actions = defineActions({
  /** One row: what B11 and B12 push and Drain queues offline. */
  addItem: {
    args: z.object({ listId: z.string().min(1).max(100), title: z.string().min(1).max(200), note: z.string().max(200).optional() }),
    async run(tx, { listId, title, note }, ctx) {
      const id = ctx.id();
      await tx.query('insert into items (id, list_id, title, note, created_at) values ($1, $2, $3, $4, $5)', [id, listId, title, note ?? ITEM_NOTE, ctx.time]);
      return id;
    },
  },
  /** `count` rows in one statement: B10's server-side seed (run through SyncStore.invoke). */
  seedItems: {
    args: z.object({ listId: z.string().min(1).max(100), from: z.number().int().min(0), count: z.number().int().min(1).max(50_000) }),
    async run(tx, { listId, from, count }, ctx) {
      await tx.query(
        `insert into items (id, list_id, title, note, created_at)
         select $1 || '-' || lpad(g::text, 7, '0'), $1, 'Item ' || g || ': buy oat milk', $3, $4::bigint + g
         from generate_series($2::int, $2::int + $5::int - 1) g`,
        [listId, from, ITEM_NOTE, ctx.time, count],
      );
      return count;
    },
  },
});

export default actions;
export { actions as syncActions };
