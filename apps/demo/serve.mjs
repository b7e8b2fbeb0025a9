// The demo's server: the built app (apps/demo/dist) and the Tandem sync endpoints on one port.
//   node apps/demo/serve.mjs            → http://localhost:3000 (PORT to change it)
//   import { startServer } from './serve.mjs'; const s = await startServer({ port: 0 }); … await s.close();
//
// Routes: /sync/push, /sync/pull, /sync/ws, /sync/health (Tandem), POST /api/session (a token for a
// new anonymous user), everything else: static files.
// Storage: embedded PGlite in apps/demo/.data/ (DATA_DIR to move it), or DATABASE_URL=postgres://…
// With Postgres, DATABASE_SCHEMA=<name> works in that schema (its search_path; created if missing),
// so several deployments or test runs can share one database; TANDEM_NOTIFY_CHANNEL=<name> sets the
// LISTEN/NOTIFY channel that carries commits between instances (default tandem_commits): instances
// of one app must share both, other apps on the same database should use their own.
// TANDEM_ENGINE=sqlite runs the tabs' local database on sqlite-wasm instead of PGlite (the default);
// the server stays on Postgres/PGlite either way.
// Tokens are signed with TANDEM_DEMO_SECRET, or a key generated once into the data directory.
// Admin (only when TANDEM_ADMIN_TOKEN is set; `Authorization: Bearer <that token>`):
//   POST /api/admin/invoke  { name, args }  → { result }: runs an action as the server (user "admin");
//                                              it reaches every subscribed device like a device's own.
//   POST /api/admin/compact { version? }     → { horizon }: drops the change log up to `version`
//                                              (default: the head); devices behind it get a snapshot.
//   Errors are JSON { kind, message }: 401 no token, 403 wrong token, 400 bad input or a refused
//   action (422 when the action itself failed), 404 when TANDEM_ADMIN_TOKEN is not set.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createPostgresDriver, startTandemServer } from '@tandem/server';
import { canReadList, createSessions, loadSecret } from './server/session.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_ROOT = path.join(here, 'dist');
export const DEFAULT_DATA_DIR = path.join(here, '.data');
/** The demo's schema and actions bundled for Node by build.mjs (the worker gets the same source). */
export const SERVER_APP = path.join(here, 'dist-server', 'app.mjs');

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.tar': 'application/octet-stream',
  '.data': 'application/octet-stream',
  '.gz': 'application/octet-stream',
};

function send(request, status, message, headers = {}) {
  return new Response(request.method === 'HEAD' ? null : message, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Length': String(Buffer.byteLength(message)), ...headers },
  });
}

/** Maps a request URL to a file under `root`, or to an HTTP error. */
async function resolveFile(root, url) {
  // Work on the raw path (WHATWG URL parsing would silently resolve "..", hiding the attempt).
  const rawPath = url.split(/[?#]/, 1)[0] ?? '/';
  let pathname;
  try {
    pathname = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, message: 'Bad request: malformed URL.\n' };
  }
  // Reject traversal outright (plain or percent-encoded), and NUL bytes.
  if (pathname.includes('\0') || pathname.split(/[\\/]/).includes('..')) {
    return { status: 400, message: 'Bad request: ".." is not allowed in paths.\n' };
  }
  if (!pathname.startsWith('/')) return { status: 400, message: 'Bad request: the path must start with "/".\n' };
  if (pathname.endsWith('/')) pathname += 'index.html';
  const file = path.join(root, pathname);
  if (file !== root && !file.startsWith(root + path.sep)) return { status: 400, message: 'Bad request: path outside the site.\n' };
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    const index = path.join(file, 'index.html');
    const indexInfo = await stat(index).catch(() => null);
    if (indexInfo?.isFile()) return { file: index, size: indexInfo.size };
    info = null;
  }
  if (!info?.isFile()) return { status: 404, message: `Not found: ${pathname}\n` };
  return { file, size: info.size };
}

export const ENGINES = ['pglite', 'sqlite'];

