import type { BrowserContext, Page } from '@playwright/test';
import { test as base, expect } from '../support/test.ts';
import { addTodoViaUi, openDemo, todomvc, waitDataReady, waitReady } from '../support/demo.ts';
import { listIdOf, listRows } from '../support/devices.ts';
import { newListId } from '../support/sync-api.ts';

/**
 * The TodoMVC app specification's behaviours, on the demo. These are UI behaviours, not start-up:
 * the tests of a project share one browser context, so one worker and one database (a fresh worker
 * costs seconds, PGlite's most), and each opens its own new list in a new page. A page kept open
 * keeps the worker alive between tests, as a user's other tab would.
 */
let shared: Promise<BrowserContext> | null = null;
const test = base.extend({
  context: async ({ browser, baseURL }, use) => {
    shared ??= (async () => {
      const context = await browser.newContext({ baseURL });
      await openDemo(await context.newPage(), `/?list=${newListId('keeper')}`);
      return context;
    })();
    await use(await shared);
  },
  page: async ({ context }, use) => {
    const page = await context.newPage();
    await use(page);
    await page.close();
  },
});
test.afterAll(async () => {
  const context = await shared;
  shared = null;
  await context?.close();
});

const THREE = ['buy some cheese', 'feed the cat', 'book a doctors appointment'];

async function addThree(page: Page) {
  for (const t of THREE) await addTodoViaUi(page, t);
  await expect(todomvc(page).labels).toHaveText(THREE);
}

/** The open list's todos in the page's local database. */
const allTodos = (page: Page) => listRows(page, listIdOf(page));
const titles = async (page: Page) => (await allTodos(page)).map((r) => r.title);

test.beforeEach(async ({ page }) => {
  await openDemo(page, `/?list=${newListId('todomvc')}`);
});

test.describe('new todo', () => {
  test('with no todos, main and footer are hidden and the input is focused', async ({ page }) => {
    const t = todomvc(page);
    await expect(t.newTodo).toBeFocused();
    await expect(t.items).toHaveCount(0);
    await expect(t.main).toBeHidden();
    await expect(t.footer).toBeHidden();

    // Typing alone adds nothing.
    await t.newTodo.fill('not yet');
    await page.waitForTimeout(200);
    await expect(t.items).toHaveCount(0);
    await expect(t.newTodo).toHaveValue('not yet');
  });

  test('Enter adds it at the bottom, trimmed, and clears the input; empty input adds nothing', async ({ page }) => {
    const t = todomvc(page);
    await t.newTodo.press('Enter'); // empty
    await t.newTodo.fill('   ');
    await t.newTodo.press('Enter'); // blank
    await addTodoViaUi(page, 'buy some cheese');
    await expect(t.labels).toHaveText(['buy some cheese']);
    await expect(t.newTodo).toHaveValue('');
    await addTodoViaUi(page, '   feed the cat   ');
    await expect(t.labels).toHaveText(['buy some cheese', 'feed the cat']);
    await expect(t.newTodo).toHaveValue('');
    await expect(t.main).toBeVisible();
    await expect(t.footer).toBeVisible();
    expect(await titles(page)).toEqual(['buy some cheese', 'feed the cat']);
    await expect(page.locator('.tandem-error')).toHaveCount(0); // no rejected action was reported
  });
});

test.describe('mark all as complete', () => {
  test('toggle-all completes every todo and back', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await expect(t.toggleAll).not.toBeChecked();
    await t.toggleAllLabel.click(); // todomvc-app-css hides the checkbox: its label is the control
    await expect(t.items.and(page.locator('.completed'))).toHaveCount(3);
    await expect(t.items.locator('.toggle:checked')).toHaveCount(3);
    await expect(t.count).toHaveText('0 items left');
    await expect(t.toggleAll).toBeChecked();
    await t.toggleAllLabel.click();
    await expect(t.toggleAll).not.toBeChecked();
    await expect(t.items.and(page.locator('.completed'))).toHaveCount(0);
    await expect(t.count).toHaveText('3 items left');
    expect((await allTodos(page)).map((r) => r.completed)).toEqual([false, false, false]);
  });

  test("toggle-all's checked state follows the items", async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    for (let i = 0; i < 3; i++) await t.items.nth(i).locator('.toggle').check();
    await expect(t.toggleAll).toBeChecked();
    await t.items.nth(1).locator('.toggle').uncheck();
    await expect(t.toggleAll).not.toBeChecked();
    await t.items.nth(1).locator('.toggle').check();
    await expect(t.toggleAll).toBeChecked();
  });
});

