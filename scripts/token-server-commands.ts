// Vitest browser commands for the sync token tests: a real Tandem server (startTandemServer on
// embedded PGlite, CORS open to the test page) whose auth hook accepts ONE token, which the test can
// rotate, so a browser test can make the server refuse the worker's token mid-session. The actions
// are the worker's todo fixture (the module the page's worker imports), bundled for Node.
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserCommand } from 'vitest/node';

/** The fixture's todos, with a channel column (defaulted: the fixture's actions do not write it). */
export const TOKEN_SERVER_SCHEMA =
  "create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null, list_id text not null default 'l1');";

interface Running {
  close(): Promise<void>;
  token: string;
  /** Requests and socket hellos the auth hook refused. */
  refused: number;
  titles(): Promise<string[]>;
}

const servers = new Map<string, Running>();
let nextId = 1;
let actionsModule: Promise<unknown> | null = null;

function fixtureActions(): Promise<unknown> {
  const outfile = join(import.meta.dirname, '..', 'node_modules', '.tandem-token-server', 'todo-actions.mjs');
  actionsModule ??= build({
    entryPoints: [join(import.meta.dirname, '..', 'packages/worker/src/test-support/todo-fixture-actions.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    conditions: ['@tandem/source'],
    logLevel: 'warning',
  }).then(async () => ((await import(pathToFileURL(outfile).href)) as { default: unknown }).default);
  return actionsModule;
}

function check(id: unknown): Running {
  const server = typeof id === 'string' ? servers.get(id) : undefined;
  if (!server) throw new Error(`token server ${String(id)} is not running`);
  return server;
}

function checkToken(token: unknown): string {
  if (typeof token !== 'string' || !/^[\w.-]{1,2000}$/.test(token)) throw new Error('token server: a token is 1-2000 characters of [A-Za-z0-9_.-]');
  return token;
}

/** Starts a server that accepts only `token`; returns its id and its sync URL. */
export const startTokenServer: BrowserCommand<[token: string]> = async (_ctx, token) => {
  // Loaded here, not at the top: the Vitest config must load even before anything is built.
  const { startTandemServer } = await import('@tandem/server');
  const running: Running = { token: checkToken(token), refused: 0, close: async () => {}, titles: async () => [] };
  const server = await startTandemServer({
    port: 0,
    schema: TOKEN_SERVER_SCHEMA,
    channels: { todos: 'list_id' },
    actions: (await fixtureActions()) as never,
    database: { dataDir: 'memory://' },
    cors: { origins: '*' },
    authenticate: (bearer) => {
      if (bearer === running.token) return { id: 'user-1' };
      running.refused++;
      return null;
    },
    canRead: () => true,
    logger: { error: (message, error) => console.error(`[token server] ${message}`, error ?? '') },
  });
  running.close = () => server.close();
  running.titles = async () => (await server.driver.query<{ title: string }>('select title from todos order by title')).map((r) => r.title);
  const id = `s${nextId++}`;
  servers.set(id, running);
  return { id, url: `${server.url}/sync` };
};

/** From now on the server accepts only `token` (requests with the old one answer 401, over the socket too: it checks hello's token per request). */
export const rotateServerToken: BrowserCommand<[id: string, token: string]> = async (_ctx, id, token) => {
  check(id).token = checkToken(token);
};

/** What the server's own database holds, and how many credentials its auth hook refused. */
export const tokenServerState: BrowserCommand<[id: string]> = async (_ctx, id) => {
  const server = check(id);
  return { titles: await server.titles(), refused: server.refused };
};

export const stopTokenServer: BrowserCommand<[id: string]> = async (_ctx, id) => {
  const server = check(id);
  servers.delete(id as string);
  await server.close();
};