/** The page's engine is a meta tag of index.html, so the same build serves either engine. */
async function servePage(request, file, engine) {
  const html = (await readFile(file, 'utf8')).replace(/(<meta name="tandem-engine" content=")[^"]*(")/, `$1${engine}$2`);
  return new Response(request.method === 'HEAD' ? null : html, {
    status: 200,
    headers: { 'Content-Type': MIME_TYPES['.html'], 'Content-Length': String(Buffer.byteLength(html)), 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' },
  });
}

/** Static files of `siteRoot` for GET/HEAD; `rawUrl` is the request target exactly as sent. */
async function serveFile(siteRoot, request, rawUrl, engine) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(request, 405, 'Method not allowed: only GET and HEAD.\n', { Allow: 'GET, HEAD' });
  const found = await resolveFile(siteRoot, rawUrl);
  if (!found.file) return send(request, found.status, found.message);
  if (found.file === path.join(siteRoot, 'index.html')) return servePage(request, found.file, engine);
  const headers = {
    'Content-Type': MIME_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(found.size),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  return new Response(Readable.toWeb(createReadStream(found.file)), { status: 200, headers });
}

async function createSession(request, sessions) {
  if (request.method !== 'POST') return send(request, 405, 'Method not allowed: POST to get a session token.\n', { Allow: 'POST' });
  const session = await sessions.issue();
  return Response.json(session, { headers: { 'Cache-Control': 'no-store' } });
}

// ---------------------------------------------------------------------------------------------
// Admin endpoints

/** Admin request bodies are small: `{ name, args }` or `{ version }`. */
const ADMIN_BODY_LIMIT = 1024 * 1024;

const adminStatusByKind = {
  unauthorized: 401,
  forbidden: 403,
  too_large: 413,
  invalid_request: 400,
  invalid_args: 400,
  unknown_action: 400,
  action_failed: 422,
};

function adminError(kind, message, status = adminStatusByKind[kind] ?? 400) {
  return Response.json({ kind, message }, { status, headers: { 'Cache-Control': 'no-store' } });
}

const digest = (text) => createHash('sha256').update(text).digest();

/** Null when the request carries the admin token, else the error response. */
function checkAdmin(request, adminToken) {
  const header = request.headers.get('authorization');
  if (header === null) return adminError('unauthorized', 'Missing credentials: send "Authorization: Bearer <TANDEM_ADMIN_TOKEN>".');
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) return adminError('unauthorized', 'The Authorization header must be "Bearer <TANDEM_ADMIN_TOKEN>".');
  // Compare digests: equal length, constant time.
  if (!timingSafeEqual(digest(match[1]), digest(adminToken))) return adminError('forbidden', 'That is not the admin token: admin endpoints need TANDEM_ADMIN_TOKEN.');
  return null;
}

/** The JSON object body of an admin request, or the error response. */
async function adminBody(request, { optional = false } = {}) {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > ADMIN_BODY_LIMIT) return { error: adminError('too_large', `The request body is larger than ${ADMIN_BODY_LIMIT} bytes.`) };
  const text = await request.text();
  if (text.length > ADMIN_BODY_LIMIT) return { error: adminError('too_large', `The request body is larger than ${ADMIN_BODY_LIMIT} bytes.`) };
  if (text.trim() === '') return optional ? { body: {} } : { error: adminError('invalid_request', 'The request body is empty: send a JSON object.') };
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { error: adminError('invalid_request', `The request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}.`) };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: adminError('invalid_request', 'The request body must be a JSON object.') };
  return { body };
}

function unknownFields(body, allowed) {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  return extra.length ? adminError('invalid_request', `Unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed.join(', ')}.`) : null;
}

/** An action's (or the store's) error as `{kind, message}`; anything unexpected is logged and a 500. */
function adminFailure(error, where) {
  const kind = typeof error?.kind === 'string' ? error.kind : null;
  if (kind && adminStatusByKind[kind] !== undefined && typeof error.message === 'string') return adminError(kind, error.message);
  console.error(`[demo] ${where} failed:`, error);
  return adminError('internal', `${where} failed unexpectedly (the error is logged on the server).`, 500);
}

