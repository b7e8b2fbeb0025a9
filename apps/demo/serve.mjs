// The demo's server: the built app (apps/demo/dist) and the Tandem sync endpoints on one port.
//   node apps/demo/serve.mjs            → http://localhost:3000 (PORT to change it)
//   import { startServer } from './serve.mjs'; const s = await startServer({ port: 0 }); … await s.close();
//
// Routes: /sync/push, /sync/pull, /sync/ws, /sync/health (Tandem), POST /api/session (a token for a
// new anonymous user), everything else: static files.
// Storage: embedded PGlite in apps/demo/.data/ (DATA_DIR to move it), or DATABASE_URL=postgres://…
// Tokens are signed with TANDEM_DEMO_SECRET, or a key generated once into the data directory.
import { createReadStream, existsSync, realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTandemServer } from '@tandem/server';
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

/** Static files of `siteRoot` for GET/HEAD; `rawUrl` is the request target exactly as sent. */
async function serveFile(siteRoot, request, rawUrl) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(request, 405, 'Method not allowed: only GET and HEAD.\n', { Allow: 'GET, HEAD' });
  const found = await resolveFile(siteRoot, rawUrl);
  if (!found.file) return send(request, found.status, found.message);
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
 * `databaseUrl` (default $DATABASE_URL) names a Postgres server.
 * Resolves once listening with the actual port and a `close()` that stops everything.
 */
export async function startServer({
  port = Number(process.env.PORT ?? 3000),
  root = DEFAULT_ROOT,
  host,
  dataDir = process.env.DATA_DIR || DEFAULT_DATA_DIR,
  databaseUrl = process.env.DATABASE_URL || undefined,
} = {}) {
  const siteRoot = (() => {
    try {
      return realpathSync(path.resolve(root));
    } catch {
      throw new Error(`Nothing to serve: ${path.resolve(root)} does not exist. Build the demo first (\`npm run build\` at the repo root).`);
    }
  })();
  const { schema, actions } = await loadServerApp();
  const sessions = createSessions(await loadSecret(path.resolve(dataDir)));

  const tandem = await startTandemServer({
    port,
    ...(host !== undefined && { hostname: host }),
    schema,
    channels: { todos: 'list_id' },
    actions,
    database: databaseUrl ? { url: databaseUrl } : { dataDir: path.join(path.resolve(dataDir), 'pglite') },
    authenticate: (token) => sessions.verify(token),
    canRead: canReadList,
    static: {
      fetch: (request, raw) => {
        const pathname = new URL(request.url).pathname;
        if (pathname === '/api/session') return createSession(request, sessions);
        return serveFile(siteRoot, request, raw.url);
      },
    },
  });
  return {
    port: tandem.port,
    url: `http://localhost:${tandem.port}`,
    server: tandem.server,
    tandem,
    close: () => tandem.close(),
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
    console.log(`Tandem demo at http://localhost:${server.port}`);
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
