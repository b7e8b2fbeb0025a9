// A small static server for the built demo (apps/demo/dist). No dependencies.
//   node apps/demo/serve.mjs            → http://localhost:3000 (PORT to change it)
//   import { startServer } from './serve.mjs'; const s = await startServer({ port: 0 }); … await s.close();
import { createServer } from 'node:http';
import { createReadStream, realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_ROOT = path.join(here, 'dist');

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

function send(res, status, message) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Length': Buffer.byteLength(message) });
  res.end(res.req.method === 'HEAD' ? undefined : message);
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

/**
 * Serves `root` (default apps/demo/dist) on `port` (default $PORT or 3000; 0 picks a free one).
 * Resolves once listening with the actual port and a `close()` that stops the server.
 */
export async function startServer({ port = Number(process.env.PORT ?? 3000), root = DEFAULT_ROOT, host } = {}) {
  const siteRoot = (() => {
    try {
      return realpathSync(path.resolve(root));
    } catch {
      throw new Error(`Nothing to serve: ${path.resolve(root)} does not exist. Build the demo first (\`npm run build\` at the repo root).`);
    }
  })();

  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(res, 405, 'Method not allowed: only GET and HEAD.\n');
      }
      const found = await resolveFile(siteRoot, req.url ?? '/');
      if (!found.file) return send(res, found.status, found.message);
      res.writeHead(200, {
        'Content-Type': MIME_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': found.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') return res.end();
      const stream = createReadStream(found.file);
      stream.on('error', (e) => res.destroy(e));
      stream.pipe(res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, `Internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    port: actualPort,
    url: `http://localhost:${actualPort}`,
    server,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections?.();
      }),
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
    const { port } = await startServer();
    console.log(`Tandem demo at http://localhost:${port}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
