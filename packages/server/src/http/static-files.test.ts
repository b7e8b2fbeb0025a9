import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedStatic } from './static-files.ts';

// startTandemServer's `static: { root }` caches like a real app's: the worker bundle's
// content-hashed files (immutable/) for a year, the rest revalidated, 304 when current.
const IMMUTABLE = 'public, max-age=31536000, immutable';
let root: string;
let app: Hono;

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => app.fetch(new Request(`http://app.test${path}`, { method, headers }));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-static-'));
  await mkdir(join(root, 'tandem/immutable'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(root, 'tandem/tandem-worker.js'), 'export {};');
  await writeFile(join(root, 'tandem/immutable/pglite-0123456789abcdef.wasm'), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  app = new Hono();
  app.use('*', cachedStatic(root));
  app.all('*', (c) => c.text('not here', 404));
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('static: { root }', () => {
  it.each([
    ['/', 'no-cache', 'text/html; charset=utf-8'],
    ['/tandem/tandem-worker.js', 'no-cache', 'text/javascript; charset=utf-8'],
    ['/tandem/immutable/pglite-0123456789abcdef.wasm', IMMUTABLE, 'application/wasm'],
  ])('%s: %s, a strong ETag and Last-Modified, 304 when current, HEAD alike', async (path, cacheControl, type) => {
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe(cacheControl);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    const lastModified = first.headers.get('last-modified')!;
    expect(Date.parse(lastModified)).not.toBeNaN();
    await first.arrayBuffer();

    const byTag = await get(path, { 'If-None-Match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.headers.get('etag')).toBe(etag);
    expect(byTag.headers.get('cache-control')).toBe(cacheControl);
    expect(byTag.headers.get('content-type')).toBe(type);
    expect(byTag.headers.get('content-length')).toBeNull();
    expect(await byTag.text()).toBe('');
    expect((await get(path, { 'If-Modified-Since': lastModified })).status).toBe(304);
    expect((await get(path, { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified })).status).toBe(200);

    const head = await get(path, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect((await get(path, { 'If-None-Match': etag }, 'HEAD')).status).toBe(304);
  });

  it('leaves a missing file to the next handler', async () => {
    const missing = await get('/tandem/immutable/gone-0123456789abcdef.wasm');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('etag')).toBeNull();
  });
});
