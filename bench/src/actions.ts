// The bench app's actions module. Bundled on its own (dist/actions.js); the worker imports it by URL.
import { defineActions } from '@tandem/core';
import { z } from 'zod';
import { COLD_ROWS, COLD_TABLES } from './schema.ts';

export default defineActions({
  add: {
    args: z.object({ title: z.string().min(1).max(200) }),
    async run(tx, { title }, ctx) {
      const id = ctx.id();
      await tx.query('insert into todos (id, title, created_at) values ($1, $2, $3)', [id, title, ctx.time]);
      return id;
    },
  },
  /** `count` rows in one statement: fills B9's database through actions without 10k round trips. */
  addMany: {
    args: z.object({ count: z.number().int().min(1).max(1000), prefix: z.string().max(50) }),
    async run(tx, { count, prefix }, ctx) {
      // Same rows on both engines; SQLite has neither generate_series nor `::`, so a recursive CTE there.
      const sql =
        tx.dialect === 'sqlite'
          ? "insert into todos (id, title, created_at) with recursive s(g) as (select 1 union all select g + 1 from s where g < $4) select $1 || '.' || g, $2 || g, $3 from s"
          : "insert into todos (id, title, created_at) select $1 || '.' || g, $2 || g, $3 from generate_series(1, $4::int) g";
      await tx.query(sql, [ctx.actionId, prefix, ctx.time, count]);
      return count;
    },
  },
  addHot: {
    args: z.object({ v: z.number().int() }),
    async run(tx, { v }, ctx) {
      await tx.query('insert into hot (id, v, created_at) values ($1, $2, $3)', [ctx.id(), v, ctx.time]);
    },
  },
  addItem: {
    args: z.object({ list: z.string(), v: z.number().int() }),
    async run(tx, { list, v }, ctx) {
      await tx.query('insert into items (id, list_id, v) values ($1, $2, $3)', [ctx.id(), list, v]);
    },
  },
  seedCold: {
    args: z.object({}),
    async run(tx, _args, ctx) {
      for (let t = 0; t < COLD_TABLES; t++) {
        for (let r = 0; r < COLD_ROWS; r++) {
          await tx.query(`insert into cold_${t} (id, grp, v) values ($1, $2, $3)`, [ctx.id(), r % 5, r]);
        }
      }
    },
  },
});
