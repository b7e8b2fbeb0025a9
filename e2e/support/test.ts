import { test as base, expect } from '@playwright/test';
import { SharedWorkerConsole } from './worker-console.ts';

export interface Diagnostics {
  /** Console output and uncaught errors of every page of the test's context. */
  pageLines: string[];
  /** Console output of the shared workers (through CDP; only with E2E_WORKER_CONSOLE=1, see worker-console.ts). */
  workerLines: string[];
  /** Page console errors and uncaught page errors only. */
  pageErrors: string[];
  workerConsole: SharedWorkerConsole | null;
}

export interface EngineOption {
  /** The tabs' local engine this project runs against (the demo server's TANDEM_ENGINE). */
  engine: 'pglite' | 'sqlite';
}

/**
 * `test` with an automatic `diagnostics` fixture: it records the pages' and the SharedWorker's
 * console for the whole test and attaches them to the report when the test fails.
 */
export const test = base.extend<{ diagnostics: Diagnostics }, EngineOption & { engineEnv: void }>({
  engine: [
    async ({}, use) => {
      await use('pglite');
    },
    { scope: 'worker', option: true },
  ],
  // Servers a test starts itself (DemoServer) inherit the environment, so they serve the project's
  // engine. Worker-scoped, so it is in place before any hook of the worker runs.
  engineEnv: [
    async ({ engine }, use) => {
      process.env.TANDEM_ENGINE = engine;
      await use();
    },
    { scope: 'worker', auto: true },
  ],
  diagnostics: [
    async ({ context, browser }, use, testInfo) => {
      const d: Diagnostics = { pageLines: [], workerLines: [], pageErrors: [], workerConsole: null };
      const at = () => new Date().toISOString().slice(11, 23);
      context.on('console', (msg) => {
        const line = `${at()} [page ${msg.type()}] ${msg.text()}`;
        d.pageLines.push(line);
        if (msg.type() === 'error') d.pageErrors.push(line);
      });
      context.on('weberror', (e) => {
        const line = `${at()} [page uncaught] ${e.error().stack ?? e.error().message}`;
        d.pageLines.push(line);
        d.pageErrors.push(line);
      });
      try {
        d.workerConsole = await SharedWorkerConsole.attach(browser, { readConsole: process.env.E2E_WORKER_CONSOLE === '1' });
        d.workerLines = d.workerConsole.lines;
      } catch (e) {
        d.workerLines.push(`[cdp] shared worker console unavailable: ${(e as Error).message}`);
      }
      await use(d);
      await d.workerConsole?.detach();
      if (testInfo.status !== testInfo.expectedStatus) {
        const text = ['--- page console ---', ...d.pageLines, '--- shared worker console ---', ...d.workerLines].join('\n');
        await testInfo.attach('console', { body: text, contentType: 'text/plain' });
        console.log(`\n[diagnostics for "${testInfo.title}"]\n${text}\n`);
      }
    },
    { auto: true },
  ],
});

export { expect };
