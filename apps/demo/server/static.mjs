// The demo's built app (dist/) as a Hono app, mounted as the sync server's static fallback.
// Everything is `no-cache` (a new deploy is seen at once) with validators, so a worker start
// revalidates the ~15 MB of engine assets with one 304 each instead of downloading them again.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

const HEADERS = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };

/** A plain-text answer, as the server's own refusals are. */
export function plainText(c, status, message, headers = {}) {
  return c.body(message, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
}

/**
 * The request target as sent (`c.env.url`, see StaticOptions.fetch) checked before Hono's URL
 * parsing resolves `..`: an attempt is refused as such instead of quietly served as another file.
 */
function rawPathProblem(rawUrl) {
  let pathname;
  try {
    pathname = decodeURIComponent(rawUrl.split(/[?#]/, 1)[0] ?? '/');
  } catch {
    return 'Bad request: malformed URL.\n';
  }
  if (pathname.includes('\0') || pathname.split(/[\\/]/).includes('..')) return 'Bad request: ".." is not allowed in paths.\n';
  if (!pathname.startsWith('/')) return 'Bad request: the path must start with "/".\n';
  return null;
}

/** ETag and Last-Modified of the file serveStatic sent, from its stat: hashing 15 MB per request would cost more than it saves. */
function fileValidators() {
  return async (c, next) => {
    await next();
    const file = c.get('staticFile');
    if (!file || c.res.status !== 200) return;
    const info = await stat(file);
    c.res.headers.set('ETag', `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`);
    c.res.headers.set('Last-Modified', info.mtime.toUTCString());
    for (const [name, value] of Object.entries(HEADERS)) c.res.headers.set(name, value);
  };
}

const sameTag = (a, b) => a.replace(/^W\//, '') === b.replace(/^W\//, '');

/**
 * 304 when the client's copy is current: by ETag, else by date (RFC 9110 13.2.2). Not Hono's
 * etag(): its 304 loses Content-Type, which @hono/node-server then fills in as text/plain.
 */
function notModified() {
  return async (c, next) => {
    await next();
    const { res } = c;
    const etag = res.headers.get('ETag');
    const modified = res.headers.get('Last-Modified');
    const ifNoneMatch = c.req.header('If-None-Match');
    const since = c.req.header('If-Modified-Since');
    const fresh =
      ifNoneMatch !== undefined
        ? etag !== null && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => sameTag(tag.trim(), etag)))
        : since !== undefined && modified !== null && Date.parse(since) >= Date.parse(modified);
    if (res.status !== 200 || !fresh) return;
    await res.body?.cancel();
    const kept = ['Cache-Control', 'Content-Type', 'ETag', 'Last-Modified', 'X-Content-Type-Options'].filter((name) => res.headers.has(name));
    // Cleared first: Hono merges a replaced response's headers (Content-Length included) into the new one.
    c.res = undefined;
    c.res = new Response(null, { status: 304, headers: kept.map((name) => [name, res.headers.get(name)]) });
  };
}

/** Serves `root` for GET and HEAD; index.html names the `engine` the tabs use (one build, either engine). */
export function createSite(root, engine) {
  const site = new Hono();
  site.use(async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return plainText(c, 405, 'Method not allowed: only GET and HEAD.\n', { Allow: 'GET, HEAD' });
    const problem = rawPathProblem(c.env?.url ?? c.req.path);
    return problem ? plainText(c, 400, problem) : next();
  });
  site.use(notModified());
  site.use(fileValidators());
  site.on('GET', ['/', '/index.html'], async (c) => {
    const html = (await readFile(path.join(root, 'index.html'), 'utf8')).replace(/(<meta name="tandem-engine" content=")[^"]*(")/, `$1${engine}$2`);
    const tag = `"${createHash('sha1').update(html).digest('base64url')}"`;
    return c.body(html, 200, { 'Content-Type': 'text/html; charset=utf-8', ETag: tag, ...HEADERS });
  });
  site.get('*', serveStatic({ root, onFound: (file, c) => c.set('staticFile', file) }));
  site.get('*', (c) => plainText(c, 404, `Not found: ${decodeURIComponent(c.req.path)}\n`));
  return site;
}
