import type { Page } from '@playwright/test';
import { PAGE_REGISTRY_KEY } from '@tandem/core';
import type { SyncStatus } from '@tandem/core';

/*
 * The page side: `@tandem/client` lists every open connection in
 * `globalThis[Symbol.for(PAGE_REGISTRY_KEY)]` (a Set), so these helpers need nothing from the app.
 * The functions passed to `page.evaluate` run in the page and cannot close over Node values: the
 * key travels as an argument.
 */

/** The subset of `@tandem/client`'s `Tandem` the helpers use (the client is not a dependency). */
export interface PageTandem {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  live(sql: string, params: unknown[] | undefined, onChange: (rows: Record<string, unknown>[]) => void): () => void;
  sync: {
    readonly status: Pick<SyncStatus, 'enabled' | 'online' | 'syncing' | 'pending' | 'lastError'>;
    now(): Promise<void>;
  };
}

/** Resolves once the page has opened a Tandem connection (`openTandem` resolved). */
export async function waitForTandem(page: Page, { timeout = 30_000 }: { timeout?: number } = {}): Promise<void> {
  try {
    await page.waitForFunction((key) => ((globalThis as unknown as Record<symbol, Set<unknown> | undefined>)[Symbol.for(key)]?.size ?? 0) > 0, PAGE_REGISTRY_KEY, { timeout });
  } catch (error) {
    throw new Error(
      `No Tandem connection opened in ${page.url()} within ${timeout} ms. Does the page call openTandem() from @tandem/client, and did it succeed? (${(error as Error).message.split('\n')[0]})`,
    );
  }
}
