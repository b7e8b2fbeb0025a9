// Vitest browser commands: functions a browser test calls that run in the Vitest Node process.
// `runDemoActionsOnServer` runs actions through the real server store (the demo's schema and
// actions, as the demo server bundles them) and returns the change log they produced, so a browser
// test can compare what each local engine captured with what the server's Postgres captured.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserCommand } from 'vitest/node';

const PG_URL = process.env.TANDEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEMO_SERVER_APP = join(import.meta.dirname, '..', 'apps/demo/dist-server/app.mjs');

export interface ServerAction {
  id: string;
  seq: number;
  name: string;
  args: unknown;
  time: number;
}

export interface ServerChange {
  actionId: string;
  table: string;
  rowId: string;
  op: 'insert' | 'update' | 'delete';
  row: Record<string, unknown> | null;
}

export interface ServerRun {
  /** 'postgres' (the real server at TANDEM_PG_URL) or why it fell back to embedded PGlite. */
  database: string;
  rejected: { id: string; message: string }[];
  changes: ServerChange[];
}

function checkActions(value: unknown): ServerAction[] {
  // Commands run in Node with whatever the page sends: accept only the shape a push has.
  if (!Array.isArray(value) || value.length === 0 || value.length > 1000) throw new Error('runDemoActionsOnServer: expected 1-1000 actions');
  return value.map((a, i) => {
    const ok =
      typeof a === 'object' && a !== null && typeof a.id === 'string' && Number.isSafeInteger(a.seq) && typeof a.name === 'string' && Number.isSafeInteger(a.time);
    if (!ok) throw new Error(`runDemoActionsOnServer: action ${i} is not { id, seq, name, args, time }`);
    return { id: a.id, seq: a.seq, name: a.name, args: a.args ?? null, time: a.time };
  });
}

export const runDemoActionsOnServer: BrowserCommand<[clientId: string, actions: ServerAction[]]> = async (_ctx, clientId, rawActions) => {
  if (typeof clientId !== 'string' || !/^[\w-]{1,100}$/.test(clientId)) throw new Error('runDemoActionsOnServer: bad client id');
  const actions = checkActions(rawActions);
  if (!existsSync(DEMO_SERVER_APP)) throw new Error(`${DEMO_SERVER_APP} is missing: build the demo first (npm test does).`);
  // Loaded here, not at the top: the Vitest config must load even before anything is built.
  const server = await import('@tandem/server');
  const { SCHEMA_SQL, actions: definitions } = (await import(pathToFileURL(DEMO_SERVER_APP).href)) as { SCHEMA_SQL: string; actions: never };

  const schema = `t_portable_${randomBytes(5).toString('hex')}`;
  let database = 'postgres';
  let driver: import('@tandem/server').SqlDriver;
  let drop = async () => {};
  try {
    const admin = server.createPostgresDriver({ url: PG_URL, max: 1 });
    try {
      await admin.query(`create schema "${schema}"`);
    } finally {
      await admin.close();
    }
    driver = server.createPostgresDriver({ url: PG_URL, searchPath: schema, max: 2 });
    drop = async () => {
      const cleanup = server.createPostgresDriver({ url: PG_URL, max: 1 });
      await cleanup.query(`drop schema "${schema}" cascade`).finally(() => cleanup.close());
    };
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL at ${PG_URL} is unreachable (${(error as Error).message}); CI must compare against Postgres.`);
    database = `embedded PGlite (PostgreSQL at ${PG_URL} is unreachable: ${(error as Error).message})`;
    driver = await server.createPgliteDriver({ dataDir: 'memory://' });
  }
  try {
    const store = await server.createSyncStore(driver, { schema: SCHEMA_SQL, channels: { todos: 'list_id' }, actions: definitions });
    const { response } = await store.push(clientId, { id: 'portable-user' }, actions as never);
    const rows = await driver.query<{ action_id: string; table_name: string; row_id: string; op: ServerChange['op']; row: ServerChange['row'] }>(
      'select action_id, table_name, row_id, op, row from tandem_changes order by seq',
    );
    return {
      database,
      rejected: response.rejected.map((r) => ({ id: r.id, message: r.error.message })),
      changes: rows.map((r) => ({ actionId: r.action_id, table: r.table_name, rowId: r.row_id, op: r.op, row: r.row })),
    } satisfies ServerRun;
  } finally {
    await driver.close();
    await drop();
  }
};
