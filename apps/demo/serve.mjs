// The demo's server: the built app (apps/demo/dist) and the Tandem sync endpoints on one port.
//   node apps/demo/serve.mjs            → http://localhost:3000 (PORT to change it)
//   import { startServer } from './serve.mjs'; const s = await startServer({ port: 0 }); … await s.close();
//
// Routes: /sync/push, /sync/pull, /sync/ws, /sync/health (Tandem), POST /api/session (a token for a
// new anonymous user; server/api-routes.mjs), everything else: static files (server/static.mjs:
// strong ETag and Last-Modified; `immutable/` folders, named by content, cached for a year, the rest
// `no-cache`, so a repeat visit downloads nothing unchanged and a deploy is seen at the next load).
// Storage: embedded PGlite in apps/demo/.data/ (DATA_DIR to move it), or DATABASE_URL=postgres://…
// With Postgres, DATABASE_SCHEMA=<name> works in that schema (its search_path; created if missing),
// so several deployments or test runs can share one database; TANDEM_NOTIFY_CHANNEL=<name> sets the
// LISTEN/NOTIFY channel that carries commits between instances (default tandem_commits): instances
// of one app must share both, other apps on the same database should use their own.
// TANDEM_ENGINE=sqlite runs the tabs' local database on sqlite-wasm instead of PGlite (the default);
// the server stays on Postgres/PGlite either way.
// Tokens are signed with TANDEM_DEMO_SECRET, or a key generated once into the data directory.
// POST /api/session is rate-limited per client address (server/rate-limit.mjs): TANDEM_SESSION_LIMIT
// per minute (default 20; 0 turns it off), answered 429 JSON { kind: 'rate_limited', message } with
// Retry-After beyond that. The address is the TCP peer's; behind one reverse proxy that appends to
// X-Forwarded-For, set TANDEM_TRUST_PROXY=1 to use the last address there (else every client shares
// the proxy's budget).
// Another build of the app (tests of a deploy): TANDEM_DEMO_ROOT=<dir> serves that directory instead
// of apps/demo/dist (its actions.js is what the workers load), TANDEM_DEMO_APP=<file> runs that
// server module (SCHEMA_SQL, actions, migrations, as build.mjs makes dist-server/app.mjs).
// Admin (only when TANDEM_ADMIN_TOKEN is set; `Authorization: Bearer <that token>`):
//   POST /api/admin/invoke  { name, args }  → { result }: runs an action as the server (user "admin");
//                                              it reaches every subscribed device like a device's own.
//   POST /api/admin/compact { version? }     → { horizon }: drops the change log up to `version`
//                                              (default: the head); devices behind it get a snapshot.
//   Errors are JSON { kind, message, details? }: 401 no token, 403 wrong token, 400 bad input or a refused
//   action (422 when the action itself failed), 404 when TANDEM_ADMIN_TOKEN is not set.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTandemServer } from '@tandem/server';
import { addApiRoutes } from './server/api-routes.mjs';
import { SESSION_LIMIT, createRateLimiter } from './server/rate-limit.mjs';
import { canReadList, createSessions, loadSecret } from './server/session.mjs';
import { createSite } from './server/static.mjs';
import { openSchemaDriver } from './server/storage.mjs';
import { invokedDirectly } from './server/invoked-directly.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_ROOT = path.join(here, 'dist');
export const DEFAULT_DATA_DIR = path.join(here, '.data');
/** The demo's schema and actions bundled for Node by build.mjs (the worker gets the same source). */
export const SERVER_APP = path.join(here, 'dist-server', 'app.mjs');
export const ENGINES = ['pglite', 'sqlite'];

/** The server's app module: its base schema, its actions and the migrations after that schema. */
async function loadServerApp(file) {
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) {
    throw new Error(
      resolved === SERVER_APP
        ? `The demo's server bundle ${path.relative(process.cwd(), SERVER_APP)} is missing. Build the demo first (\`npm run build\` at the repo root).`
        : `The server app module ${resolved} does not exist (TANDEM_DEMO_APP / serverApp).`,
    );
  }
  const { SCHEMA_SQL, actions, migrations } = await import(pathToFileURL(resolved).href);
  if (typeof SCHEMA_SQL !== 'string' || typeof actions !== 'object' || actions === null || !Array.isArray(migrations)) {
    throw new Error(`${resolved} is not a server app module: it must export SCHEMA_SQL (string), actions (defineActions) and migrations (defineMigrations).`);
  }
  return { schema: SCHEMA_SQL, actions, migrations };
}

