import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from '@playwright/test';
import { quoteIdent } from '@tandem/core/sql';
import type { TandemServer } from '@tandem/testing/playwright';
import type { DemoBuild } from './demo-versions.ts';
import { PG_URL, dropSchema, uniqueName, withPostgres } from './postgres.ts';
import { removeProfile } from './crash.ts';

/** A todo with the column version 2 adds. */
export interface PriorityTodo {
  id: string;
  title: string;
  priority: number;
}

/** The environment of a demo server on its own Postgres schema (the test reads the server's tables there). */
export function postgresServerEnv(schema: string): Record<string, string> {
  return {
    DATABASE_URL: PG_URL,
    DATABASE_SCHEMA: schema,
    TANDEM_NOTIFY_CHANNEL: uniqueName('tandem_e2e'),
    TANDEM_DEMO_SECRET: randomBytes(32).toString('hex'),
  };
}

/** The list's todos in the page's local database, with `priority` (version 2 and later). */
export function localPriorityTodos(page: Page, listId: string): Promise<PriorityTodo[]> {
  return page.evaluate(async (list) => {
    const rows = await window.tandem!.query('select id, title, priority from todos where list_id = $1 order by created_at, id', [list]);
    return rows.map((r) => ({ id: String(r.id), title: String(r.title), priority: Number(r.priority) }));
  }, listId);
}

/** The list's todos as the server stored them (its Postgres schema), with `priority`. */
export function serverPriorityTodos(schema: string, listId: string): Promise<PriorityTodo[]> {
  return withPostgres(async (sql) => {
    const rows = await sql.unsafe(`select id, title, priority from ${quoteIdent(schema)}.todos where list_id = $1 order by created_at, id`, [listId]);
    return rows.map((r) => ({ id: String(r.id), title: String(r.title), priority: Number(r.priority) }));
  });
}

/** The list's todo titles on the server (any version: no `priority`). */
export function serverTitles(schema: string, listId: string): Promise<string[]> {
  return withPostgres(async (sql) => {
    const rows = await sql.unsafe(`select title from ${quoteIdent(schema)}.todos where list_id = $1 order by created_at, id`, [listId]);
    return rows.map((r) => String(r.title));
  });
}

/** The columns of the server's `todos`, and how many times each appears. */
export function serverTodoColumns(schema: string): Promise<string[]> {
  return withPostgres(async (sql) => {
    const rows = await sql`select column_name from information_schema.columns where table_schema = ${schema} and table_name = 'todos' order by ordinal_position`;
    return rows.map((r) => String(r.column_name));
  });
}

/** Every row of the server's migration record (`tandem_migrations`), as JSON text per row. */
export function serverMigrationRows(schema: string): Promise<string[]> {
  return withPostgres(async (sql) => {
    const rows = await sql.unsafe(`select * from ${quoteIdent(schema)}.tandem_migrations`);
    return rows.map((r) => JSON.stringify(r));
  });
}

/** The text the page gets for a path of its server (e.g. /actions.js), as the worker would fetch it. */
export function servedText(page: Page, path: string): Promise<string> {
  return page.evaluate(async (p) => (await fetch(p, { cache: 'no-store' })).text(), path);
}

/** The first page of a persistent context (it opens with one). */
export async function firstPage(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage());
}

/** What a test started, undone after it in reverse order of kind (browsers, servers, files, schemas). */
export class Cleanup {
  readonly contexts: BrowserContext[] = [];
  readonly servers: TandemServer[] = [];
  readonly profiles: string[] = [];
  readonly builds: DemoBuild[] = [];
  readonly schemas: string[] = [];

  async run(failed: boolean): Promise<void> {
    for (const c of this.contexts.splice(0)) await c.close().catch(() => {});
    for (const [i, s] of this.servers.splice(0).entries()) {
      if (failed) console.log(`[server ${i + 1} output]\n${s.output.join('\n')}`);
      await s.dispose();
    }
    for (const dir of this.profiles.splice(0)) removeProfile(dir);
    for (const b of this.builds.splice(0)) b.dispose();
    for (const schema of this.schemas.splice(0)) await dropSchema(schema);
  }
}
