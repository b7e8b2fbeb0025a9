import { dirname } from 'node:path';
import { test as base, expect } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { waitForTandem } from '../page/page-tandem.ts';
import { withoutSharedWorker } from '../page/without-shared-worker.ts';
import { TandemServer } from '../server/tandem-server.ts';
import type { TandemServerOptions } from '../server/tandem-server.ts';
import { SharedWorkerHandle } from '../worker/shared-worker-handle.ts';
import type { AttachOptions } from '../worker/shared-worker-handle.ts';
import { killWorker } from '../worker/worker-targets.ts';
import type { KillWorkerOptions } from '../worker/worker-targets.ts';
import { chromiumLaunchOptions } from './launch-options.ts';

export interface OpenOptions {
  /** Path to open, relative to `baseURL` (default: `tandemApp.path`, else `/`). */
  path?: string;
  /**
   * `false` opens the pages without `SharedWorker` (see `withoutSharedWorker`), so the app runs in
   * Tandem's no-SharedWorker mode. `tabs` removes it from the new pages only; `devices`, from the
   * whole new context (pages it opens later included). Default: the browser's own.
   */
  sharedWorker?: boolean;
}

export interface TandemAppOptions {
  /** Path the app's page lives at (default `/`). */
  path?: string;
  /** Resolves when a freshly opened page is ready to test (default: its Tandem connection is open). */
  ready?: (page: Page) => Promise<void>;
}

export interface TandemWorkerOptions {
  /**
   * The app's server, started once per Playwright worker and reachable at `baseURL`. Leave unset to
   * test against a server you run yourself (Playwright's `webServer`); the `server` fixture then
   * refuses with an explanation.
   */
  tandemServer: TandemServerOptions | undefined;
}

export interface TandemTestOptions {
  tandemApp: TandemAppOptions;
}

export interface TandemFixtures {
  /** `n` pages of the app in one browser context: one shared worker, one local database. */
  tabs(n: number, options?: OpenOptions): Promise<Page[]>;
  /** `n` browser contexts with one page each: separate workers, local databases and users. */
  devices(n: number, options?: OpenOptions): Promise<Page[]>;
  /** The app's server process (see `tandemServer`): stop, start, restart, refuse, accept. */
  server: TandemServer;
  /** The shared worker serving `page`, through CDP: its console and `evaluate`. */
  worker(page: Page, options?: AttachOptions): Promise<SharedWorkerHandle>;
  /**
   * Kills the shared worker serving `page` (and its context's other tabs) as a process kill would;
   * resolves with its `targetId` once it is gone. See `killWorker` (pages without SharedWorker have
   * no shared worker to kill: close the elected tab instead).
   */
  killWorker(page: Page, options?: KillWorkerOptions): Promise<string>;
}

interface Internal {
  _tandemServer: TandemServer | null;
}

/**
 * `@playwright/test`'s `test` with Tandem's fixtures. Every page of the test's contexts (the default
 * one and each device) has its console recorded; on failure it is attached to the report with the
 * server's output.
 */
