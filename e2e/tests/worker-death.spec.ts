import type { Page } from '@playwright/test';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, allTodos, todomvc } from '../support/demo.ts';

/** Marks the page so we can prove it was never reloaded (a reload drops window properties). */
async function markNoReload(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 42));
}
async function expectNotReloaded(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(42);
}

/** Every state `db.connection` passes through from now on, in order. */
async function recordConnection(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: string[] };
    w.__states = [];
    window.tandem!.onConnection((s) => w.__states.push(s));
  });
}
async function connectionStates(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __states: string[] }).__states);
}

function titles(rows: { title: string }[]): string[] {
  return rows.map((r) => r.title).sort();
}

test.describe('the worker dies: tabs recover by themselves', () => {
  test('two tabs: after a kill, todos are all there, adds and toggles work both ways, no reload', async ({ tabs, killWorker }) => {
    const [a, b] = (await tabs(2)) as [Page, Page];
    const A = todomvc(a);
    const B = todomvc(b);
    for (const t of ['one', 'two', 'three']) await addTodoViaUi(a, t);
    await expect(B.labels).toHaveText(['one', 'two', 'three']);
    await markNoReload(a);
    await markNoReload(b);
    await recordConnection(a);
    await recordConnection(b);
    const killed = await killWorker(a);

    // Recovery: both tabs went through 'reconnecting' and are 'ready' again on a fresh worker.
    await expect.poll(() => connectionStates(a)).toEqual(['reconnecting', 'ready']);
    await expect.poll(() => connectionStates(b)).toEqual(['reconnecting', 'ready']);
    expect(killed).not.toBe('');

    // The todos shown before are all still there.
    await expect(A.labels).toHaveText(['one', 'two', 'three']);
    await expect(B.labels).toHaveText(['one', 'two', 'three']);
    // A todo added afterwards shows in both tabs.
    await addTodoViaUi(a, 'four');
    await expect(B.labels).toHaveText(['one', 'two', 'three', 'four']);
    await addTodoViaUi(b, 'five');
    await expect(A.labels).toHaveText(['one', 'two', 'three', 'four', 'five']);
    // Toggles in both directions.
    await A.item('one').locator('.toggle').check();
    await expect(B.item('one')).toHaveClass(/\bcompleted\b/);
    await B.item('two').locator('.toggle').check();
    await expect(A.item('two')).toHaveClass(/\bcompleted\b/);
    await B.item('one').locator('.toggle').uncheck();
    await expect(A.item('one')).not.toHaveClass(/\bcompleted\b/);
    await expectNotReloaded(a);
    await expectNotReloaded(b);
  });

  test('kill under load, repeatedly: every typed todo survives once, in both tabs', async ({ tabs, killWorker }) => {
    test.setTimeout(120_000);
    const [a, b] = (await tabs(2)) as [Page, Page];
    const A = todomvc(a);
    const B = todomvc(b);
    const typed: string[] = [];
    const type = async (page: Page, n: number) => {
      for (let i = 0; i < n; i++) {
        const title = `todo ${typed.length + 1}`;
        typed.push(title);
        await addTodoViaUi(page, title);
      }
    };

    // 20 typed; the worker killed as soon as they show.
    await type(a, 20);
    await expect(A.items).toHaveCount(20);
    await killWorker(a);
    // Typed while the worker is dead or just restarting: queued, then written once.
    await type(b, 5);
    await expect(B.items).toHaveCount(25);
    await killWorker(b);
    // Killed with writes in flight: their retries must not double them.
    await type(a, 5);
    await killWorker(a);
    await type(b, 5);
    await expect(A.items).toHaveCount(35);
    await killWorker(b);

    for (const page of [a, b]) {
      await expect(todomvc(page).items).toHaveCount(typed.length);
      const rows = await allTodos(page);
      expect(rows).toHaveLength(typed.length);
      expect(titles(rows)).toEqual([...typed].sort());
    }
    await expect(B.labels).toHaveText(await A.labels.allTextContents());
  });
});
