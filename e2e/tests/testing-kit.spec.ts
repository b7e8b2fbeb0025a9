import type { Page } from '@playwright/test';
import { SharedWorkerHandle, waitForLive, waitForSync, withoutSharedWorker, workerTargets } from '@tandem/testing/playwright';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, TODOS_SQL, waitReady } from '../support/demo.ts';
import { listIdOf, syncStatus } from '../support/devices.ts';

// The testing kit's own e2e (@tandem/testing/playwright), on the demo: what each fixture and helper
// promises a user of the kit, including the messages it gives when something is wrong.

const titles = (rows: Record<string, unknown>[]) => rows.map((r) => r.title);

test('tabs(n) share one worker and database; devices(n) each have their own', async ({ tabs, devices, worker }) => {
  const [a, b] = (await tabs(2)) as [Page, Page];
  const [phone, laptop] = (await devices(2)) as [Page, Page];
  const ids = [];
  for (const page of [a, b, phone, laptop]) {
    const handle = await worker(page);
    ids.push(handle.targetId);
    await handle.detach();
  }
  expect(ids[0]).toBe(ids[1]);
  expect(new Set(ids).size).toBe(3);
  expect(phone.context()).not.toBe(laptop.context());
  // Each device is its own user with its own list: nothing of one is in the other's database.
  await addTodoViaUi(phone, 'only on the phone');
  await waitForLive(phone, TODOS_SQL, (rows) => titles(rows).includes('only on the phone'), { params: [listIdOf(phone)] });
  expect(await laptop.evaluate(() => window.tandem!.query("select count(*)::int as n from todos where title = 'only on the phone'"))).toEqual([{ n: 0 }]);
});