export const test = base.extend<TandemFixtures & TandemTestOptions & { _diagnostics: string[] }, TandemWorkerOptions & Internal>({
  tandemServer: [undefined, { scope: 'worker', option: true }],
  tandemApp: [{}, { option: true }],

  // Configured launch options win; without an executable, Chromium comes from `findChromium`.
  launchOptions: [
    async ({ launchOptions, browserName }, use) => {
      await use(browserName === 'chromium' && !launchOptions.executablePath ? chromiumLaunchOptions(launchOptions) : launchOptions);
    },
    { scope: 'worker' },
  ],

  _tandemServer: [
    async ({ tandemServer }, use, workerInfo) => {
      if (!tandemServer) return use(null);
      const cwd = tandemServer.cwd ?? (workerInfo.config.configFile ? dirname(workerInfo.config.configFile) : process.cwd());
      const server = await TandemServer.start({ ...tandemServer, cwd });
      await use(server);
      await server.dispose();
    },
    { scope: 'worker' },
  ],

  baseURL: async ({ baseURL, _tandemServer }, use) => {
    await use(_tandemServer?.url ?? baseURL);
  },

  server: async ({ _tandemServer, _diagnostics }, use, testInfo) => {
    if (!_tandemServer) {
      throw new Error('The `server` fixture needs `tandemServer: { command }` in the `use` section of your Playwright config (it starts and controls the app server itself).');
    }
    const from = _tandemServer.output.length;
    await use(_tandemServer);
    if (testInfo.status !== testInfo.expectedStatus) _diagnostics.push('--- server output ---', ..._tandemServer.output.slice(from));
    // The next test starts with a reachable server, whatever this one did to it.
    await _tandemServer.start();
  },

  _diagnostics: [
    async ({ context }, use, testInfo) => {
      const lines: string[] = [];
      watchConsole(context, lines);
      await use(lines);
      if (testInfo.status !== testInfo.expectedStatus && lines.length) {
        await testInfo.attach('tandem diagnostics', { body: lines.join('\n'), contentType: 'text/plain' });
      }
    },
    { auto: true },
  ],

  tabs: async ({ context, tandemApp }, use) => {
    await use(async (n, options = {}) => {
      assertCount('tabs', n);
      const pages = await Promise.all(Array.from({ length: n }, () => context.newPage()));
      if (options.sharedWorker === false) await Promise.all(pages.map((page) => withoutSharedWorker(page)));
      // One after another: the first tab starts the worker, as a user's first tab would.
      for (const page of pages) await openApp(page, options.path ?? tandemApp.path, tandemApp);
      return pages;
    });
  },

  devices: async ({ browser, baseURL, contextOptions, viewport, locale, timezoneId, colorScheme, ignoreHTTPSErrors, extraHTTPHeaders, userAgent, tandemApp, _diagnostics }, use) => {
    const contexts: BrowserContext[] = [];
    // The config's context options, as the test's own context gets them (each device is a fresh
    // profile: no storage state is carried over).
    const shared = { ...contextOptions, baseURL, viewport, locale, timezoneId, colorScheme, ignoreHTTPSErrors, extraHTTPHeaders, userAgent };
    await use(async (n, options = {}) => {
      assertCount('devices', n);
      const pages: Page[] = [];
      for (let i = 0; i < n; i++) {
        const context = await browser.newContext(Object.fromEntries(Object.entries(shared).filter(([, v]) => v !== undefined)));
        contexts.push(context);
        watchConsole(context, _diagnostics, `device ${contexts.length}`);
        if (options.sharedWorker === false) await withoutSharedWorker(context);
        const page = await context.newPage();
        await openApp(page, options.path ?? tandemApp.path, tandemApp);
        pages.push(page);
      }
      return pages;
    });
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  },

  worker: async ({ _diagnostics }, use, testInfo) => {
    const handles: SharedWorkerHandle[] = [];
    await use(async (page, options) => {
      const handle = await SharedWorkerHandle.attach(page, options);
      handles.push(handle);
      return handle;
    });
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const h of handles) _diagnostics.push(`--- shared worker ${h.url} ---`, ...h.console);
    }
    await Promise.all(handles.map((h) => h.detach()));
  },

  killWorker: async ({ _diagnostics }, use) => {
    await use(async (page, options) => {
      const targetId = await killWorker(page, options);
      // In a failed test's report, the kills show among the pages' console lines, in time order.
      _diagnostics.push(`${new Date().toISOString().slice(11, 23)} [kit] killed the shared worker ${targetId} serving ${page.url()}`);
      return targetId;
    });
  },
});

function assertCount(fixture: string, n: unknown): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new TypeError(`${fixture}(n) needs a whole number n ≥ 1, got ${String(n)}.`);
}

async function openApp(page: Page, path: string | undefined, app: TandemAppOptions): Promise<void> {
  await page.goto(path ?? '/');
  await (app.ready ?? waitForTandem)(page);
}

function watchConsole(context: BrowserContext, lines: string[], label = 'page'): void {
  const at = () => new Date().toISOString().slice(11, 23);
  context.on('console', (msg) => lines.push(`${at()} [${label} ${msg.type()}] ${msg.text()}`));
  context.on('weberror', (e) => lines.push(`${at()} [${label} uncaught] ${e.error().stack ?? e.error().message}`));
}

export { expect };
