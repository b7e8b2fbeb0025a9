import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect } from '@playwright/test';
import { waitReady } from './demo.ts';

/** What the demo's `window.tandem.sync` exposes (apps/demo → @tandem/client). */
export interface SyncStatusView {
  online: boolean;
  syncing: boolean;
  pending: number;
  lastError: { kind: string; message: string } | null;
  channels: { channel: string; cursor: number }[];
  rejections: { id: string; name: string; error: { kind: string; message: string } }[];
}

export interface Device {
  context: BrowserContext;
  page: Page;
  listId: string;
}

/**
 * A "device": its own browser context (own IndexedDB, own SharedWorker, own user) with the demo
 * open on `listId` (or a new list when omitted: the demo puts it in the address).
 */
export async function openDevice(browser: Browser, baseURL: string, listId?: string): Promise<Device> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(listId ? `/?list=${encodeURIComponent(listId)}` : '/');
  await waitReady(page);
  const id = new URL(page.url()).searchParams.get('list');
  if (!id) throw new Error(`the demo did not put ?list= in the address: ${page.url()}`);
  return { context, page, listId: id };
}

export function syncStatus(page: Page): Promise<SyncStatusView> {
  return page.evaluate(() => (window as unknown as { tandem: { sync: { status: SyncStatusView } } }).tandem.sync.status);
}

/** Asks the worker to push + pull now and waits for that cycle (rejects if the server is down). */
export function syncNow(page: Page): Promise<void> {
  return page.evaluate(() => (window as unknown as { tandem: { sync: { now(): Promise<void> } } }).tandem.sync.now());
}

/**
 * Waits until the device has pushed and pulled everything it had committed when this was called
 * (a sync cycle that starts after the call succeeds), then until its status says online with
 * nothing pending (the status reaches tabs coalesced, a moment later).
 */
export async function waitSynced(page: Page, timeout = 20_000): Promise<void> {
  await expect.poll(() => syncNow(page).then(() => true, () => false), { timeout, message: 'device never completed a sync cycle' }).toBe(true);
  await expect
    .poll(
      async () => {
        const s = await syncStatus(page);
        return s.online && s.pending === 0 && !s.syncing;
      },
      { timeout, message: 'device never reached online with 0 pending' },
    )
    .toBe(true);
}

/** Rows of the open list as the device has them locally: id, title, completed (ordered). */
export function listRows(page: Page, listId: string): Promise<{ id: string; title: string; completed: boolean }[]> {
  return page.evaluate(async (list) => {
    const rows = await window.tandem!.query('select id, title, completed from todos where list_id = $1 order by created_at, id', [list]);
    return rows.map((r) => ({ id: String(r.id), title: String(r.title), completed: r.completed === true }));
  }, listId);
}