async function handleAdmin(request, pathname, { adminToken, tandem }) {
  if (!adminToken) return adminError('invalid_request', 'Admin endpoints are off: start the server with TANDEM_ADMIN_TOKEN set.', 404);
  const refused = checkAdmin(request, adminToken);
  if (refused) return refused;
  if (pathname !== '/api/admin/invoke' && pathname !== '/api/admin/compact') {
    return adminError('invalid_request', `No admin endpoint ${pathname}: use POST /api/admin/invoke or /api/admin/compact.`, 404);
  }
  if (request.method !== 'POST') return adminError('invalid_request', `Method not allowed: POST to ${pathname}.`, 405);

  if (pathname === '/api/admin/invoke') {
    const { body, error } = await adminBody(request);
    if (error) return error;
    const extra = unknownFields(body, ['name', 'args']);
    if (extra) return extra;
    if (typeof body.name !== 'string' || body.name === '') return adminError('invalid_request', '"name" must be the name of an action, e.g. "addTodo".');
    if (!('args' in body)) return adminError('invalid_request', '"args" is required: the action\'s arguments as JSON.');
    try {
      const { result } = await tandem.invoke(body.name, body.args, { id: 'admin' });
      return Response.json({ result: result ?? null }, { headers: { 'Cache-Control': 'no-store' } });
    } catch (e) {
      return adminFailure(e, `invoke ${body.name}`);
    }
  }

  const { body, error } = await adminBody(request, { optional: true });
  if (error) return error;
  const extra = unknownFields(body, ['version']);
  if (extra) return extra;
  if (body.version !== undefined && (!Number.isSafeInteger(body.version) || body.version < 0)) {
    return adminError('invalid_request', '"version" must be an integer ≥ 0 (omit it to compact up to the head).');
  }
  try {
    const version = body.version ?? (await tandem.store.head());
    await tandem.store.compact(version);
    return Response.json({ horizon: version }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    return adminFailure(e, 'compact');
  }
}

// ---------------------------------------------------------------------------------------------
// Storage

/**
 * A Postgres driver working in `schema` (created if missing). Several instances may start together:
 * the creation runs under an advisory lock, so they take turns instead of colliding.
 */
async function openSchemaDriver(url, schema) {
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  const driver = createPostgresDriver({ url, searchPath: schema });
  try {
    await driver.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1)) as locked', ['tandem-demo.create-schema']);
      await tx.exec(`create schema if not exists ${quoted}`);
    });
  } catch (e) {
    await driver.close().catch(() => {});
    throw e;
  }
  return driver;
}

async function loadServerApp() {
  if (!existsSync(SERVER_APP)) {
    throw new Error(`The demo's server bundle ${path.relative(process.cwd(), SERVER_APP)} is missing. Build the demo first (\`npm run build\` at the repo root).`);
  }
  const { SCHEMA_SQL, actions } = await import(pathToFileURL(SERVER_APP).href);
  return { schema: SCHEMA_SQL, actions };
}

/**
 * Serves `root` (default apps/demo/dist) and the sync endpoints on `port` (default $PORT or 3000;
 * 0 picks a free one). Data lives in `dataDir` (default $DATA_DIR or apps/demo/.data) unless
 * `databaseUrl` (default $DATABASE_URL) names a Postgres server; `databaseSchema` (default
 * $DATABASE_SCHEMA) is the schema to work in there (created if missing), `notifyChannel` (default
 * $TANDEM_NOTIFY_CHANNEL) the LISTEN/NOTIFY channel shared with the app's other instances.
 * `adminToken` (default $TANDEM_ADMIN_TOKEN) turns on the /api/admin/* endpoints.
 * Resolves once listening with the actual port and a `close()` that stops everything.
 */
export async function startServer({
  port = Number(process.env.PORT ?? 3000),
  root = DEFAULT_ROOT,
  host,
  dataDir = process.env.DATA_DIR || DEFAULT_DATA_DIR,
  databaseUrl = process.env.DATABASE_URL || undefined,
  databaseSchema = process.env.DATABASE_SCHEMA || undefined,
  notifyChannel = process.env.TANDEM_NOTIFY_CHANNEL || undefined,
  adminToken = process.env.TANDEM_ADMIN_TOKEN || undefined,
  engine = process.env.TANDEM_ENGINE || 'pglite',
} = {}) {
  if (!ENGINES.includes(engine)) throw new Error(`TANDEM_ENGINE=${engine} is not an engine: use ${ENGINES.join(' or ')}.`);
  if (databaseSchema && !databaseUrl) throw new Error('DATABASE_SCHEMA needs DATABASE_URL: the embedded PGlite database has no schema to choose.');
  const siteRoot = (() => {
    try {
      return realpathSync(path.resolve(root));
    } catch {
      throw new Error(`Nothing to serve: ${path.resolve(root)} does not exist. Build the demo first (\`npm run build\` at the repo root).`);
    }
  })();
  const { schema, actions } = await loadServerApp();
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
      database: ownDriver ? { driver: ownDriver } : databaseUrl ? { url: databaseUrl } : { dataDir: path.join(path.resolve(dataDir), 'pglite') },
      ...(notifyChannel && { realtime: { channel: notifyChannel } }),
      authenticate: (token) => sessions.verify(token),
      canRead: canReadList,
      static: {
        fetch: (request, raw) => {
          const pathname = new URL(request.url).pathname;
          if (pathname === '/api/session') return createSession(request, sessions);
          if (pathname === '/api/admin' || pathname.startsWith('/api/admin/')) return handleAdmin(request, pathname, { adminToken, tandem });
          return serveFile(siteRoot, request, raw.url, engine);
        },
      },
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

function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
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
