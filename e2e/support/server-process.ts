import { fileURLToPath } from 'node:url';
import { TandemServer } from '@tandem/testing/playwright';

const SERVE = fileURLToPath(new URL('../../apps/demo/serve.mjs', import.meta.url));

/** How the testing kit starts the demo's server (`node apps/demo/serve.mjs`). */
export function demoServerOptions(env: Record<string, string> = {}) {
  // One server serves a whole project's browser contexts (each a new session) from 127.0.0.1: the
  // demo's per-address session limit is off here, and tested on its own (apps/demo/server).
  return { command: `"${process.execPath}" "${SERVE}"`, readyPath: '/sync/health', env: { TANDEM_SESSION_LIMIT: '0', ...env } };
}

export interface DemoServerOptions {
  /** Extra environment (e.g. DATABASE_URL for Postgres). */
  env?: Record<string, string>;
  /** Embedded PGlite data dir; a fresh temp dir by default (removed by dispose()). */
  dataDir?: string;
}

/**
 * A demo server of the test's own, beside the project's (the `server` fixture): for tests that need
 * other settings (Postgres, an admin token, a second instance).
 */
export function startDemoServer({ env, dataDir }: DemoServerOptions = {}): Promise<TandemServer> {
  return TandemServer.start({ ...demoServerOptions(env), ...(dataDir ? { dataDir } : {}) });
}
