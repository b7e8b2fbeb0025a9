import { waitForSync } from '@tandem/testing/playwright';
import { test, expect } from '../support/test.ts';

// The server's write rule seen from a device: the demo's server has no `canWrite`, so it is its
// read rule (list ids matching LIST_ID in apps/demo/server/session.mjs).
test('a write into a channel the user may not write shows locally, then is rolled back and listed as rejected', async ({ devices, server }) => {
  const page = (await devices(1))[0]!;
  const listId = await page.evaluate(() => window.tandem!.listId);
  const denied = 'not a list id!'; // passes the action's args schema, refused by the server's rule
  const titlesIn = (channel: string) => page.evaluate((id) => window.tandem!.query('select title from todos where list_id = $1 order by title', [id]), channel);

  // Offline, so the optimistic write is certainly seen before the server's verdict.
  await server.stop();
  await page.evaluate((id) => window.tandem!.actions.addTodo!({ title: 'sneaky', listId: id }), denied);
  await page.evaluate((id) => window.tandem!.actions.addTodo!({ title: 'allowed', listId: id }), listId);
  expect(await titlesIn(denied)).toEqual([{ title: 'sneaky' }]);

  await server.start();
  await expect(page.locator('.tandem-rejections')).toContainText(`you may not write to channel ${JSON.stringify(denied)}`, { timeout: 15_000 });
  await waitForSync(page);
  expect(await titlesIn(denied)).toEqual([]);
  // The forbidden action did not block the one behind it.
  expect(await titlesIn(listId)).toEqual([{ title: 'allowed' }]);
});
