import { test, expect } from '../support/test.ts';
import { addTodoViaUi, openDemo, todomvc } from '../support/demo.ts';
import { browserPid, killBrowser, launchProfile, newProfileDir, removeProfile } from '../support/crash.ts';
import { listRows, openDevice, syncStatus, waitSynced } from '../support/devices.ts';
import { startDemoServer } from '../support/server-process.ts';
import type { TandemServer } from '@tandem/testing/playwright';

// Crashes around sync: what a device pulled, and what it wrote while the server was away, survive a
// SIGKILL of the browser, and the offline writes reach the server exactly once afterwards.
test.describe.configure({ timeout: 150_000 });

test('pulled changes and offline writes survive a browser SIGKILL; each write reaches the server once', async ({ browser }) => {
  const server = await startDemoServer();
  const dir = newProfileDir();
  const other = await openDevice(browser, server.url);
  try {
    // Device A: a persistent profile that we will kill.
    let ctx = await launchProfile(dir, server.url);
    let page = await openDemo(await (ctx.pages()[0] ?? ctx.newPage()), `/?list=${other.listId}`);
    const pid = browserPid(dir);

    // B writes; A pulls it (live), then A's browser dies right after it shows it.
    for (const t of ['from B 1', 'from B 2']) await addTodoViaUi(other.page, t);
    await expect(todomvc(page).labels).toHaveText(['from B 1', 'from B 2']);
    await waitSynced(page);

    // The server goes away; A keeps writing; every write is acknowledged; then A is killed.
    await server.stop();
    const ids = await page.evaluate(async () => {
      const out: string[] = [];
      for (let i = 0; i < 20; i++) out.push((await window.tandem!.actions.addTodo!({ title: `offline ${i}`, listId: window.tandem!.listId })) as string);
      return out;
    });
    expect(ids).toHaveLength(20);
    await expect.poll(async () => (await syncStatus(page)).pending).toBe(20);
    await killBrowser(dir, pid);
    await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);

    // Relaunch (the page comes from the server, so it must be back): everything A had is there.
    await server.start();
    ctx = await launchProfile(dir, server.url);
    page = await openDemo(await (ctx.pages()[0] ?? ctx.newPage()), `/?list=${other.listId}`);
    const titles = (await listRows(page, other.listId)).map((r) => r.title);
    expect(titles.slice(0, 2)).toEqual(['from B 1', 'from B 2']);
    expect(titles.filter((t) => t.startsWith('offline '))).toHaveLength(20);

    // They drain to the server exactly once: B ends with the same 22 rows, no duplicates.
    await waitSynced(page, 40_000);
    await expect.poll(async () => (await listRows(other.page, other.listId)).length, { timeout: 20_000 }).toBe(22);
    const onB = await listRows(other.page, other.listId);
    expect(new Set(onB.map((r) => r.id)).size).toBe(22);
    expect(onB).toEqual(await listRows(page, other.listId));
    await ctx.close();
  } finally {
    await other.context.close().catch(() => {});
    removeProfile(dir);
    await server.dispose();
  }
});

test('a server SIGKILLed while a device drains its outbox loses nothing and duplicates nothing', async ({ browser }) => {
  const server = await startDemoServer();
  try {
    const a = await openDevice(browser, server.url);
    const b = await openDevice(browser, server.url, a.listId);
    await waitSynced(a.page);
    await server.stop();
    const N = 600;
    await a.page.evaluate(async (n) => {
      const all: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) all.push(window.tandem!.actions.addTodo!({ title: `drain ${i}`, listId: window.tandem!.listId }));
      await Promise.all(all);
    }, N);
    await expect.poll(async () => (await syncStatus(a.page)).pending).toBe(N);

    // Back up, then killed as soon as the drain has started (some pushes committed, some not).
    await server.start();
    await expect.poll(async () => (await syncStatus(a.page)).pending, { timeout: 30_000, intervals: [20] }).toBeLessThan(N);
    await server.stop({ crash: true });
    await server.start();

    await waitSynced(a.page, 60_000);
    await expect.poll(async () => (await listRows(b.page, b.listId)).length, { timeout: 30_000 }).toBe(N);
    const rows = await listRows(b.page, b.listId);
    expect(new Set(rows.map((r) => r.title)).size).toBe(N);
    expect(rows).toEqual(await listRows(a.page, a.listId));
    await a.context.close();
    await b.context.close();
  } finally {
    await server.dispose();
  }
});