test('waitForLive resolves from the live query once the predicate holds, and says what it saw when it does not', async ({ tabs }) => {
  const [a, b] = (await tabs(2)) as [Page, Page];
  const params = [listIdOf(a)];
  const seen = waitForLive(b, TODOS_SQL, (rows) => titles(rows).includes('second'), { params });
  await addTodoViaUi(a, 'first');
  await addTodoViaUi(a, 'second');
  expect(titles(await seen)).toEqual(['first', 'second']);

  await expect(waitForLive(b, TODOS_SQL, (rows) => rows.length > 5, { params, timeout: 500 })).rejects.toThrow(
    /did not satisfy the predicate within 500 ms; its last rows \(update 1\): \[.*"title":"second"/,
  );
  await expect(waitForLive(b, 'select nope from nowhere', () => true)).rejects.toThrow(/nowhere/);
  // Its subscriptions are gone afterwards: only the app's own live queries remain.
  const status = await b.evaluate(() => window.tandem!.status());
  expect(status.subscriptions).toBe(2);
});

test('server.refuse() takes every device offline while the server runs; accept() brings them back', async ({ devices, server }) => {
  const [a] = (await devices(1)) as [Page];
  const listId = listIdOf(a);
  const [b] = (await devices(1, { path: `/?list=${listId}` })) as [Page];
  await waitForSync(a);
  await waitForSync(b);

  await server.refuse();
  expect(server.running).toBe(true);
  await addTodoViaUi(a, 'written offline');
  await expect.poll(async () => (await syncStatus(a)).online, { timeout: 15_000 }).toBe(false);
  await expect(waitForSync(a, { timeout: 1_000 })).rejects.toThrow(/not in sync after 1000 ms: 1 pending, offline; last sync error: .+Is the server running and reachable\?/);

  await server.accept();
  await waitForSync(a, { timeout: 30_000 });
  await waitForLive(b, TODOS_SQL, (rows) => titles(rows).includes('written offline'), { params: [listId], timeout: 30_000 });
});

test('server.restart({ crash: true }) kills the process; devices reconnect to the same URL', async ({ devices, server }) => {
  const [a] = (await devices(1)) as [Page];
  const url = server.url;
  await server.restart({ crash: true });
  expect(server.url).toBe(url);
  await addTodoViaUi(a, 'after the crash');
  await waitForSync(a, { timeout: 30_000 });
  expect((await syncStatus(a)).pending).toBe(0);
});

test("worker(page) evaluates in the shared worker and reads its console", async ({ tabs, worker }) => {
  const [a] = (await tabs(1)) as [Page];
  const handle = await worker(a);
  expect(await handle.evaluate('self.name')).toMatch(/^tandem:/);
  expect(await handle.evaluate((n: number) => n * 2, 21)).toBe(42);
  await handle.evaluate(() => console.log('hello from the test', { n: 1 }));
  await expect.poll(() => handle.console).toContainEqual('[log] hello from the test {"n":1}');
  await expect(handle.evaluate('undefinedThing.x')).rejects.toThrow(/The shared worker threw: ReferenceError: undefinedThing is not defined/);
});

test("killWorker(page) ends the Tandem shared worker of the page's context, resolves once it is gone and returns its id", async ({ tabs, devices, killWorker, browser }) => {
  const [a, b] = (await tabs(2)) as [Page, Page];
  const [other] = (await devices(1)) as [Page];
  const listed = await workerTargets(a);
  expect(listed).toEqual([{ targetId: expect.any(String), url: expect.stringMatching(/\/tandem\/tandem-worker\.js$/), title: 'tandem:tandem-demo' }]);
  expect(await workerTargets(b)).toEqual(listed);
  const [otherWorker] = await workerTargets(other);

  const killed = await killWorker(b);
  expect(killed).toBe(listed[0]!.targetId);
  // Gone from the browser's targets when it resolves: no waiting needed afterwards.
  expect(await SharedWorkerHandle.alive(browser, killed)).toBe(false);
  expect((await workerTargets(a)).map((t) => t.targetId)).not.toContain(killed);
  // Another device (another context) keeps its own worker.
  expect(await SharedWorkerHandle.alive(browser, otherWorker!.targetId)).toBe(true);

  // A page that opens Tandem again gets a fresh worker (a new target), which can be killed in turn.
  // (That the open tabs reconnect by themselves is the client's business, tested elsewhere.)
  await a.reload();
  await waitReady(a);
  const [fresh] = await workerTargets(a);
  expect(fresh!.targetId).not.toBe(killed);
  expect(await killWorker(a)).toBe(fresh!.targetId);
});

test('worker(page).kill() ends the worker it is attached to and detaches', async ({ tabs, worker, browser }) => {
  const [a] = (await tabs(1)) as [Page];
  const handle = await worker(a);
  await handle.evaluate(() => console.log('last words'));
  await expect.poll(() => handle.console).toContainEqual('[log] last words');
  await handle.kill();
  expect(await SharedWorkerHandle.alive(browser, handle.targetId)).toBe(false);
  expect((await workerTargets(a)).map((t) => t.targetId)).not.toContain(handle.targetId);
  await expect(handle.evaluate('1')).rejects.toThrow('This shared worker handle is detached.');
  await expect(handle.kill()).rejects.toThrow('This shared worker handle is detached.');
  // The tab reconnects by itself to a fresh worker, under a new targetId (while a DevTools session
  // is attached, Chromium would restart the worker under the old one: kill() detaches first).
  await addTodoViaUi(a, 'after the kill');
  const after = (await workerTargets(a)).map((t) => t.targetId);
  expect(after).toHaveLength(1);
  expect(after).not.toContain(handle.targetId);
});

test('killWorker explains a page without a shared worker', async ({ page, killWorker }) => {
  await page.goto('/favicon.svg');
  await expect(killWorker(page, { timeout: 500 })).rejects.toThrow(/No shared worker in the context of .*favicon\.svg after 500 ms: has the page opened Tandem yet\?/);
  await withoutSharedWorker(page);
  await page.reload();
  await expect(killWorker(page)).rejects.toThrow(/has no SharedWorker, so it has no shared worker to reach\. .*close that tab \(page\.close\(\)\)/);
});

test.describe('tabs and devices without SharedWorker', () => {
  // Only the kit's part: SharedWorker is gone before the page's scripts run. The app on top of it
  // (the client's no-SharedWorker mode) has its own suites, so "ready" here is the page loaded.
  test.use({ tandemApp: { ready: async () => {} } });
  const hasSharedWorker = (page: Page) => page.evaluate(() => typeof SharedWorker !== 'undefined');

  test('tabs(n, { sharedWorker: false }) and devices(n, { sharedWorker: false }) open pages whose scripts see no SharedWorker', async ({ tabs, devices, page }) => {
    const [a, b] = (await tabs(2, { sharedWorker: false })) as [Page, Page];
    expect(await a.evaluate(() => typeof SharedWorker)).toBe('undefined');
    expect(await hasSharedWorker(b)).toBe(false);
    await a.reload();
    expect(await hasSharedWorker(a)).toBe(false);
    // Only those tabs: the context's other pages keep it.
    await page.goto('/favicon.svg');
    expect(await hasSharedWorker(page)).toBe(true);

    const [phone] = (await devices(1, { sharedWorker: false })) as [Page];
    expect(await hasSharedWorker(phone)).toBe(false);
    // A device is a browser without SharedWorker: its later pages lack it too.
    const second = await phone.context().newPage();
    await second.goto('/favicon.svg');
    expect(await hasSharedWorker(second)).toBe(false);
    const [laptop] = (await devices(1)) as [Page];
    expect(await hasSharedWorker(laptop)).toBe(true);
  });
});

test('the fixtures and helpers refuse bad arguments with a clear error', async ({ tabs, devices, page }) => {
  await expect(tabs(0)).rejects.toThrow('tabs(n) needs a whole number n ≥ 1, got 0.');
  await expect(devices(1.5)).rejects.toThrow('devices(n) needs a whole number n ≥ 1, got 1.5.');
  await expect(waitForLive(page, '', () => true)).rejects.toThrow(/needs the SQL of a query/);
  await expect(waitForLive(page, 'select 1', null as never)).rejects.toThrow(/needs a predicate function/);
});

test('the helpers explain a page that has no Tandem', async ({ page }) => {
  await page.goto('/favicon.svg');
  await expect(waitForSync(page)).rejects.toThrow(/has no open Tandem connection/);
  await expect(waitForLive(page, 'select 1', () => true)).rejects.toThrow(/has no open Tandem connection/);
});
