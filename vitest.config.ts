import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumLaunchOptions } from './e2e/support/browser.ts';
import { runDemoActionsOnServer } from './scripts/browser-commands.ts';
import { BROWSER_PUBLIC_DIR } from './scripts/browser-test-assets.ts';
import { faultyAssetSites } from './scripts/faulty-asset-sites.ts';
import { rotateServerToken, startTokenServer, stopTokenServer, tokenServerState } from './scripts/token-server-commands.ts';

const source = { resolve: { conditions: ['@tandem/source'] }, ssr: { resolve: { conditions: ['@tandem/source'] } } };

// expect.poll waits for an event; its 1 s default is a wall-clock bound that a loaded 2-core CI
// machine misses (a checkpoint, a log line). A poll that never sees its value still fails, later.
const waitForEvents = { expect: { poll: { timeout: 10_000 } } };

export default defineConfig({
  test: {
    projects: [
      {
        ...source,
        test: {
          name: 'unit',
          ...waitForEvents,
          environment: 'node',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/scripts/**/*.test.mjs', 'apps/*/src/**/*.test.ts', 'apps/*/server/**/*.test.mjs', 'scripts/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/*.pg.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
          // Several suites start a server on embedded PGlite in beforeAll: seconds, more on a busy machine.
          hookTimeout: 60_000,
        },
      },
      {
        ...source,
        // Real PostgreSQL (TANDEM_PG_URL, default postgres://postgres@127.0.0.1:5432/test). Outside CI
        // these suites skip with a message when it is unreachable; with CI=true they fail instead.
        test: {
          name: 'pg',
          ...waitForEvents,
          environment: 'node',
          include: ['packages/*/src/**/*.pg.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        ...source,
        // PGlite and sqlite-wasm find their wasm next to their own module: Vite must not pre-bundle them.
        optimizeDeps: { exclude: ['@electric-sql/pglite', '@sqlite.org/sqlite-wasm'] },
        publicDir: BROWSER_PUBLIC_DIR,
        // /faulty/<fault>/: the worker bundle served wrong, for the asset error tests.
        plugins: [faultyAssetSites()],
        test: {
          name: 'browser',
          ...waitForEvents,
          globalSetup: ['./scripts/browser-test-assets.ts'],
          include: ['packages/*/src/**/*.browser.test.ts', 'apps/*/src/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromiumLaunchOptions() }),
            instances: [{ browser: 'chromium' }],
            commands: { runDemoActionsOnServer, startTokenServer, rotateServerToken, tokenServerState, stopTokenServer },
          },
        },
      },
    ],
  },
});
