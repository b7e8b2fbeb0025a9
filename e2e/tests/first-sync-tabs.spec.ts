import type { BrowserContext, Page } from '@playwright/test';
import { waitForSync } from '@tandem/testing/playwright';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, todomvc, waitReady } from '../support/demo.ts';
import { listIdOf, listRows, syncStatus } from '../support/devices.ts';

// A day-two sweep of the start-up path as a user meets it (issue 17: the early first pull that
// overlaps the engine's start, snapshots as plain inserts into empty tables, a tab that opens
// during a first sync): a new profile on a list the server already holds, with a second tab opened
// while the first one's first sync runs; every tab closed with writes in flight; the worker killed
// during a first sync. A loaded machine starts a worker slowly: the waits are long, none is a sleep.

const READY_MS = 120_000;

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(path);
  await waitReady(page, READY_MS);
  return page;
}

/** A list of `n` todos on the server, every third of the first 99 completed; returns its id and rows. */
async function seedList(context: BrowserContext, n: number) {
  const page = await open(context, '/');
  const list = listIdOf(page);
  await page.evaluate(
    async ([listId, count]) => {
      await Promise.all(Array.from({ length: count }, (_, i) => window.tandem!.actions.addTodo!({ listId, title: `seed ${String(i).padStart(4, '0')}` })));
      const first = await window.tandem!.query('select id from todos where list_id = $1 order by created_at, id limit 99', [listId]);
      await Promise.all(first.filter((_, i) => i % 3 === 0).map((r) => window.tandem!.actions.toggleTodo!({ id: r.id, completed: true })));
    },
    [list, n] as const,
  );
  await waitForSync(page, { timeout: 60_000 });
  const rows = await listRows(page, list);
  expect(rows).toHaveLength(n);
  return { page, list, rows };
}

for (const [mode, route] of [['', '#/active'], ['&sharedWorker=0', '']] as const) {
  test(`a new profile on a list the server holds, a second tab opened during its first sync${mode ? ' (no SharedWorker)' : ''}${route ? ` on ${route}` : ''}: both show every row and work`, async ({ browser, baseURL }) => {
    test.setTimeout(300_000);
    const seed = await browser.newContext({ baseURL });
    const { page: seedPage, list, rows: seeded } = await seedList(seed, 300);
    const fresh = await browser.newContext({ baseURL });
    const p1 = await fresh.newPage();
    const p2 = await fresh.newPage();
    await p1.goto(`/?list=${list}${mode}${route}`);
    // Loaded, so its worker is starting; the first sync (sent while the engine starts) is under way.
    await p2.goto(`/?list=${list}${mode}${route}`);
    await waitReady(p1, READY_MS);
    await waitReady(p2, READY_MS);
    const shown = (rows: typeof seeded) => rows.filter((r) => (route === '#/active' ? !r.completed : true)).length;
    for (const p of [p1, p2]) {
      await expect(todomvc(p).items).toHaveCount(shown(seeded), { timeout: 60_000 });
      await waitForSync(p, { timeout: 60_000 });
      expect(await listRows(p, list)).toEqual(seeded);
      expect((await syncStatus(p)).pending).toBe(0);
    }
    // Both tabs write, and each view follows the other's writes.
    await addTodoViaUi(p2, 'from tab 2');
    await expect(todomvc(p1).item('from tab 2')).toBeVisible();
    const active = seeded.find((r) => !r.completed)!;
    await p1.evaluate((id) => window.tandem!.actions.toggleTodo!({ id, completed: true }), active.id);
    await expect(todomvc(p2).items).toHaveCount(shown(seeded) + 1 - (route === '#/active' ? 1 : 0));
    // The seeding device gets both writes.
    await waitForSync(p1);
    await expect(todomvc(seedPage).item('from tab 2')).toBeVisible({ timeout: 30_000 });
    await expect.poll(async () => (await listRows(seedPage, list)).find((r) => r.id === active.id)?.completed, { timeout: 30_000 }).toBe(true);
    await seed.close();
    await fresh.close();
  });
}

test('every tab closed with writes in flight: each write that resolved is in the next tab, once', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext({ baseURL });
  const resolved: string[] = [];
  await context.exposeFunction('__resolvedWrite', (title: string) => void resolved.push(title));
  let a = await open(context, '/');
  const list = listIdOf(a);
  let b = await open(context, `/?list=${list}`);
  for (let round = 0; round < 2; round++) {
    for (const [page, tab] of [[a, 'a'], [b, 'b']] as const) {
      await page.evaluate(
        ([listId, tag]) => {
          for (let i = 0; i < 30; i++) {
            const title = `${tag}-${i}`;
            void window.tandem!.actions.addTodo!({ listId, title }).then(
              () => (window as unknown as { __resolvedWrite(t: string): void }).__resolvedWrite(title),
              () => {},
            );
          }
        },
        [list, `round ${round} ${tab}`] as const,
      );
    }
    const before = resolved.length;
    // Some have resolved, most are still in flight.
    await expect.poll(() => resolved.length).toBeGreaterThan(before + 3);
    await a.close();
    await b.close();
    const acknowledged = [...resolved];
    a = await open(context, `/?list=${list}`);
    const titles = (await listRows(a, list)).map((r) => r.title);
    expect(new Set(titles).size).toBe(titles.length);
    for (const title of acknowledged) expect(titles).toContain(title);
    b = await open(context, `/?list=${list}`);
  }
  await waitForSync(a, { timeout: 60_000 });
  await context.close();
});

test('the worker killed during a first sync: both tabs recover with every row and keep working', async ({ browser, baseURL, killWorker }) => {
  test.setTimeout(300_000);
  const seed = await browser.newContext({ baseURL });
  const { list } = await seedList(seed, 1000);
  const fresh = await browser.newContext({ baseURL });
  const p1 = await fresh.newPage();
  const p2 = await fresh.newPage();
  await p1.goto(`/?list=${list}`);
  await p2.goto(`/?list=${list}`);
  // Ends the context's shared worker as soon as it exists: its start and first sync are under way.
  await killWorker(p1);
  await waitReady(p1, READY_MS);
  await waitReady(p2, READY_MS);
  for (const p of [p1, p2]) {
    await expect(todomvc(p).items).toHaveCount(1000, { timeout: 60_000 });
    await waitForSync(p, { timeout: 60_000 });
  }
  await addTodoViaUi(p2, 'after the kill');
  await expect(todomvc(p1).items).toHaveCount(1001);
  await seed.close();
  await fresh.close();
});
