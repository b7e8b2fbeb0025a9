import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '@tandem/testing/playwright';
import type { TandemWorkerOptions } from '@tandem/testing/playwright';
import type { EngineOption } from './support/test.ts';
import { demoServerOptions } from './support/server-process.ts';

/**
 * The suites that must pass on both local engines (issue: SQLite parity): several tabs, two
 * devices, crashes and reloads. The rest exercises the server and the UI, which do not depend on
 * the tabs' engine, and runs once, on the default.
 */
const BOTH_ENGINES = ['multi-tab.spec.ts', 'sync.spec.ts', 'crash.spec.ts', 'sync-crash.spec.ts', 'persistence.spec.ts', 'todomvc.spec.ts', 'upgrade-deploy.spec.ts', 'worker-death.spec.ts', 'no-shared-worker.spec.ts'];

// The demo server comes from the testing kit's `tandemServer` (one per project, on a fresh data
// directory, reachable at baseURL), as a user's app server would: we dogfood the kit.
export default defineConfig<EngineOption & TandemWorkerOptions>({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: 'list',
  use: {
    launchOptions: chromiumLaunchOptions(),
    trace: 'off',
  },
  projects: [
    { name: 'pglite', use: { engine: 'pglite', tandemServer: demoServerOptions({ TANDEM_ENGINE: 'pglite' }) } },
    { name: 'sqlite', testMatch: BOTH_ENGINES, use: { engine: 'sqlite', tandemServer: demoServerOptions({ TANDEM_ENGINE: 'sqlite' }) } },
  ],
});
