import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import type { BrowserContext } from '@playwright/test';
import { chromiumLaunchOptions } from '@tandem/testing/playwright';
import { startCountingProxy } from '../support/counting-proxy.ts';
import type { CountingProxy, Exchange } from '../support/counting-proxy.ts';
import { addTodoViaUi, todomvc, waitReady } from '../support/demo.ts';
import { expect, test } from '../support/test.ts';

// A returning visitor downloads nothing that did not change (issue 17): the worker bundle's
// content-hashed files come from the browser's cache without a request, the entry, the page and
// the actions module are revalidated (304). Counted on the server side, through a proxy, because
// the SharedWorker's fetches are what matters. A persistent profile (a disk cache, as a real
// browser has) closed and opened again, so the second visit is a fresh worker start. Engine-
// independent (both engines' files are named alike): runs once, on the default engine.

const isStatic = (e: Exchange) => e.method === 'GET' && !e.path.startsWith('/sync/') && !e.path.startsWith('/api/');
const isImmutable = (e: Exchange) => e.path.split('?')[0]!.split('/').includes('immutable');

async function visit(profile: string, url: string, title: string): Promise<void> {
  const context: BrowserContext = await chromium.launchPersistentContext(profile, chromiumLaunchOptions());
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await waitReady(page);
    await addTodoViaUi(page, title);
    await expect(todomvc(page).item(title)).toBeVisible();
  } finally {
    await context.close();
  }
}

test('a repeat visit takes the bundle from the cache: no request for a hashed file, 304 for the rest', async ({ baseURL }) => {
  test.setTimeout(120_000);
  const profile = await mkdtemp(join(tmpdir(), 'tandem-asset-cache-'));
  let proxy: CountingProxy | null = null;
  try {
    proxy = await startCountingProxy(baseURL!);
    await visit(profile, `${proxy.url}/`, 'first visit');
    const first = proxy.exchanges.splice(0).filter(isStatic);
    // The first visit downloaded the engine (sanity: the counting sees the worker's fetches).
    const firstWasm = first.filter((e) => isImmutable(e) && /\.(wasm|data)$/.test(e.path));
    expect(firstWasm.map((e) => e.status)).toEqual(firstWasm.map(() => 200));
    expect(firstWasm.reduce((sum, e) => sum + e.bytes, 0)).toBeGreaterThan(10_000_000);

    await visit(profile, `${proxy.url}/`, 'second visit');
    const second = proxy.exchanges.filter(isStatic);
    const summary = second.map((e) => `${e.status} ${e.path} ${e.bytes} B`).join('\n');
    // A fresh worker started: its entry script was asked for again, and revalidated.
    expect(second.find((e) => e.path.startsWith('/tandem/tandem-worker.js')), summary).toMatchObject({ status: 304, bytes: 0 });
    // Nothing with a content hash was asked for; everything else was unchanged, so a 304.
    expect(second.filter(isImmutable), summary).toEqual([]);
    expect(second.filter((e) => e.status !== 304), summary).toEqual([]);
    test.info().annotations.push({ type: 'bytes', description: `first visit ${first.reduce((s, e) => s + e.bytes, 0)} B of static files in ${first.length} requests; second ${second.reduce((s, e) => s + e.bytes, 0)} B in ${second.length}` });
  } finally {
    await proxy?.close();
    await rm(profile, { recursive: true, force: true });
  }
});
