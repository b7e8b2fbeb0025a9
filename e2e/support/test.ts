import { test as kit, expect } from '@tandem/testing/playwright';
import { waitReady } from './demo.ts';

export interface EngineOption {
  /** The tabs' local engine this project runs against (the demo server's TANDEM_ENGINE). */
  engine: 'pglite' | 'sqlite';
}

/**
 * Our e2e runs on the testing kit users get (`@tandem/testing/playwright`): its `tabs`, `devices`,
 * `server` and `worker` fixtures, its browser discovery and its diagnostics. On top: the project's
 * engine, and the demo's own notion of a ready page (its UI enabled, `window.tandem` set).
 */
export const test = kit.extend<{}, EngineOption & { engineEnv: void }>({
  engine: [
    async ({}, use) => {
      await use('pglite');
    },
    { scope: 'worker', option: true },
  ],
  // Servers a test starts itself (startDemoServer) inherit the environment, so they serve the project's
  // engine. Worker-scoped, so it is in place before any hook of the worker runs.
  engineEnv: [
    async ({ engine }, use) => {
      process.env.TANDEM_ENGINE = engine;
      await use();
    },
    { scope: 'worker', auto: true },
  ],
  tandemApp: async ({}, use) => {
    await use({ ready: (page) => waitReady(page) });
  },
});

export { expect };
