import type { Page } from '@playwright/test';
import { withoutSharedWorker } from '@tandem/testing/playwright';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, allTodos, openDemo, todomvc, workerStatus } from '../support/demo.ts';
import { browserPid, closeQuietly, firstPage, killBrowser, launchProfile, newProfileDir, removeProfile } from '../support/crash.ts';
import { listIdOf, listRows, waitSynced } from '../support/devices.ts';

/** Every state `db.connection` passes through from now on. */
async function recordConnection(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: { state: string; at: number }[] };
    w.__states = [];
    window.tandem!.onConnection((state) => w.__states.push({ state, at: performance.timeOrigin + performance.now() }));
  });
}
async function connectionStates(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __states: { state: string }[] }).__states.map((s) => s.state));
}
async function readyAt(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __states: { state: string; at: number }[] }).__states.find((s) => s.state === 'ready')!.at);
}

async function addTodos(page: Page, prefix: string, n: number): Promise<string[]> {
  return page.evaluate(
    ({ prefix, n }) => Promise.all(Array.from({ length: n }, (_, i) => window.tandem!.actions.addTodo!({ title: `${prefix} ${i}`, listId: window.tandem!.listId }))) as Promise<string[]>,
    { prefix, n },
  );
}

test.describe('no SharedWorker: one tab, elected by a Web Lock, hosts the worker', () => {
  test('three tabs see each other\'s writes; the first hosts a dedicated worker for all', async ({ tabs }) => {
    const pages = (await tabs(3, { sharedWorker: false })) as [Page, Page, Page];
    for (const page of pages) {
      expect(await page.evaluate(() => typeof SharedWorker)).toBe('undefined');
      expect((await workerStatus(page)).host).toBe('dedicated-worker');
    }
    // One runtime: every tab talks to the same one.
    const clientIds = await Promise.all(pages.map((p) => p.evaluate(() => window.tandem!.clientId)));
    expect(new Set(clientIds).size).toBe(1);
    expect((await workerStatus(pages[0])).tabs).toBe(3);

    for (const [i, page] of pages.entries()) await addTodoViaUi(page, `from tab ${i}`);
    for (const page of pages) await expect(todomvc(page).labels).toHaveText(['from tab 0', 'from tab 1', 'from tab 2']);
    await todomvc(pages[2]).item('from tab 0').locator('.toggle').check();
    await expect(todomvc(pages[0]).item('from tab 0')).toHaveClass(/\bcompleted\b/);
    await expect(todomvc(pages[1]).item('from tab 0')).toHaveClass(/\bcompleted\b/);
  });

  const leaderGoes = {
    closes: (leader: Page) => leader.close(),
    // The renderer dies, as when the OS kills a background tab: no unload runs.
    crashes: async (leader: Page) => {
      const cdp = await leader.context().newCDPSession(leader);
      const crashed = leader.waitForEvent('crash');
      // Never answered: the renderer that would answer is gone.
      void cdp.send('Page.crash').catch(() => {});
      await crashed;
    },
  };
  for (const [how, go] of Object.entries(leaderGoes)) test(`the leader tab ${how} mid-writes: another takes over, nothing is lost, doubled or stuck`, async ({ tabs }, testInfo) => {
    const [leader, b, c] = (await tabs(3, { sharedWorker: false })) as [Page, Page, Page];
    await addTodos(leader, 'before', 5);
    await recordConnection(b);
    await recordConnection(c);
    // Writes in flight from both remaining tabs while the leader (and its worker) goes.
    const inFlight = [addTodos(b, 'b', 20), addTodos(c, 'c', 20)];
    const closedAt = await leader.evaluate(() => performance.timeOrigin + performance.now());
    await go(leader);
    const [fromB, fromC] = await Promise.all(inFlight);
    expect(new Set([...fromB!, ...fromC!]).size).toBe(40);
    for (const page of [b, c]) {
      await expect.poll(() => connectionStates(page)).toEqual(['reconnecting', 'ready']);
      await expect(todomvc(page).items).toHaveCount(45);
      const rows = await allTodos(page);
      expect(rows).toHaveLength(45);
      expect(new Set(rows.map((r) => r.title)).size).toBe(45);
    }
    testInfo.annotations.push({ type: 'takeover', description: `${Math.round(Math.max(await readyAt(b), await readyAt(c)) - closedAt)} ms from the leader's end (${how}) to both tabs ready` });
    // Not stuck: the new worker takes writes from both, and they still see each other's.
    await addTodoViaUi(b, 'after b');
    await addTodoViaUi(c, 'after c');
    await expect(todomvc(b).items).toHaveCount(47);
    await expect(todomvc(c).items).toHaveCount(47);
    expect((await workerStatus(b)).lastError).toBeNull();
  });

  test('sync works from every tab: another device sees each tab\'s writes and theirs arrive', async ({ tabs, devices }) => {
    const pages = (await tabs(3, { sharedWorker: false })) as Page[];
    const listId = listIdOf(pages[0]!);
    const [other] = (await devices(1, { path: `/?list=${encodeURIComponent(listId)}` })) as [Page];
    for (const [i, page] of pages.entries()) await addTodoViaUi(page, `tab ${i}`);
    await expect(todomvc(other).labels).toHaveText(['tab 0', 'tab 1', 'tab 2']);
    await addTodoViaUi(other, 'from the other device');
    for (const page of pages) await expect(todomvc(page).labels).toHaveText(['tab 0', 'tab 1', 'tab 2', 'from the other device']);
    for (const page of pages) await waitSynced(page);
    // One sync connection per origin: the three tabs have one client id at the server.
    const rows = await listRows(other, listId);
    expect(rows.map((r) => r.title)).toEqual(['tab 0', 'tab 1', 'tab 2', 'from the other device']);
  });

  test('a SIGKILL of the browser loses no acknowledged write', async ({ baseURL }) => {
    const dir = newProfileDir();
    try {
      let ctx = await launchProfile(dir, baseURL!);
      await withoutSharedWorker(ctx);
      const [a, b] = [await openDemo(await firstPage(ctx)), await openDemo(await ctx.newPage())];
      const acked = [...(await addTodos(a, 'a', 30)), ...(await addTodos(b, 'b', 30))];
      expect(new Set(acked).size).toBe(60);
      await killBrowser(dir, browserPid(dir));
      await closeQuietly(ctx);

      ctx = await launchProfile(dir, baseURL!);
      await withoutSharedWorker(ctx);
      const page = await openDemo(await firstPage(ctx));
      expect((await workerStatus(page)).host).toBe('dedicated-worker');
      const ids = new Set((await allTodos(page)).map((r) => r.id));
      for (const id of acked) expect(ids.has(id)).toBe(true);
      await ctx.close();
    } finally {
      removeProfile(dir);
    }
  });
});
