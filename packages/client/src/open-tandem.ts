import * as Comlink from 'comlink';
import { ErrorKind, fromErrorData, isLiveMessage, isTandemErrorData, tabLockName, TandemError } from '@tandem/core';
import type { ActionCallers, ActionDefinitions, ConnectResult, Row, TandemConfig, WorkerApi, WorkerEvent } from '@tandem/core';
import { SyncFeed } from './sync-feed.ts';
import { UpdateFeed } from './update-feed.ts';
import { explainWorkerLoadFailure } from './worker-load-error.ts';
import { LiveSubscriptions } from './live-subscriptions.ts';
import { holdTabLock } from './tab-lock.ts';
import { registerInPage } from './page-registry.ts';
import type { Tandem } from './tandem.ts';

export interface OpenTandemOptions extends Omit<TandemConfig, 'actionsUrl'> {
  /** URL of the prebuilt worker bundle (`tandem-worker.js`), or a SharedWorker you created. */
  worker: string | URL | SharedWorker;
  /** URL of the actions module; relative URLs resolve against the page. */
  actionsUrl: string | URL;
  /** Reject if the worker has not answered within this many ms (default 30 000). */
  timeoutMs?: number;
}

/** Errors from the worker arrive as plain `{kind, message, details}`; make them throwable errors. */
function toError(error: unknown): unknown {
  return isTandemErrorData(error) ? fromErrorData(error) : error;
}

function newTabId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `t${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

/** Connects this tab to the app's Tandem SharedWorker (starting it if this is the first tab). */
export async function openTandem<A extends ActionDefinitions = ActionDefinitions>(options: OpenTandemOptions): Promise<Tandem<A>> {
  const { worker: workerOption, timeoutMs = 30_000, ...rest } = options;
  const base = globalThis.location?.href;
  const config: TandemConfig = { ...rest, actionsUrl: new URL(String(options.actionsUrl), base).href };
  const worker =
    typeof workerOption === 'string' || workerOption instanceof URL
      ? new SharedWorker(new URL(String(workerOption), base), { type: 'module', name: `tandem:${config.name ?? 'tandem'}` })
      : workerOption;

  const workerUrl = typeof workerOption === 'string' || workerOption instanceof URL ? new URL(String(workerOption), base).href : null;
  const loadFailed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', () => {
      const fail = (message: string) => reject(new TandemError(ErrorKind.notReady, message));
      if (!workerUrl) {
        fail('The given SharedWorker could not start. Check that its script is the Tandem worker bundle (`tandem-worker.js`), served as JavaScript.');
        return;
      }
      explainWorkerLoadFailure(workerUrl).then(fail, () => fail(`The Tandem worker could not start from ${workerUrl}.`));
    });
  });
  const timedOut = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new TandemError(ErrorKind.notReady, `The Tandem worker did not answer within ${timeoutMs} ms.`)), timeoutMs);
  });

  const port = worker.port;
  const subs = new LiveSubscriptions();
  const updates = new UpdateFeed();
  // A refusal for being outdated is also how a tab learns of an update it missed.
  const rethrow = (error: unknown): never => {
    const err = toError(error);
    if ((err as { kind?: unknown } | null)?.kind === ErrorKind.updateRequired) updates.fromRefusal((err as { details?: unknown }).details);
    throw err;
  };
  let feed: SyncFeed | null = null;
  const early: Extract<WorkerEvent, { tandem: 'sync' | 'rejected' }>[] = [];
  port.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as WorkerEvent | { tandem?: undefined } | null;
    if (isLiveMessage(data)) subs.apply(data.batch);
    else if (data?.tandem === 'update') updates.fromEvent(data);
    else if (data?.tandem === 'sync' || data?.tandem === 'rejected') {
      if (!feed) early.push(data);
      else if (data.tandem === 'sync') feed.setStatus(data.status);
      else feed.reject(data.rejections);
    }
  });
  port.start();
  const api = Comlink.wrap<WorkerApi>(port);
  const tabId = newTabId();
  const lock = holdTabLock(tabLockName(tabId));
  await lock.held;
  let connected: ConnectResult;
  try {
    connected = await Promise.race([api.connect({ tabId, config }).catch((e: unknown) => Promise.reject(toError(e))), loadFailed, timedOut]);
  } catch (error) {
    // A failed open keeps nothing: the worker sees this tab go (its lock) and the port closes.
    lock.release();
    api[Comlink.releaseProxy]();
    port.close();
    throw error;
  }
  const syncFeed = new SyncFeed((await api.status().catch(rethrow)).sync);
  feed = syncFeed;
  for (const m of early.splice(0)) {
    if (m.tandem === 'sync') syncFeed.setStatus(m.status);
    else if (m.tandem === 'rejected') syncFeed.reject(m.rejections);
  }
  // The server needing a newer client is an update too: the reload brings it.
  syncFeed.onStatus((status) => {
    if (status.updateRequired) updates.fromRefusal(null);
  });

  const actions = new Proxy({} as ActionCallers<A>, {
    get(_target, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (args: unknown) => api.run(name, args).catch(rethrow);
    },
  });

  let closed = false;
  let unregister = () => {};
  const db: Tandem<A> = {
    actions,
    clientId: connected.clientId,
    tabId,
    version: connected.version,
    schemaVersion: connected.schemaVersion,
    get updateAvailable() {
      return updates.current !== null;
    },
    onUpdate: (fn) => updates.onUpdate(fn),
    query: <R extends Row>(sql: string, params?: unknown[]) => api.query(sql, params).catch(rethrow) as Promise<R[]>,
    live<R extends Row>(sql: string, params: unknown[] | undefined, onChange: (rows: R[]) => void) {
      let subId: string | null = null;
      let cancelled = false;
      api.subscribe(sql, params ?? []).then(
        (result) => {
          if (cancelled) return void api.unsubscribe(result.subId);
          subId = result.subId;
          subs.add(result.subId, result.rows, onChange as (rows: Row[]) => void);
        },
        (error: unknown) => {
          try {
            rethrow(error);
          } catch (err) {
            console.error('[tandem] live query failed', err);
          }
        },
      );
      return () => {
        cancelled = true;
        if (subId !== null) {
          const id = subId;
          subs.remove(id);
          // The response follows every live message sent before it on this port.
          api.unsubscribe(id).then(() => subs.forget(id), () => subs.forget(id));
        }
      };
    },
    status: () => api.status().catch(rethrow),
    debug: () => api.debug().catch(rethrow),
    sync: {
      get status() {
        return syncFeed.current;
      },
      onStatus: (fn) => syncFeed.onStatus(fn),
      onRejected: (fn) => syncFeed.onRejected(fn),
      addChannels: (channels) => api.addChannels(channels).catch(rethrow),
      setToken: (token) => api.setSyncToken(token).catch(rethrow),
      now: () => api.syncNow().catch(rethrow),
      acknowledgeRejections: (ids) => api.acknowledgeRejections(ids).catch(rethrow),
    },
    close() {
      if (closed) return;
      closed = true;
      unregister();
      subs.clear();
      syncFeed.clear();
      updates.clear();
      lock.release();
      api[Comlink.releaseProxy]();
      port.close();
    },
  };
  unregister = registerInPage(db as unknown as Tandem);
  return db;
}
