import type { BrowserContext, Page } from '@playwright/test';

/**
 * Removes `SharedWorker` from every document `target` loads from now on, before any of its scripts
 * run: the browser then looks like older Android Chrome, a WebView or a privacy mode without it,
 * and Tandem's client runs in its no-SharedWorker mode (one tab, elected by Web Locks, hosts the
 * runtime in a dedicated Worker).
 *
 * Call it before `page.goto`: a document already loaded keeps its `SharedWorker` until it is
 * reloaded. On a page, it applies to that page (and its frames); on a context, to all its pages,
 * those opened later included.
 */
export async function withoutSharedWorker(target: Page | BrowserContext): Promise<void> {
  // An init script runs in each new document before the page's own scripts. `SharedWorker` is a
  // configurable global (WebIDL), so deleting it leaves `typeof SharedWorker === 'undefined'`, as in
  // a browser that never had it.
  await target.addInitScript(() => {
    delete (globalThis as { SharedWorker?: unknown }).SharedWorker;
  });
}
