// `tandem-worker serve` caches as a real server should (cli/http-cache.mjs): the bundle's
// content-hashed files for a year, everything else revalidated with a strong ETag or the date.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticServer } from './cli/serve.mjs';
import { CACHE_IMMUTABLE, bytesEtag, isNotModified } from './cli/http-cache.mjs';

const WASM = 'tandem/immutable/pglite-0123456789abcdef.wasm';
let root;
let server;
let base;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-serve-'));
  await mkdir(join(root, 'tandem/immutable'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(root, 'tandem/tandem-worker.js'), 'export {};');
  await writeFile(join(root, WASM), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  server = createStaticServer(root);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('tandem-worker serve', () => {
  it.each([
    ['/', 'no-cache', '<!doctype html><title>app</title>'],
    ['/tandem/tandem-worker.js', 'no-cache', 'export {};'],
    [`/${WASM}`, CACHE_IMMUTABLE, null],
  ])('%s: %s, a strong ETag from the content, Last-Modified, 304 when current', async (path, cacheControl, text) => {
    const first = await fetch(`${base}${path}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe(cacheControl);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    if (text !== null) expect(etag).toBe(bytesEtag(text));
    const lastModified = first.headers.get('last-modified');
    expect(Date.parse(lastModified)).not.toBeNaN();
    await first.arrayBuffer();

    const byTag = await fetch(`${base}${path}`, { headers: { 'If-None-Match': etag } });
    expect(byTag.status).toBe(304);
    expect(byTag.headers.get('etag')).toBe(etag);
    expect(byTag.headers.get('cache-control')).toBe(cacheControl);
    expect(await byTag.text()).toBe('');
    expect((await fetch(`${base}${path}`, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    // Another tag wins over a current date (RFC 9110 13.2.2): a 200 with the body.
    const stale = await fetch(`${base}${path}`, { headers: { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBeGreaterThan(0);

    const head = await fetch(`${base}${path}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(head.headers.get('cache-control')).toBe(cacheControl);
    expect((await fetch(`${base}${path}`, { method: 'HEAD', headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('answers 200 with the new content and a new ETag once a file changed (a deploy)', async () => {
    const before = (await fetch(`${base}/tandem/tandem-worker.js`)).headers.get('etag');
    await writeFile(join(root, 'tandem/tandem-worker.js'), 'export const v = 2;');
    // A later mtime, as a copy of a new release gets.
    await utimes(join(root, 'tandem/tandem-worker.js'), new Date(), new Date(Date.now() + 5_000));
    const after = await fetch(`${base}/tandem/tandem-worker.js`, { headers: { 'If-None-Match': before } });
    expect(after.status).toBe(200);
    expect(await after.text()).toBe('export const v = 2;');
    expect(after.headers.get('etag')).toBe(bytesEtag('export const v = 2;'));
  });
});

describe('isNotModified', () => {
  const etag = '"abc"';
  const lastModified = 'Thu, 03 Dec 2026 09:00:00 GMT';
  it.each([
    [{ ifNoneMatch: '"abc"' }, true],
    [{ ifNoneMatch: 'W/"abc"' }, true],
    [{ ifNoneMatch: '"x", "abc"' }, true],
    [{ ifNoneMatch: '*' }, true],
    [{ ifNoneMatch: '"x"' }, false],
    [{ ifModifiedSince: lastModified }, true],
    [{ ifModifiedSince: 'Thu, 03 Dec 2026 08:59:59 GMT' }, false],
    [{ ifModifiedSince: 'not a date' }, false],
    [{}, false],
  ])('%j → %s', (request, expected) => {
    expect(isNotModified(request, { etag, lastModified })).toBe(expected);
  });
});
