import type { Page } from '@playwright/test';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, openDemo, todomvc, workerStatus } from '../support/demo.ts';

/** Polls A's view of the worker until it stops changing, then returns it. */
async function settledStatus(page: Page) {
  let last = JSON.stringify(await workerStatus(page));
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(100);
    const now = JSON.stringify(await workerStatus(page));
    if (now === last) return JSON.parse(now) as Awaited<ReturnType<typeof workerStatus>>;
    last = now;
  }
  return JSON.parse(last) as Awaited<ReturnType<typeof workerStatus>>;
}

test('closing a tab frees its live subscriptions in the shared worker', async ({ context }) => {
  const a = await openDemo(await context.newPage());
  const own = await settledStatus(a);
  expect(own.tabs).toBe(1);
  expect(own.subscriptions).toBeGreaterThanOrEqual(1); // A's list is a live query
  expect(own.liveQueries).toBeGreaterThanOrEqual(1);

  const b = await openDemo(await context.newPage());
  await expect(todomvc(b).main).toBeHidden(); // nothing yet, but the list query is subscribed
  // B renders the same list: one more subscription, and the same query is shared (one evaluation).
  await expect.poll(async () => (await workerStatus(a)).subscriptions, { timeout: 10_000 }).toBeGreaterThan(own.subscriptions);
  const both = await settledStatus(a);
  expect(both.tabs).toBe(2);
  expect(both.liveQueries).toBe(own.liveQueries);
  // B's own extra live query: a query no one else has.
  await b.evaluate(() => {
    (window as unknown as { __stop: () => void }).__stop = window.tandem!.live('select count(*) as n from todos where completed', [], () => {});
  });
  await expect.poll(async () => (await workerStatus(a)).liveQueries).toBe(own.liveQueries + 1);
  expect((await workerStatus(a)).subscriptions).toBe(both.subscriptions + 1);

  // The list is live in both tabs.
  await addTodoViaUi(a, 'seen by both');
  await expect(todomvc(b).labels).toHaveText(['seen by both']);

  await b.close();
  await expect
    .poll(async () => (await workerStatus(a)).subscriptions, { timeout: 15_000, message: "B's subscriptions are freed when B closes" })
    .toBe(own.subscriptions);
  const after = await workerStatus(a);
  expect(after.tabs).toBe(1);
  expect(after.liveQueries).toBe(own.liveQueries); // B's private query is gone, the shared one stays

  // A is still live.
  await addTodoViaUi(a, 'after B closed');
  await expect(todomvc(a).labels).toHaveText(['seen by both', 'after B closed']);
  expect((await workerStatus(a)).lastError).toBeNull();
});

test('navigating a tab away frees its subscriptions too', async ({ context }) => {
  const a = await openDemo(await context.newPage());
  const own = await settledStatus(a);
  const b = await openDemo(await context.newPage());
  await expect.poll(async () => (await workerStatus(a)).tabs).toBe(2);
  await expect.poll(async () => (await workerStatus(a)).subscriptions).toBeGreaterThan(own.subscriptions);

  await b.goto('about:blank');
  await expect.poll(async () => (await workerStatus(a)).subscriptions, { timeout: 15_000 }).toBe(own.subscriptions);
  expect((await workerStatus(a)).tabs).toBe(1);

  // Coming back registers B again.
  await openDemo(b);
  await expect.poll(async () => (await workerStatus(a)).tabs).toBe(2);
  await expect.poll(async () => (await workerStatus(a)).subscriptions).toBe(own.subscriptions * 2);
});
