// How a server lets browsers cache the worker bundle (docs/decisions.md "Content-hashed bundle"):
// files under an `immutable/` folder are named by their content, so they are cached for a year and
// never asked for again; everything else (the worker entry, tandem-client.js, the app's pages) is
// `no-cache`: used from the cache only after a revalidation (a 304 when unchanged), so a deploy is
// seen at the next load. Used by `tandem-worker serve` and the demo's server (as
// `@tandem/worker/http-cache`); zero dependencies.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { IMMUTABLE_DIR } from './bundle-names.mjs';

export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
export const CACHE_REVALIDATE = 'no-cache';

/** Cache-Control for a request path: a year for a path through an `immutable/` folder, revalidation for the rest. */
export function cacheControlFor(pathname) {
  return pathname.split('/').includes(IMMUTABLE_DIR) ? CACHE_IMMUTABLE : CACHE_REVALIDATE;
}

/** file → { key: size and mtime, tag: Promise<string> }: each file is hashed once per version of it. */
const tags = new Map();

/**
 * A strong ETag: the SHA-256 of the file's bytes, so equal content has equal tags across restarts,
 * copies and machines (unlike size + mtime). Hashed once per size and mtime, not per request.
 */
export function fileEtag(file, info) {
  const key = `${info.size}:${info.mtimeMs}`;
  const known = tags.get(file);
  if (known?.key === key) return known.tag;
  const tag = new Promise((resolve, reject) => {
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

/** A strong ETag for bytes made per request (a rewritten page). */
export function bytesEtag(bytes) {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

const opaque = (tag) => tag.trim().replace(/^W\//, '');

/**
 * Whether the client's copy is current (RFC 9110 13.1: If-None-Match, compared weakly, wins over
 * If-Modified-Since). `ifNoneMatch`/`ifModifiedSince` are the request's headers or undefined.
 */
export function isNotModified({ ifNoneMatch, ifModifiedSince }, { etag, lastModified }) {
  if (ifNoneMatch !== undefined && ifNoneMatch !== null) {
    if (ifNoneMatch.trim() === '*') return etag !== undefined;
    return etag !== undefined && ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
  }
  if (!ifModifiedSince || !lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && since >= Date.parse(lastModified);
}
