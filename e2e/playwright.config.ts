import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './support/browser.ts';

const port = Number(process.env.E2E_PORT ?? 3199);
// A fresh server database per run: tests must not see an earlier run's lists and users.
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-demo-'));

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: 'list',
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: chromiumLaunchOptions(),
    trace: 'off',
  },
  webServer: {
    command: `node ../apps/demo/serve.mjs`,
    url: `http://localhost:${port}/`,
    env: { PORT: String(port), DATA_DIR: dataDir },
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