/**
 * Serves `root` (default apps/demo/dist) and the sync endpoints on `port` (default $PORT or 3000;
 * 0 picks a free one). Data lives in `dataDir` (default $DATA_DIR or apps/demo/.data) unless
 * `databaseUrl` (default $DATABASE_URL) names a Postgres server; `databaseSchema` (default
 * $DATABASE_SCHEMA) is the schema to work in there (created if missing), `notifyChannel` (default
 * $TANDEM_NOTIFY_CHANNEL) the LISTEN/NOTIFY channel shared with the app's other instances.
 * `adminToken` (default $TANDEM_ADMIN_TOKEN) turns on the /api/admin/* endpoints. `sessionLimit`
 * (default $TANDEM_SESSION_LIMIT or 20; 0 = off) is how many sessions one address may get per
 * minute; `trustProxy` (default $TANDEM_TRUST_PROXY=1) takes that address from X-Forwarded-For. `root` (default
 * $TANDEM_DEMO_ROOT or apps/demo/dist) is the built app to serve and `serverApp` (default
 * $TANDEM_DEMO_APP or apps/demo/dist-server/app.mjs) the schema, migrations and actions the server runs.
 * Resolves once listening with the actual port and a `close()` that stops everything.
 */
export async function startServer({
  port = Number(process.env.PORT ?? 3000),
  root = process.env.TANDEM_DEMO_ROOT || DEFAULT_ROOT,
  serverApp = process.env.TANDEM_DEMO_APP || SERVER_APP,
  host,
  dataDir = process.env.DATA_DIR || DEFAULT_DATA_DIR,
  databaseUrl = process.env.DATABASE_URL || undefined,
  databaseSchema = process.env.DATABASE_SCHEMA || undefined,
  notifyChannel = process.env.TANDEM_NOTIFY_CHANNEL || undefined,
  adminToken = process.env.TANDEM_ADMIN_TOKEN || undefined,
  engine = process.env.TANDEM_ENGINE || 'pglite',
  sessionLimit = process.env.TANDEM_SESSION_LIMIT ? Number(process.env.TANDEM_SESSION_LIMIT) : SESSION_LIMIT,
  trustProxy = process.env.TANDEM_TRUST_PROXY === '1',
} = {}) {
  if (!Number.isInteger(sessionLimit) || sessionLimit < 0) throw new Error(`TANDEM_SESSION_LIMIT=${sessionLimit} is not a number of sessions per minute: use a whole number (0 turns the limit off).`);
  if (!ENGINES.includes(engine)) throw new Error(`TANDEM_ENGINE=${engine} is not an engine: use ${ENGINES.join(' or ')}.`);
  if (databaseSchema && !databaseUrl) throw new Error('DATABASE_SCHEMA needs DATABASE_URL: the embedded PGlite database has no schema to choose.');
  const siteRoot = (() => {
    try {
      return realpathSync(path.resolve(root));
    } catch {
      throw new Error(`Nothing to serve: ${path.resolve(root)} does not exist. Build the demo first (\`npm run build\` at the repo root).`);
    }
  })();
  const { schema, actions, migrations } = await loadServerApp(serverApp);
  const sessions = createSessions(await loadSecret(path.resolve(dataDir)));
  // A driver we open ourselves (for its search_path) is ours to close after the server.
  const ownDriver = databaseUrl && databaseSchema ? await openSchemaDriver(databaseUrl, databaseSchema) : null;

  let tandem;
  try {
    tandem = await startTandemServer({
      port,
      ...(host !== undefined && { hostname: host }),
      schema,
      channels: { todos: 'list_id' },
      actions,
      migrations,
      database: ownDriver ? { driver: ownDriver } : databaseUrl ? { url: databaseUrl } : { dataDir: path.join(path.resolve(dataDir), 'pglite') },
      ...(notifyChannel && { realtime: { channel: notifyChannel } }),
      authenticate: (token) => sessions.verify(token),
      canRead: canReadList,
      configure: (app, sync) =>
        addApiRoutes(app, { sessions, adminToken, tandem: sync, trustProxy, sessionLimiter: sessionLimit > 0 ? createRateLimiter({ limit: sessionLimit }) : null }),
      static: { fetch: createSite(siteRoot, engine).fetch },
    });
  } catch (e) {
    await ownDriver?.close().catch(() => {});
    throw e;
  }
  return {
    port: tandem.port,
    engine,
    url: `http://localhost:${tandem.port}`,
    server: tandem.server,
    tandem,
    close: async () => {
      await tandem.close();
      await ownDriver?.close();
    },
  };
}


if (invokedDirectly(import.meta.url)) {
  try {
    const server = await startServer();
    console.log(`Tandem demo at http://localhost:${server.port} (local engine: ${server.engine})`);
    const stop = async () => {
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
