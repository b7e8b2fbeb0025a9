import type { Page } from '@playwright/test';
import { SharedWorkerHandle } from '@tandem/testing/playwright';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, allTodos, openDemo, todomvc, waitReady, workerStatus } from '../support/demo.ts';

async function seed(page: Page): Promise<void> {
  const t = todomvc(page);
  for (const title of ['first', 'second', 'third']) await addTodoViaUi(page, title);
  await expect(t.labels).toHaveText(['first', 'second', 'third']);
  await t.item('second').locator('.toggle').check();
  await t.item('third').locator('label').dblclick();
  await t.items.nth(2).locator('input.edit').fill('third, renamed');
  await t.items.nth(2).locator('input.edit').press('Enter');
  await expect(t.labels).toHaveText(['first', 'second', 'third, renamed']);
  await expect(t.count).toHaveText('2 items left');
}

async function expectSeeded(page: Page): Promise<void> {
  const t = todomvc(page);
  await expect(t.labels).toHaveText(['first', 'second', 'third, renamed']);
  await expect(t.items.nth(0)).not.toHaveClass(/\bcompleted\b/);
  await expect(t.items.nth(1)).toHaveClass(/\bcompleted\b/);
  await expect(t.items.nth(1).locator('.toggle')).toBeChecked();
  await expect(t.items.nth(2)).not.toHaveClass(/\bcompleted\b/);
  await expect(t.count).toHaveText('2 items left');
  await expect(t.clearCompleted).toBeVisible();
  expect((await allTodos(page)).map(({ title, completed }) => ({ title, completed }))).toEqual([
    { title: 'first', completed: false },
    { title: 'second', completed: true },
    { title: 'third, renamed', completed: false },
  ]);
}

test('a reload keeps titles and completed state', async ({ page }) => {
  await openDemo(page);
  await seed(page);
  const before = await allTodos(page);

  await page.reload();
  await waitReady(page);
  await expectSeeded(page);
  expect(await allTodos(page)).toEqual(before); // same ids too

  // And still writable after the reload.
  await addTodoViaUi(page, 'fourth');
  await expect(todomvc(page).labels).toHaveText(['first', 'second', 'third, renamed', 'fourth']);
});

test('closing every tab (the worker stops) and opening a new one keeps everything', async ({ context, browser, worker }) => {
  const page = await openDemo(await context.newPage());
  await seed(page);
  const before = await allTodos(page);
  const first = await worker(page);
  // Detached before the tabs go: an attached DevTools session keeps a worker from being replaced.
  await first.detach();

  for (const p of context.pages()) await p.close();
  // The SharedWorker ends once its last tab is gone.
  await expect.poll(() => SharedWorkerHandle.alive(browser, first.targetId), { timeout: 10_000 }).toBe(false);

  const again = await openDemo(await context.newPage());
  expect((await worker(again)).targetId).not.toBe(first.targetId);
  // A fresh worker: it serves one tab, and its counters started over.
  const status = await workerStatus(again);
  expect(status.tabs).toBe(1);
  expect(status.lastError).toBeNull();
  await expectSeeded(again);
  expect(await allTodos(again)).toEqual(before);

  await addTodoViaUi(again, 'after restart');
  await expect(todomvc(again).labels).toHaveText(['first', 'second', 'third, renamed', 'after restart']);
});
