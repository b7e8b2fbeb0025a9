// `tandem-worker serve <dir> [--port N]`: a tiny static file server for trying a plain page out.
// Zero dependencies, localhost only: not meant for production (see the README's "Serving" for what
// a real server must do). It caches as a real server should (http-cache.mjs), so a reload costs
// what it will in production: the bundle's `immutable/` files from the cache, the rest a 304.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { cacheControlFor, fileEtag, isNotModified } from './http-cache.mjs';

// What Tandem needs served right: .wasm as application/wasm (else the engine cannot compile it
// streaming) and .js as JavaScript (else the module worker refuses to start).
const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.data': 'application/octet-stream',
  '.tar': 'application/octet-stream',
};

/** Maps a request path to a file under `root`: `{ file }`, `{ redirect }` or `{ status, message }`. */
async function resolveRequest(root, url) {
  const rawPath = (url ?? '/').split(/[?#]/, 1)[0];
  let pathname;
  try {
    pathname = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, message: 'Bad request: malformed URL.' };
  }
  // Checked on the decoded raw path: URL parsing would quietly resolve "..", hiding the attempt.
  if (!pathname.startsWith('/') || pathname.includes('\0') || pathname.split(/[\\/]/).includes('..')) {
    return { status: 400, message: 'Bad request: paths must start with "/" and must not contain "..".' };
  }
  const file = join(root, pathname);
  if (file !== root && !file.startsWith(root + sep)) return { status: 400, message: 'Bad request: path outside the served folder.' };
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    // Without the slash, relative URLs in its index.html would resolve against the parent.
    if (!pathname.endsWith('/')) return { redirect: `${encodeURI(pathname)}/${url.slice(rawPath.length)}` };
    const index = join(file, 'index.html');
    if ((await stat(index).catch(() => null))?.isFile()) return { file: index, pathname };
    return { status: 404, message: `Not found: ${pathname} is a folder without index.html.` };
  }
  if (!info?.isFile()) return { status: 404, message: `Not found: ${pathname}` };
  return { file, pathname };
}

/** The static server for the folder `root` (an absolute path), not yet listening: `serve` and tests start it. */
export function createStaticServer(root) {
  return createServer(async (request, response) => {
    const reply = (status, message, headers = {}) => {
      response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
      response.end(request.method === 'HEAD' ? undefined : `${message}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    const found = await resolveRequest(root, request.url);
    if (found.redirect) return reply(301, `Moved to ${found.redirect}`, { Location: found.redirect });
    if (!found.file) {
      // Said in the terminal too: a missing bundle file is the usual cause of a page that will not start.
      console.error(`${request.method} ${request.url} → ${found.status} ${found.message}`);
      return reply(found.status, found.message);
    }
    const info = await stat(found.file);
    const validators = { etag: await fileEtag(found.file, info), lastModified: new Date(info.mtimeMs).toUTCString() };
    const headers = {
      'Content-Type': MIME_TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream',
      // no-cache (revalidate) except the bundle's content-hashed files: a re-run of copy-assets or an
      // edited page shows up on reload.
      'Cache-Control': cacheControlFor(found.pathname),
      ETag: validators.etag,
      'Last-Modified': validators.lastModified,
      'X-Content-Type-Options': 'nosniff',
    };
    const conditions = { ifNoneMatch: request.headers['if-none-match'], ifModifiedSince: request.headers['if-modified-since'] };
    if (isNotModified(conditions, validators)) {
      response.writeHead(304, headers);
      return response.end();
    }
    response.writeHead(200, { ...headers, 'Content-Length': String(info.size) });
    if (request.method === 'HEAD') return response.end();
    createReadStream(found.file)
      .on('error', () => response.destroy())
      .pipe(response);
  });
}

/** Starts the server; resolves with the exit code once it stops (Ctrl-C), or at once if it cannot start. */
export async function serve(dir, port) {
  const root = resolve(dir);
  if (!(await stat(root).catch(() => null))?.isDirectory()) {
    console.error(`tandem-worker: ${root} is not a folder.`);
    return 1;
  }
  const server = createStaticServer(root);

  const listening = await new Promise((resolveListen) => {
    server.once('error', (error) => {
      const hint = error.code === 'EADDRINUSE' ? `port ${port} is in use; pass --port N (or --port 0 for any free port).` : error.message;
      console.error(`tandem-worker: cannot serve: ${hint}`);
      resolveListen(false);
    });
    // Localhost only: this is for trying things out, not for the network.
    server.listen(port, '127.0.0.1', () => resolveListen(true));
  });
  if (!listening) return 1;

  console.log(`Serving ${root} at http://localhost:${server.address().port}/ (Ctrl-C to stop)`);
  return new Promise((resolveStop) => {
    const stop = () => {
      server.close(() => resolveStop(0));
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
