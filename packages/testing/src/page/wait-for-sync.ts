import type { Page } from '@playwright/test';
import { PAGE_REGISTRY_KEY } from '@tandem/core';
import type { PageTandem } from './page-tandem.ts';

interface SyncProbe {
  /** No Tandem in the page, or one without sync: waiting cannot help. */
  fatal?: string;
  done: boolean;
  pending: number;
  online: boolean;
  lastError: string | null;
}

/**
 * Resolves when the page's device has pushed every action and pulled to the server's head: a sync
 * cycle that started after this call succeeds, then the status shows online, idle, 0 pending. With
 * the server down it keeps trying until `timeout`, then says what is left and the last sync error.
 */
export async function waitForSync(page: Page, { timeout = 20_000 }: { timeout?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeout;
  let probe: SyncProbe | null = null;
  for (;;) {
    probe = await page.evaluate(async (key): Promise<SyncProbe> => {
      const set = (globalThis as unknown as Record<symbol, Set<PageTandem> | undefined>)[Symbol.for(key)];
      const all = [...(set ?? [])];
      if (all.length === 0) return { fatal: 'the page has no open Tandem connection', done: false, pending: 0, online: false, lastError: null };
      if (all.some((db) => !db.sync.status.enabled)) return { fatal: 'its Tandem is local-only (no `sync` in its config)', done: false, pending: 0, online: false, lastError: null };
      let failed: string | null = null;
      // `now()` pushes and pulls until caught up with the head as of this call.
      for (const db of all) await db.sync.now().catch((e: Error) => (failed = e.message));
      const pending = all.reduce((n, db) => n + db.sync.status.pending, 0);
      const online = all.every((db) => db.sync.status.online);
      const idle = all.every((db) => !db.sync.status.syncing);
      const lastError = failed ?? all.map((db) => db.sync.status.lastError?.message).find(Boolean) ?? null;
      return { done: failed === null && pending === 0 && online && idle, pending, online, lastError };
    }, PAGE_REGISTRY_KEY);
    if (probe.fatal) throw new Error(`waitForSync(${page.url()}): ${probe.fatal}.`);
    if (probe.done) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `waitForSync(${page.url()}): not in sync after ${timeout} ms: ${probe.pending} pending, ${probe.online ? 'online' : 'offline'}` +
      `${probe.lastError ? `; last sync error: ${probe.lastError}` : ''}. Is the server running and reachable?`,
  );
}
