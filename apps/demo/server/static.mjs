// The demo's built app (dist/) as a Hono app, mounted as the sync server's static fallback.
// Cached as @tandem/worker/http-cache says: what is under an `immutable/` folder (the worker
// bundle's chunks and engine files, Vite's assets: all named by their content) for a year, the rest
// (index.html, actions.js, the worker entry) `no-cache`, so a deploy is seen at the next load and an
// unchanged file costs one 304. Strong ETags from the content, and Last-Modified.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { bytesEtag, cacheControlFor, fileEtag, isNotModified } from '@tandem/worker/http-cache';
import { Hono } from 'hono';

const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' };

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

/** ETag (the content's hash, computed once per version of a file), Last-Modified and Cache-Control of the file serveStatic sent. */
function fileValidators() {
  return async (c, next) => {
    await next();
    const file = c.get('staticFile');
    if (!file || c.res.status !== 200) return;
    const info = await stat(file);
    c.res.headers.set('ETag', await fileEtag(file, info));
    c.res.headers.set('Last-Modified', info.mtime.toUTCString());
    c.res.headers.set('Cache-Control', cacheControlFor(c.req.path));
    for (const [name, value] of Object.entries(NOSNIFF)) c.res.headers.set(name, value);
  };
}

/**
 * 304 when the client's copy is current: by ETag, else by date (RFC 9110 13.2.2). Not Hono's
 * etag(): its 304 loses Content-Type, which @hono/node-server then fills in as text/plain.
 */
function notModified() {
  return async (c, next) => {
    await next();
    const { res } = c;
    const fresh = isNotModified(
      { ifNoneMatch: c.req.header('If-None-Match'), ifModifiedSince: c.req.header('If-Modified-Since') },
      { etag: res.headers.get('ETag') ?? undefined, lastModified: res.headers.get('Last-Modified') ?? undefined },
    );
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
    return c.body(html, 200, { 'Content-Type': 'text/html; charset=utf-8', ETag: bytesEtag(html), 'Cache-Control': cacheControlFor('/index.html'), ...NOSNIFF });
  });
  site.get('*', serveStatic({ root, onFound: (file, c) => c.set('staticFile', file) }));
  site.get('*', (c) => plainText(c, 404, `Not found: ${decodeURIComponent(c.req.path)}\n`));
  return site;
}
