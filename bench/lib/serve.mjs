// A tiny static file server for bench/dist on a free loopback port.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.data': 'application/octet-stream',
  '.tar': 'application/x-tar',
};

/** Serves `root` on 127.0.0.1:<free port>. Returns { url, bytesServed, close }. */
export async function serve(root) {
  const base = normalize(root + sep);
  let bytes = 0;
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path === '/' ? 'index.html' : path));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      // Cacheable like a deployed app's hashed assets: a returning visit gets scripts and wasm from
      // the HTTP cache (and V8's wasm code cache), for Tandem and its baselines alike.
      // Cross-origin isolated (COOP + COEP), so performance.now() has 5 µs resolution instead of 100 µs
      // in pages and workers alike: B1's calls take a fraction of a millisecond.
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'max-age=3600',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      bytes += body.byteLength;
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    /** Body bytes sent so far (B9d: what a first visit downloads). */
    bytesServed: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
