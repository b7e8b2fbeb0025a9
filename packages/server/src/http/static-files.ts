import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * The folder in which the prebuilt worker bundle keeps its content-hashed files (its chunks, the
 * engines' wasm and data): @tandem/worker's scripts/cli/bundle-names.mjs. The server does not
 * depend on the worker package, so the name is repeated here; a file under any folder of that
 * name is taken to be named by its content.
 */
const IMMUTABLE_DIR = 'immutable';
const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';

/** file → its size and mtime, and the SHA-256 ETag of that version: hashed once, not per request. */
const tags = new Map<string, { key: string; tag: Promise<string> }>();

function fileEtag(file: string, info: { size: number; mtimeMs: number }): Promise<string> {
  const key = `${info.size}:${info.mtimeMs}`;
  const known = tags.get(file);
  if (known?.key === key) return known.tag;
  const tag = new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(`"${hash.digest('base64url')}"`));
  });
  tags.set(file, { key, tag });
  tag.catch(() => tags.delete(file));
  return tag;
}

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/** RFC 9110 13.1: If-None-Match (weak comparison) wins over If-Modified-Since. */
function notModified(c: Context, etag: string, lastModified: string): boolean {
  const ifNoneMatch = c.req.header('If-None-Match');
  if (ifNoneMatch !== undefined) return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === etag);
  const since = Date.parse(c.req.header('If-Modified-Since') ?? '');
  return !Number.isNaN(since) && since >= Date.parse(lastModified);
}

/**
 * `static: { root }`: the folder's files, cached as an app's should be. Files under an `immutable/`
 * folder (the worker bundle's, named by their content) for a year; everything else (the page, the
 * worker entry, the actions module) `no-cache`, so a deploy is seen at the next load, with a strong
 * ETag (the content's SHA-256, equal across restarts and instances) and Last-Modified, answered 304
 * when the browser's copy is current. HEAD alike.
 */
export function cachedStatic(root: string): MiddlewareHandler {
  const found = new WeakMap<Context, string>();
  const serve = serveStatic({ root, onFound: (path, c) => void found.set(c, path) });
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const served = await serve(c, next);
    // serveStatic returns its Response for the caller to set (a miss returns what next() did).
    if (served instanceof Response) c.res = served;
    const file = found.get(c);
    if (!file || c.res.status !== 200) return;
    const info = await stat(file);
    const etag = await fileEtag(file, info);
    const lastModified = info.mtime.toUTCString();
    const cacheControl = c.req.path.split('/').includes(IMMUTABLE_DIR) ? CACHE_IMMUTABLE : 'no-cache';
    if (notModified(c, etag, lastModified)) {
      await c.res.body?.cancel();
      const contentType = c.res.headers.get('Content-Type');
      // Cleared first: Hono merges a replaced response's headers (Content-Length included) into the new one.
      c.res = undefined;
      c.res = new Response(null, {
        status: 304,
        // Content-Type kept: @hono/node-server would otherwise fill in text/plain for a cached .wasm.
        headers: { ETag: etag, 'Last-Modified': lastModified, 'Cache-Control': cacheControl, ...(contentType ? { 'Content-Type': contentType } : {}) },
      });
      return;
    }
    c.res.headers.set('ETag', etag);
    c.res.headers.set('Last-Modified', lastModified);
    c.res.headers.set('Cache-Control', cacheControl);
  };
}
