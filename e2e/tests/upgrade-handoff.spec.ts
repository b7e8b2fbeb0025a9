import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, todomvc, waitReady, workerStatus } from '../support/demo.ts';

// A deploy at the same URLs: the demo's built files are copied to a root of this test's own (the
// shared build stays untouched), served by the demo's server in this process, and `actions.js` is
// overwritten there with new code while a tab of the old one is open.
const DIST = fileURLToPath(new URL('../../apps/demo/dist', import.meta.url));
const SERVE = pathToFileURL(fileURLToPath(new URL('../../apps/demo/serve.mjs', import.meta.url))).href;

interface DemoServer {
  url: string;
  close(): Promise<void>;
}

interface Site {
  url: string;
  root: string;
  close(): Promise<void>;
}

async function startSite(engine: string): Promise<Site> {
  const root = await mkdtemp(join(tmpdir(), 'tandem-deploy-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-deploy-data-'));
  await cp(DIST, root, { recursive: true });
  const { startServer } = (await import(SERVE)) as { startServer(o: Record<string, unknown>): Promise<DemoServer> };
  const server = await startServer({ port: 0, root, dataDir, engine });
  return {
    url: server.url,
    root,
    async close() {
      await server.close();
      await rm(root, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** New code at the same URL: the same actions plus a comment, as a rebuild with a small change gives. */
async function deployNewActions(site: Site): Promise<void> {
  const file = join(site.root, 'actions.js');
  const code = await readFile(file, 'utf8');
  await writeFile(file, `${code}\n// deployed again at ${new Date().toISOString()}\n`);
}

/** A tab opened on `url`; resolves with how long it took from navigation to `title` in its live list. */
async function openTab(context: BrowserContext, url: string, title?: string): Promise<{ page: Page; ms: number }> {
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto(url);
  if (title !== undefined) await expect(todomvc(page).item(title)).toBeVisible({ timeout: 30_000 });
  const ms = performance.now() - t0;
  await waitReady(page);
  return { page, ms };
}

let site: Site;
let context: BrowserContext;

test.beforeEach(async ({ browser, engine }: { browser: Browser; engine: string }) => {
  site = await startSite(engine);
  context = await browser.newContext({ baseURL: site.url });
});

test.afterEach(async () => {
  await context?.close();
  await site?.close();
});

test.describe('a new version deployed while a tab is open', () => {
  test('the new tab takes over with every write; the old tab is told to reload and loses nothing typed', async () => {
    const { page: old } = await openTab(context, '/');
    await addTodoViaUi(old, 'written before the deploy');
    await expect(todomvc(old).item('written before the deploy')).toBeVisible();
    const list = new URL(old.url()).searchParams.get('list');
    const before = await workerStatus(old);

    await deployNewActions(site);
    const { page: fresh, ms } = await openTab(context, `/?list=${list}`, 'written before the deploy');
    console.log(`[upgrade-handoff] new tab: navigation → first live result with the old todos, hand-off included: ${ms.toFixed(0)} ms`);

    const after = await workerStatus(fresh);
    expect(after.version).not.toBe(before.version);
    expect(after.clientId).toBe(before.clientId);
    await addTodoViaUi(fresh, 'written after the deploy');
    await expect(todomvc(fresh).labels).toHaveText(['written before the deploy', 'written after the deploy']);

    // The old tab: told, with a way to reload.
    await expect(old.locator('.tandem-update')).toContainText('A new version is available');
    await expect(old.locator('.tandem-update button', { hasText: 'Reload' })).toBeVisible();

    // A todo typed there now is refused, said so, and its text stays in the input.
    await addTodoViaUi(old, 'typed in the old tab');
    await expect(old.locator('.tandem-error')).toContainText(/reload/i);
    await expect(todomvc(old).newTodo).toHaveValue('typed in the old tab');
    await expect(todomvc(fresh).labels).toHaveText(['written before the deploy', 'written after the deploy']);

    // Reload as offered: the old tab joins the new version, with everything.
    await old.locator('.tandem-update button', { hasText: 'Reload' }).click();
    await waitReady(old);
    await expect(todomvc(old).labels).toHaveText(['written before the deploy', 'written after the deploy']);
    await expect(old.locator('.tandem-update')).toHaveCount(0);
    expect((await workerStatus(old)).version).toBe(after.version);
  });

  test('without a deploy, a second tab just joins the running worker', async () => {
    const { page: first } = await openTab(context, '/');
    await addTodoViaUi(first, 'shared');
    const list = new URL(first.url()).searchParams.get('list');
    const { page: second, ms } = await openTab(context, `/?list=${list}`, 'shared');
    console.log(`[upgrade-handoff] same-version second tab: navigation → first live result: ${ms.toFixed(0)} ms`);
    const [a, b] = [await workerStatus(first), await workerStatus(second)];
    expect(b.version).toBe(a.version);
    expect(b.tabs).toBe(2);
    await addTodoViaUi(second, 'from the second tab');
    await expect(todomvc(first).labels).toHaveText(['shared', 'from the second tab']);
    await expect(first.locator('.tandem-update')).toHaveCount(0);
    await expect(second.locator('.tandem-update')).toHaveCount(0);
  });
});
