import type { Page } from '@playwright/test';
import { waitForSync } from '@tandem/testing/playwright';
import { test, expect } from '../support/test.ts';
import { addTodoViaUi, todomvc, workerEngine } from '../support/demo.ts';
import { listIdOf, listRows, syncStatus } from '../support/devices.ts';
import { startDemoServer } from '../support/server-process.ts';

// Two devices = two browser contexts (separate IndexedDB, SharedWorker and user) against the
// project's real server process (the testing kit's `server`), which the tests stop and restart.
test.describe('sync between two devices', () => {
  interface Device {
    page: Page;
    listId: string;
  }

  /** Two devices on one shared list: the second opens the first one's link. */
  async function twoDevices(devices: (n: number, o?: { path?: string }) => Promise<Page[]>): Promise<[Device, Device]> {
    const [pa] = await devices(1);
    const listId = listIdOf(pa!);
    const [pb] = await devices(1, { path: `/?list=${encodeURIComponent(listId)}` });
    return [
      { page: pa!, listId },
      { page: pb!, listId: listIdOf(pb!) },
    ];
  }

  test('an edit in one device appears in the other within a second', async ({ devices, engine }) => {
    const [a, b] = await twoDevices(devices);
    expect([await workerEngine(a.page), await workerEngine(b.page)]).toEqual([engine, engine]);
    await addTodoViaUi(a.page, 'first from A');
    await expect(todomvc(b.page).item('first from A')).toBeVisible({ timeout: 1_000 });
    // Both caught up and nothing else commits: A's next commit follows on from B's cursor, so B
    // applies it straight from the poke, without a pull. (The first commit of a fresh server
    // cannot: cursor 0 means "no snapshot yet".)
    await waitForSync(a.page);
    await waitForSync(b.page);
    const pokesApplied = () => b.page.evaluate(async () => (await window.tandem!.debug()).pokesApplied);
    const before = await pokesApplied();
    await addTodoViaUi(a.page, 'from A');
    await expect(todomvc(b.page).item('from A')).toBeVisible({ timeout: 1_000 });
    expect(await pokesApplied()).toBe(before + 1);
    await todomvc(b.page).item('from A').locator('.toggle').check();
    await expect(todomvc(a.page).item('from A')).toHaveClass(/\bcompleted\b/, { timeout: 1_000 });
    await waitForSync(a.page);
    await waitForSync(b.page);
    expect(await listRows(a.page, a.listId)).toEqual(await listRows(b.page, b.listId));
  });

  test('with the server stopped both keep working, pending grows, and after a restart they converge without duplicates', async ({ devices, server }) => {
    const [a, b] = await twoDevices(devices);
    await addTodoViaUi(a.page, 'before');
    await expect(todomvc(b.page).item('before')).toBeVisible();
    await waitForSync(a.page);
    await waitForSync(b.page);

    await server.stop();
    for (let i = 0; i < 3; i++) await addTodoViaUi(a.page, `offline A${i}`);
    for (let i = 0; i < 2; i++) await addTodoViaUi(b.page, `offline B${i}`);
    await todomvc(b.page).item('before').locator('.toggle').check();
    await expect(todomvc(a.page).labels).toHaveText(['before', 'offline A0', 'offline A1', 'offline A2']);
    await expect(todomvc(b.page).labels).toHaveText(['before', 'offline B0', 'offline B1']);
    await expect.poll(async () => (await syncStatus(a.page)).pending).toBe(3);
    await expect.poll(async () => (await syncStatus(b.page)).pending).toBe(3);
    await expect.poll(async () => (await syncStatus(a.page)).online).toBe(false);
    await expect(a.page.locator('.tandem-sync[data-online="false"]')).toBeVisible();
    await expect(a.page.locator('.tandem-sync[data-pending="3"]')).toBeVisible();

    await server.start();
    await waitForSync(a.page, { timeout: 40_000 });
    await waitForSync(b.page, { timeout: 40_000 });
    await expect.poll(async () => (await listRows(a.page, a.listId)).length, { timeout: 20_000 }).toBe(6);
    await expect.poll(async () => JSON.stringify(await listRows(b.page, b.listId)), { timeout: 20_000 }).toBe(JSON.stringify(await listRows(a.page, a.listId)));
    const rows = await listRows(a.page, a.listId);
    expect(new Set(rows.map((r) => r.title)).size).toBe(rows.length);
    expect(rows.find((r) => r.title === 'before')!.completed).toBe(true);
    await expect(todomvc(a.page).items).toHaveCount(6);
    await expect(todomvc(b.page).items).toHaveCount(6);
  });

  test('conflicting offline edits of one todo converge to the server order', async ({ devices, server }) => {
    const [a, b] = await twoDevices(devices);
    await addTodoViaUi(a.page, 'shared');
    await expect(todomvc(b.page).item('shared')).toBeVisible();
    await waitForSync(a.page);
    await waitForSync(b.page);

    await server.stop();
    for (const [d, title] of [[a, 'title from A'], [b, 'title from B']] as const) {
      await todomvc(d.page).item('shared').locator('label').dblclick();
      await todomvc(d.page).item('shared').locator('input.edit').fill(title);
      await todomvc(d.page).item('shared').locator('input.edit').press('Enter');
      await expect(todomvc(d.page).item(title)).toBeVisible();
    }
    await server.start();
    // Both workers reconnect on their own; whichever edit the server ran last wins, everywhere.
    await waitForSync(a.page, { timeout: 40_000 });
    await waitForSync(b.page, { timeout: 40_000 });
    await expect.poll(async () => (await listRows(a.page, a.listId)).map((r) => r.title), { timeout: 10_000 }).toEqual((await listRows(b.page, b.listId)).map((r) => r.title));
    const [winner] = (await listRows(a.page, a.listId)).map((r) => r.title);
    expect(['title from A', 'title from B']).toContain(winner);
    await expect(todomvc(a.page).labels).toHaveText([winner!]);
    await expect(todomvc(b.page).labels).toHaveText([winner!]);
    // And it is the server's own state: a third device that joins now sees the same.
    const [c] = await devices(1, { path: `/?list=${encodeURIComponent(a.listId)}` });
    await expect(todomvc(c!).labels).toHaveText([winner!]);
    expect(await listRows(c!, a.listId)).toEqual(await listRows(a.page, a.listId));
  });

  test('an action the server rejects rolls back visibly', async ({ devices, server }) => {
    const [a, b] = await twoDevices(devices);
    await addTodoViaUi(a.page, 'doomed');
    await expect(todomvc(b.page).item('doomed')).toBeVisible();
    await waitForSync(a.page);
    await waitForSync(b.page);
    const [doomed] = await listRows(b.page, b.listId);

    // B edits the todo while the server is down …
    await server.stop();
    await todomvc(b.page).item('doomed').locator('label').dblclick();
    await todomvc(b.page).item('doomed').locator('input.edit').fill('edited while offline');
    await todomvc(b.page).item('doomed').locator('input.edit').press('Enter');
    await expect(todomvc(b.page).item('edited while offline')).toBeVisible();

    // … and meanwhile the todo is deleted on the server, through an instance on another port that
    // neither device can reach (so the order is certain: the delete first, B's edit after).
    const admin = await startDemoServer({ dataDir: server.dataDir, env: { TANDEM_ADMIN_TOKEN: 'e2e-admin' } });
    try {
      const res = await fetch(`${admin.url}/api/admin/invoke`, {
        method: 'POST',
        headers: { authorization: 'Bearer e2e-admin', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'deleteTodo', args: { id: doomed!.id } }),
      });
      expect(res.status).toBe(200);
    } finally {
      await admin.stop();
    }

    await server.start();
    // B's edit of a todo that no longer exists is rejected: rolled back, and the app says so.
    await expect(todomvc(b.page).items).toHaveCount(0, { timeout: 30_000 });
    await expect(b.page.locator('.tandem-error')).toContainText('rejected');
    await expect(b.page.locator('.tandem-error')).toContainText('editTodo');
    await expect(todomvc(a.page).items).toHaveCount(0, { timeout: 30_000 });
    await waitForSync(b.page, { timeout: 30_000 });
    const status = await syncStatus(b.page);
    expect(status.pending).toBe(0);
    expect(status.rejections.map((r) => r.name)).toEqual(['editTodo']);
  });
});
