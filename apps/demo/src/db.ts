import { openTandem } from '@tandem/client';
import type { DemoActions } from './actions.ts';
import { CHANNELS, SCHEMA_SQL } from './schema.ts';
import { retrySessionToken, sessionToken } from './session.ts';

/** Where build.mjs puts the prebuilt worker bundle and the actions module (see dist/). */
export const WORKER_URL = '/tandem/tandem-worker.js';
export const ACTIONS_URL = '/actions.js';
/** The demo server's sync routes (apps/demo/serve.mjs). */
export const SYNC_PATH = '/sync';

/** The engine the server chose for this page (TANDEM_ENGINE, written into index.html by serve.mjs). */
export function demoEngine(): 'pglite' | 'sqlite' {
  return document.querySelector('meta[name="tandem-engine"]')?.getAttribute('content') === 'sqlite' ? 'sqlite' : 'pglite';
}

/**
 * Opens (or joins, if another tab already started it) the demo's Tandem database, syncing the list
 * `listId` with the server. Without a token yet (first visit while the server is down) it opens
 * anyway: the app works offline, and the token is handed over once the server answers.
 */
export async function openDemoDb(listId: string) {
  const token = await sessionToken();
  const engine = demoEngine();
  const db = await openTandem<DemoActions>({
    worker: new URL(WORKER_URL, location.href),
    schema: SCHEMA_SQL,
    actionsUrl: new URL(ACTIONS_URL, location.href).href,
    engine,
    // `?sharedWorker=0` runs the demo as a browser without SharedWorker would (one tab hosts the worker).
    sharedWorker: new URLSearchParams(location.search).get('sharedWorker') !== '0',
    // One local database per engine: a checkpoint of one engine means nothing to the other.
    name: engine === 'pglite' ? 'tandem-demo' : `tandem-demo-${engine}`,
    channels: CHANNELS,
    sync: { url: new URL(SYNC_PATH, location.href).href, ...(token ? { token } : {}), channels: [listId] },
  });
  // The worker may have been started by a tab showing another list: follow this one too.
  await db.sync.addChannels([listId]);
  if (token) await db.sync.setToken(token);
  else retrySessionToken((t) => void db.sync.setToken(t));
  return Object.assign(db, { listId, engine });
}

export type DemoDb = Awaited<ReturnType<typeof openDemoDb>>;
