import type { Browser, CDPSession, Page } from '@playwright/test';

/*
 * The shared workers of a page's browser context, found through the browser's CDP session:
 * Playwright's own API does not list shared workers. One place for finding, listing and ending
 * them, used by `SharedWorkerHandle`, `workerTargets` and `killWorker`.
 */

/** What CDP's `Target.getTargets` says of a target (the fields the kit reads). */
export interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
  title: string;
  browserContextId?: string;
}

/** A shared worker of the page's context. `title` is the worker's name (`tandem:<name>` for Tandem's). */
export interface WorkerTarget {
  targetId: string;
  url: string;
  title: string;
}

export interface FindWorkerOptions {
  /** Which shared worker of the page's context, when it has several (default: the Tandem one). */
  url?: string | RegExp;
  /** How long to wait for the worker to appear, ms (default 10 000). */
  timeout?: number;
}

export interface KillWorkerOptions extends FindWorkerOptions {
  /** How long to wait for the killed worker to be gone, ms (default 10 000). */
  goneTimeout?: number;
}

// Tandem's client names its worker `tandem:<database name>` and ships it as `tandem-worker.js`.
const TANDEM = /tandem/i;

/** The browser of `page`'s context and the context's CDP id. */
async function contextOf(page: Page, fixture: string): Promise<{ browser: Browser; browserContextId: string | undefined }> {
  const browser = page.context().browser();
  if (!browser) throw new Error(`${fixture}(page) needs a Browser-launched context (a persistent context has no browser-level CDP session in Playwright).`);
  const pageSession = await page.context().newCDPSession(page);
  try {
    const { targetInfo } = (await pageSession.send('Target.getTargetInfo')) as unknown as { targetInfo: TargetInfo };
    return { browser, browserContextId: targetInfo.browserContextId };
  } finally {
    await pageSession.detach().catch(() => {});
  }
}

async function sharedWorkersOf(cdp: CDPSession, browserContextId: string | undefined): Promise<{ mine: TargetInfo[]; all: TargetInfo[] }> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as unknown as { targetInfos: TargetInfo[] };
  const all = targetInfos.filter((t) => t.type === 'shared_worker');
  return { mine: all.filter((t) => t.browserContextId === browserContextId), all };
}

/** With a `url`, the first worker it matches; without, Tandem's (by URL or name), else the only one. */
export function pickWorker(candidates: TargetInfo[], url: string | RegExp | undefined): TargetInfo | undefined {
  if (url !== undefined) return candidates.find((t) => (typeof url === 'string' ? t.url.includes(url) : url.test(t.url)));
  return candidates.find((t) => TANDEM.test(t.url) || TANDEM.test(t.title)) ?? (candidates.length === 1 ? candidates[0] : undefined);
}

/** Whether the page's scripts see no `SharedWorker` (removed, or never there); false when it cannot tell. */
async function lacksSharedWorker(page: Page): Promise<boolean> {
  return page.evaluate(() => typeof SharedWorker === 'undefined').catch(() => false);
}

const NO_SHARED_WORKER_HINT =
  'Without SharedWorker, Tandem runs its runtime in a dedicated Worker of one elected tab, which CDP cannot end on its own: close that tab (page.close()) to end it.';

/**
 * A browser CDP session, and the shared worker serving `page` once it runs (waiting up to `timeout`).
 * The caller owns the session (it is detached here only on failure).
 */
export async function findWorkerTarget(page: Page, { url, timeout = 10_000 }: FindWorkerOptions, fixture: string): Promise<{ cdp: CDPSession; target: TargetInfo }> {
  const { browser, browserContextId } = await contextOf(page, fixture);
  if (await lacksSharedWorker(page)) throw new Error(`${fixture}(page): ${page.url()} has no SharedWorker, so it has no shared worker to reach. ${NO_SHARED_WORKER_HINT}`);
  const cdp = await browser.newBrowserCDPSession();
  const deadline = Date.now() + timeout;
  let seen: TargetInfo[] = [];
  try {
    for (;;) {
      const { mine, all } = await sharedWorkersOf(cdp, browserContextId);
      seen = all;
      const target = pickWorker(mine, url);
      if (target) return { cdp, target };
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await cdp.detach().catch(() => {});
    throw error;
  }
  await cdp.detach().catch(() => {});
  const others = seen.length ? ` Shared workers in the browser: ${seen.map((t) => `${t.url} (${t.title})`).join(', ')}.` : ' The browser runs no shared worker at all.';
  throw new Error(`No shared worker${url ? ` matching ${String(url)}` : ''} in the context of ${page.url()} after ${timeout} ms: has the page opened Tandem yet?${others}`);
}

/**
 * Ends the shared worker `targetId` as a process kill would (`Target.closeTarget`: no unload, no
 * goodbye to its ports), and resolves once the browser no longer lists it.
 */
export async function closeWorkerTarget(cdp: CDPSession, targetId: string, timeout = 10_000): Promise<void> {
  await cdp.send('Target.closeTarget', { targetId });
  const deadline = Date.now() + timeout;
  for (;;) {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as unknown as { targetInfos: TargetInfo[] };
    if (!targetInfos.some((t) => t.targetId === targetId)) return;
    if (Date.now() > deadline) throw new Error(`The shared worker ${targetId} was told to close but was still running after ${timeout} ms.`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The shared workers running in `page`'s browser context, now (no waiting). After `killWorker`, a
 * fresh worker shows here under a new `targetId` once a tab has connected again.
 */
export async function workerTargets(page: Page, { url }: Pick<FindWorkerOptions, 'url'> = {}): Promise<WorkerTarget[]> {
  const { browser, browserContextId } = await contextOf(page, 'workerTargets');
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { mine } = await sharedWorkersOf(cdp, browserContextId);
    const matching = url === undefined ? mine : mine.filter((t) => (typeof url === 'string' ? t.url.includes(url) : url.test(t.url)));
    return matching.map(({ targetId, url: u, title }) => ({ targetId, url: u, title }));
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/**
 * Kills the Tandem shared worker serving `page` (and every tab of its context): what the OS killing
 * it under memory pressure, or a crash, does to the tabs. Waits for the worker to run (`timeout`),
 * then for it to be gone (`goneTimeout`); resolves with the killed worker's `targetId`.
 *
 * A page without SharedWorker (see `withoutSharedWorker`) has no shared worker: this throws at once.
 * There, the runtime lives in a dedicated Worker of the elected tab; close that tab instead.
 */
export async function killWorker(page: Page, { goneTimeout = 10_000, ...find }: KillWorkerOptions = {}): Promise<string> {
  const { cdp, target } = await findWorkerTarget(page, find, 'killWorker');
  try {
    await closeWorkerTarget(cdp, target.targetId, goneTimeout);
    return target.targetId;
  } finally {
    await cdp.detach().catch(() => {});
  }
}