test.describe('item', () => {
  test('toggling marks it completed and back; the destroy button removes it', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await t.items.nth(0).locator('.toggle').check();
    await expect(t.items.nth(0)).toHaveClass(/\bcompleted\b/);
    await expect(t.items.nth(1)).not.toHaveClass(/\bcompleted\b/);
    expect((await allTodos(page)).map((r) => r.completed)).toEqual([true, false, false]);
    await t.items.nth(0).locator('.toggle').uncheck();
    await expect(t.items.nth(0)).not.toHaveClass(/\bcompleted\b/);
    expect((await allTodos(page)).map((r) => r.completed)).toEqual([false, false, false]);

    await t.items.nth(1).hover();
    await t.items.nth(1).locator('.destroy').click();
    await expect(t.labels).toHaveText(['buy some cheese', 'book a doctors appointment']);
    await expect(t.count).toHaveText('2 items left');
    expect(await titles(page)).toEqual(['buy some cheese', 'book a doctors appointment']);
  });
});

test.describe('editing', () => {
  test('double-click shows the edit field (other controls hidden); Enter saves the trimmed title', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await t.items.nth(1).locator('label').dblclick();
    await expect(t.items.nth(1)).toHaveClass(/\bediting\b/);
    const edit = t.items.nth(1).locator('input.edit');
    await expect(edit).toBeVisible();
    await expect(edit).toBeFocused();
    await expect(edit).toHaveValue('feed the cat');
    await expect(t.items.nth(1).locator('.toggle')).toBeHidden();
    await expect(t.items.nth(1).locator('label')).toBeHidden();

    await edit.fill('   buy some sausages    ');
    await edit.press('Enter');
    await expect(t.labels).toHaveText(['buy some cheese', 'buy some sausages', 'book a doctors appointment']);
    await expect(t.items.nth(1)).not.toHaveClass(/\bediting\b/);
    await expect(t.items.locator('input.edit')).toHaveCount(0);
    expect(await titles(page)).toEqual(['buy some cheese', 'buy some sausages', 'book a doctors appointment']);
  });

  test('blur saves (focus moved away, or clicking elsewhere)', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await t.items.nth(1).locator('label').dblclick();
    await t.items.nth(1).locator('input.edit').fill('feed the dog');
    await t.items.nth(1).locator('input.edit').blur();
    await expect(t.labels).toHaveText(['buy some cheese', 'feed the dog', 'book a doctors appointment']);
    await expect(t.items.nth(1)).not.toHaveClass(/\bediting\b/);

    await t.items.nth(0).locator('label').dblclick();
    await t.items.nth(0).locator('input.edit').fill('buy some bread');
    await page.locator('h1').click();
    await expect(t.labels).toHaveText(['buy some bread', 'feed the dog', 'book a doctors appointment']);
    expect(await titles(page)).toEqual(['buy some bread', 'feed the dog', 'book a doctors appointment']);
  });

  test('Escape cancels the edit; an empty edit deletes the todo', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await t.items.nth(1).locator('label').dblclick();
    await t.items.nth(1).locator('input.edit').fill('this is discarded');
    await t.items.nth(1).locator('input.edit').press('Escape');
    await expect(t.items.nth(1)).not.toHaveClass(/\bediting\b/);
    await expect(t.labels).toHaveText(THREE);
    // Nothing was saved (also not by the blur that follows Escape).
    await page.waitForTimeout(200);
    expect(await titles(page)).toEqual(THREE);

    await t.items.nth(1).locator('label').dblclick();
    await t.items.nth(1).locator('input.edit').fill('   ');
    await t.items.nth(1).locator('input.edit').press('Enter');
    await expect(t.labels).toHaveText(['buy some cheese', 'book a doctors appointment']);
    expect(await titles(page)).toEqual(['buy some cheese', 'book a doctors appointment']);
  });
});

