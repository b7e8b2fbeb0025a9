import type { Page } from '@playwright/test';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, allTodos, todomvc, workerEngine } from '../support/demo.ts';

/** Marks the page so we can prove it was never reloaded (a reload drops window properties). */
async function markNoReload(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 42));
}
async function expectNotReloaded(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(42);
}

test.describe('two tabs of one context share the database live', () => {
  test('add in A appears in B; toggle in B appears in A; edit and delete propagate', async ({ tabs, worker, engine }) => {
    const [a, b] = (await tabs(2)) as [Page, Page];
    // One context, one shared worker serving both tabs.
    const [wa, wb] = [await worker(a), await worker(b)];
    expect(wa.targetId).toBe(wb.targetId);
    await wa.detach();
    await wb.detach();
    expect(await workerEngine(a)).toBe(engine);
    await markNoReload(a);
    await markNoReload(b);
    const A = todomvc(a);
    const B = todomvc(b);
    await expect(A.items).toHaveCount(0);
    await expect(B.items).toHaveCount(0);

    // Add in A → appears in B.
    await addTodoViaUi(a, 'buy milk');
    await addTodoViaUi(a, 'walk the dog');
    await expect(A.labels).toHaveText(['buy milk', 'walk the dog']);
    await expect(B.labels).toHaveText(['buy milk', 'walk the dog']);
    await expect(B.count).toHaveText('2 items left');

    // Toggle in B → appears in A.
    await B.item('buy milk').locator('.toggle').check();
    await expect(A.item('buy milk')).toHaveClass(/\bcompleted\b/);
    await expect(A.item('buy milk').locator('.toggle')).toBeChecked();
    await expect(A.item('walk the dog')).not.toHaveClass(/\bcompleted\b/);
    await expect(A.count).toHaveText('1 item left');
    await expect(A.clearCompleted).toBeVisible();

    // Edit in A → appears in B.
    await A.item('walk the dog').locator('label').dblclick();
    const edit = A.items.nth(1).locator('input.edit');
    await expect(edit).toBeFocused();
    await edit.fill('walk the cat');
    await edit.press('Enter');
    await expect(B.labels).toHaveText(['buy milk', 'walk the cat']);
    await expect(A.labels).toHaveText(['buy milk', 'walk the cat']);

    // Delete in B → disappears in A.
    await B.item('walk the cat').hover();
    await B.item('walk the cat').locator('.destroy').click();
    await expect(A.labels).toHaveText(['buy milk']);
    await expect(B.labels).toHaveText(['buy milk']);
    await expect(A.count).toHaveText('0 items left');

    // Uncheck the remaining one in A, then clear-completed is gone in B too.
    await A.item('buy milk').locator('.toggle').uncheck();
    await expect(B.item('buy milk')).not.toHaveClass(/\bcompleted\b/);
    await expect(B.clearCompleted).toBeHidden();

    await expectNotReloaded(a);
    await expectNotReloaded(b);
    expect(await allTodos(b)).toEqual([{ id: expect.any(String), title: 'buy milk', completed: false }]);
  });

  test('actions from both tabs at once: both tabs converge on the same list', async ({ tabs }) => {
    const [a, b] = (await tabs(2)) as [Page, Page];
    const add = (page: Page, prefix: string) =>
      page.evaluate(async (p) => {
        const ids = await Promise.all(Array.from({ length: 15 }, (_, i) => window.tandem!.actions.addTodo!({ title: `${p}-${i}`, listId: window.tandem!.listId })));
        return ids as string[];
      }, prefix);
    const [idsA, idsB] = await Promise.all([add(a, 'A'), add(b, 'B')]);
    expect(new Set([...idsA, ...idsB]).size).toBe(30);

    await expect(todomvc(a).items).toHaveCount(30);
    await expect(todomvc(b).items).toHaveCount(30);
    const textsA = await todomvc(a).labels.allTextContents();
    await expect(todomvc(b).labels).toHaveText(textsA);
    expect(textsA.filter((t) => t.startsWith('A-'))).toHaveLength(15);
    expect(textsA.filter((t) => t.startsWith('B-'))).toHaveLength(15);
    await expect(todomvc(a).count).toHaveText('30 items left');

    // toggleAll from B, seen in A.
    await b.evaluate(() => window.tandem!.actions.toggleAll!({ completed: true, listId: window.tandem!.listId }));
    await expect(todomvc(a).toggleAll).toBeChecked();
    await expect(todomvc(a).count).toHaveText('0 items left');
    await expect(todomvc(a).items.and(a.locator('.completed'))).toHaveCount(30);

    // clearCompleted from the UI of A empties B.
    await todomvc(a).clearCompleted.click();
    await expect(todomvc(b).items).toHaveCount(0);
    await expect(todomvc(b).main).toBeHidden();
    await expect(todomvc(b).footer).toBeHidden();
  });
});
