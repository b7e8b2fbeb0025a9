import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import type { EngineOption } from './support/test.ts';
import { chromiumLaunchOptions } from './support/browser.ts';

const port = Number(process.env.E2E_PORT ?? 3199);
const sqlitePort = port - 1;
// A fresh server database per run: tests must not see an earlier run's lists and users.
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-demo-'));
const sqliteDataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-demo-sqlite-'));

/**
 * The suites that must pass on both local engines (issue: SQLite parity): several tabs, two
 * devices, crashes and reloads. The rest exercises the server and the UI, which do not depend on
 * the tabs' engine, and runs once, on the default.
 */
const BOTH_ENGINES = ['multi-tab.spec.ts', 'sync.spec.ts', 'crash.spec.ts', 'sync-crash.spec.ts', 'persistence.spec.ts', 'todomvc.spec.ts'];

export default defineConfig<EngineOption>({
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
    { name: 'pglite', use: { baseURL: `http://localhost:${port}`, engine: 'pglite' } },
    { name: 'sqlite', testMatch: BOTH_ENGINES, use: { baseURL: `http://localhost:${sqlitePort}`, engine: 'sqlite' } },
  ],
  webServer: [
    {
      command: `node ../apps/demo/serve.mjs`,
      url: `http://localhost:${port}/`,
      env: { PORT: String(port), DATA_DIR: dataDir, TANDEM_ENGINE: 'pglite' },
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node ../apps/demo/serve.mjs`,
      url: `http://localhost:${sqlitePort}/`,
      env: { PORT: String(sqlitePort), DATA_DIR: sqliteDataDir, TANDEM_ENGINE: 'sqlite' },
      reuseExistingServer: false,
      timeout: 30_000,
    },
  ],
});
