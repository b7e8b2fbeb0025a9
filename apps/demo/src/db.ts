import { openTandem } from '@tandem/client';
import type { DemoActions } from './actions.ts';
import { SCHEMA_SQL } from './schema.ts';

/** Where build.mjs puts the prebuilt worker bundle and the actions module (see dist/). */
export const WORKER_URL = '/tandem/tandem-worker.js';
export const ACTIONS_URL = '/actions.js';

/** Opens (or joins, if another tab already started it) the demo's Tandem database. */
export function openDemoDb() {
  return openTandem<DemoActions>({
    worker: new URL(WORKER_URL, location.href),
    schema: SCHEMA_SQL,
    actionsUrl: new URL(ACTIONS_URL, location.href).href,
    name: 'tandem-demo',
  });
}

export type DemoDb = Awaited<ReturnType<typeof openDemoDb>>;
