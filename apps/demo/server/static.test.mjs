// The demo's static files cache like a real app's (@tandem/worker/http-cache): the content-hashed
// files under immutable/ (the worker bundle's, Vite's) for a year, the page, actions.js and the
// worker entry revalidated (no-cache) with a strong ETag and Last-Modified; 304 when current.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSite } from './static.mjs';

const IMMUTABLE = 'public, max-age=31536000, immutable';
let root;
let site;

const get = (path, headers = {}, method = 'GET') => site.fetch(new Request(`http://demo.test${path}`, { method, headers }));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-demo-static-'));
  await mkdir(join(root, 'tandem/immutable'), { recursive: true });
  await mkdir(join(root, 'immutable'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><meta name="tandem-engine" content="pglite"><title>demo</title>');
  await writeFile(join(root, 'actions.js'), 'export default {};');
  await writeFile(join(root, 'tandem/tandem-worker.js'), 'export {};');
  await writeFile(join(root, 'tandem/immutable/pglite-0123456789abcdef.wasm'), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  await writeFile(join(root, 'immutable/index-AbCd1234.js'), 'console.log(1);');
  site = createSite(root, 'sqlite');
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe('demo static files', () => {
  it.each([
    ['/', 'no-cache', 'text/html; charset=utf-8'],
    ['/actions.js', 'no-cache', 'text/javascript; charset=utf-8'],
    ['/tandem/tandem-worker.js', 'no-cache', 'text/javascript; charset=utf-8'],
    ['/tandem/immutable/pglite-0123456789abcdef.wasm', IMMUTABLE, 'application/wasm'],
    ['/immutable/index-AbCd1234.js', IMMUTABLE, 'text/javascript; charset=utf-8'],
  ])('%s: %s, a strong ETag, 304 on If-None-Match (and If-Modified-Since), HEAD alike', async (path, cacheControl, type) => {
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe(cacheControl);
    expect(first.headers.get('content-type')).toBe(type);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    await first.arrayBuffer();

    const again = await get(path, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe(cacheControl);
    // Kept on the 304: a cached .wasm must stay application/wasm.
    expect(again.headers.get('content-type')).toBe(type);
    expect(await again.text()).toBe('');

    const lastModified = first.headers.get('last-modified');
    // The page is rewritten per request (its engine), so it has only its ETag.
    if (path !== '/') expect((await get(path, { 'If-Modified-Since': lastModified })).status).toBe(304);
    expect((await get(path, { 'If-None-Match': '"other"' })).status).toBe(200);

    const head = await get(path, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect((await get(path, { 'If-None-Match': etag }, 'HEAD')).status).toBe(304);
  });

  it('names the engine in the page and tags that version of it', async () => {
    const page = await get('/');
    expect(await page.text()).toContain('content="sqlite"');
    const other = createSite(root, 'pglite');
    const pglite = await other.fetch(new Request('http://demo.test/'));
    expect(pglite.headers.get('etag')).not.toBe(page.headers.get('etag'));
  });
});