test.describe('counter and clear completed', () => {
  test('the counter shows active todos in <strong>, singular and plural', async ({ page }) => {
    const t = todomvc(page);
    await addTodoViaUi(page, 'one');
    await expect(t.count).toHaveText('1 item left');
    await expect(t.count.locator('strong')).toHaveText('1');
    await addTodoViaUi(page, 'two');
    await expect(t.count).toHaveText('2 items left');
    await expect(t.count.locator('strong')).toHaveText('2');
    await t.items.nth(0).locator('.toggle').check();
    await expect(t.count).toHaveText('1 item left');
    await t.items.nth(1).locator('.toggle').check();
    await expect(t.count).toHaveText('0 items left');
    await expect(t.count.locator('strong')).toHaveText('0');
  });

  test('clear completed is hidden when none is completed, and removes the completed ones', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await expect(t.footer).toBeVisible();
    await expect(t.clearCompleted).toBeHidden();
    await t.items.nth(0).locator('.toggle').check();
    await expect(t.clearCompleted).toBeVisible();
    await t.items.nth(0).locator('.toggle').uncheck();
    await expect(t.clearCompleted).toBeHidden();

    await t.items.nth(0).locator('.toggle').check();
    await t.items.nth(2).locator('.toggle').check();
    await t.clearCompleted.click();
    await expect(t.labels).toHaveText(['feed the cat']);
    await expect(t.clearCompleted).toBeHidden();
    expect(await titles(page)).toEqual(['feed the cat']);

    // Clearing the last one hides main and footer again.
    await t.toggleAllLabel.click();
    await t.clearCompleted.click();
    await expect(t.items).toHaveCount(0);
    await expect(t.main).toBeHidden();
    await expect(t.footer).toBeHidden();
    expect(await titles(page)).toEqual([]);
  });
});

test.describe('routing', () => {
  test('#/active, #/completed and #/ filter the list and select their link; back works', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await t.items.nth(1).locator('.toggle').check();
    await expect(t.filter('All')).toHaveClass(/\bselected\b/);

    await t.filter('Active').click();
    await expect(page).toHaveURL(/#\/active$/);
    await expect(t.labels).toHaveText(['buy some cheese', 'book a doctors appointment']);
    await expect(t.filter('Active')).toHaveClass(/\bselected\b/);
    await expect(t.filter('All')).not.toHaveClass(/\bselected\b/);

    await t.filter('Completed').click();
    await expect(page).toHaveURL(/#\/completed$/);
    await expect(t.labels).toHaveText(['feed the cat']);
    await expect(t.filter('Completed')).toHaveClass(/\bselected\b/);
    await expect(page.locator('.filters a.selected')).toHaveCount(1);
    // The counter counts all active todos, not only the visible ones.
    await expect(t.count).toHaveText('2 items left');

    await t.filter('All').click();
    await expect(page).toHaveURL(/#\/$/);
    await expect(t.labels).toHaveText(THREE);
    await expect(t.filter('All')).toHaveClass(/\bselected\b/);

    // The back button walks the route history.
    await page.goBack();
    await expect(t.filter('Completed')).toHaveClass(/\bselected\b/);
    await expect(t.labels).toHaveText(['feed the cat']);
    await page.goBack();
    await expect(t.filter('Active')).toHaveClass(/\bselected\b/);
    await expect(t.labels).toHaveText(['buy some cheese', 'book a doctors appointment']);
  });

  test('a filtered view follows changes; loading the app on #/completed filters at once', async ({ page }) => {
    const t = todomvc(page);
    await addThree(page);
    await t.filter('Active').click();
    await expect(t.labels).toHaveText(THREE);
    // click(), not check(): the item leaves the view once completed, and check() would retry its
    // click on whatever item then matches the locator.
    await t.item('buy some cheese').locator('.toggle').click();
    await expect(t.labels).toHaveText(['feed the cat', 'book a doctors appointment']);
    expect((await allTodos(page)).map((r) => r.completed)).toEqual([true, false, false]);
    await t.filter('Completed').click();
    await expect(t.labels).toHaveText(['buy some cheese']);

    await page.reload();
    await waitReady(page);
    await expect(page).toHaveURL(/#\/completed$/);
    await expect(t.labels).toHaveText(['buy some cheese']);
    await expect(t.filter('Completed')).toHaveClass(/\bselected\b/);
  });
});

test.describe('test hooks', () => {
  test('once ready, the page exposes the open client as window.tandem', async ({ page }) => {
    await page.reload();
    await waitDataReady(page);
    const shape = await page.evaluate(() => {
      const t = (window as unknown as { tandem?: Record<string, unknown> }).tandem;
      if (!t) return null;
      return {
        actions: typeof t.actions,
        query: typeof t.query,
        status: typeof t.status,
        debug: typeof t.debug,
        then: typeof (t as { then?: unknown }).then, // the client itself, not a promise of it
      };
    });
    expect(shape, 'window.tandem is set when section.todoapp has data-ready="true"').toEqual({
      actions: 'object',
      query: 'function',
      status: 'function',
      debug: 'function',
      then: 'undefined',
    });
    expect(await page.evaluate(async () => (await window.tandem!.status()).ready)).toBe(true);
  });
});
