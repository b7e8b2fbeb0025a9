import type { Browser, BrowserContext, Page } from '@playwright/test';
import { waitForSync } from '@tandem/testing/playwright';
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
  return { context, page, listId: listIdOf(page) };
}

export function syncStatus(page: Page): Promise<SyncStatusView> {
  return page.evaluate(() => (window as unknown as { tandem: { sync: { status: SyncStatusView } } }).tandem.sync.status);
}

/** Asks the worker to push + pull now and waits for that cycle (rejects if the server is down). */
export function syncNow(page: Page): Promise<void> {
  return page.evaluate(() => (window as unknown as { tandem: { sync: { now(): Promise<void> } } }).tandem.sync.now());
}

/** Waits until the device is in sync with the server (the testing kit's `waitForSync`). */
export function waitSynced(page: Page, timeout = 20_000): Promise<void> {
  return waitForSync(page, { timeout });
}

/** The list a demo page shows (`?list=` in its address, set on first load). */
export function listIdOf(page: Page): string {
  const id = new URL(page.url()).searchParams.get('list');
  if (!id) throw new Error(`the demo did not put ?list= in the address: ${page.url()}`);
  return id;
}

/** Rows of the open list as the device has them locally: id, title, completed (ordered). */
export function listRows(page: Page, listId: string): Promise<{ id: string; title: string; completed: boolean }[]> {
  return page.evaluate(async (list) => {
    const rows = await window.tandem!.query('select id, title, completed from todos where list_id = $1 order by created_at, id', [list]);
    return rows.map((r) => ({ id: String(r.id), title: String(r.title), completed: r.completed === true }));
  }, listId);
}
