import { ErrorKind, fromErrorData, isLiveMessage, isTandemErrorData, tabLockName, TandemError, toErrorData } from '@tandem/core';
import type { ActionCallers, ActionDefinitions, Row, SyncConfig, TandemConfig, WorkerEvent } from '@tandem/core';
import { liveErrorHandler } from './live-error.ts';
import { ElectedWorkerConnector } from './connection/elected-worker-connector.ts';
import { SharedWorkerConnector } from './connection/shared-worker-connector.ts';
import type { WorkerConnector } from './connection/connector.ts';
import { WorkerConnection } from './connection/worker-connection.ts';
import type { WorkerLink } from './connection/worker-connection.ts';
import { requestPersistentStorageOnInteraction } from './persist-storage.ts';
import { SyncFeed } from './sync-feed.ts';
import { UpdateFeed } from './update-feed.ts';
import { LiveSubscriptions } from './live-subscriptions.ts';
import { holdTabLock } from './tab-lock.ts';
import { registerInPage } from './page-registry.ts';
import type { Tandem } from './tandem.ts';
import { tokenResponder } from './token-callback.ts';
import type { GetToken } from './token-callback.ts';

/** The worker's `SyncConfig`, plus what only a tab can hold. */
export interface OpenTandemSyncOptions extends SyncConfig {
  /**
   * Fetches a fresh token when the server refuses the current one (`'unauthorized'`) or a JWT nears
   * its `exp` (`'expiring'`); the worker asks one tab that has it, and sync resumes with the answer
   * without a reload. Return null when there is none. Without it, a refused token waits for `sync.setToken`.
   */
  getToken?: GetToken;
}

export interface OpenTandemOptions extends Omit<TandemConfig, 'actionsUrl' | 'sync'> {
  sync?: OpenTandemSyncOptions;
  /**
   * URL of the prebuilt worker bundle (`tandem-worker.js`), or a SharedWorker you created (then a
   * worker that dies cannot be replaced: give the URL).
   */
  worker: string | URL | SharedWorker;
  /** URL of the actions module; relative URLs resolve against the page. */
  actionsUrl: string | URL;
  /**
   * Reject if the worker has not shown life within this many ms (default 30 000). A worker that
   * has gets 10 times as long to open the database: a first visit downloads the engine (~26 MB for
   * PGlite), which a slow network cannot do in 30 s.
   */
  timeoutMs?: number;
  /**
   * `false` runs the worker without SharedWorker even where the browser has it: one tab, elected by
   * a Web Lock, hosts it as a dedicated Worker for all. Where SharedWorker is missing, that is what
   * happens anyway. Default true.
   */
  sharedWorker?: boolean;
  /**
   * Ask the browser to keep this origin's data under storage pressure (`navigator.storage.persist()`;
   * the browser may say no). `status().storage.persisted` reports the answer. Default true.
   */
  persistStorage?: boolean;
}

/** Errors from the worker arrive as plain `{kind, message, details}`; make them throwable errors. */
function toError(error: unknown): unknown {
  return isTandemErrorData(error) ? fromErrorData(error) : error;
}

function newTabId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `t${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

function connectorFor(options: OpenTandemOptions, name: string, base: string | undefined): WorkerConnector {
  const { worker, sharedWorker = true } = options;
  if (typeof worker !== 'string' && !(worker instanceof URL)) return new SharedWorkerConnector(worker, name);
  const url = new URL(String(worker), base).href;
  if (sharedWorker && typeof SharedWorker !== 'undefined') return new SharedWorkerConnector(url, `tandem:${name}`);
  return new ElectedWorkerConnector(url, name, `tandem:${name}`);
}

/** A live query as the tab keeps it, so it can be asked again of a fresh worker. */
interface LiveHandle {
  sql: string;
  params: unknown[];
  onChange: (rows: Row[]) => void;
  /** The app's onError, or the console: a refused subscribe, re-subscribe or re-evaluation. */
  onError: (error: TandemError) => void;
  /** Its id at the worker of `link`; null until subscribed. */
  subId: string | null;
  link: WorkerLink | null;
  /** A subscribe is under way through a retried call (it reaches the fresh worker by itself). */
  pending: boolean;
  cancelled: boolean;
}

/**
 * Connects this tab to the app's Tandem worker: the origin's SharedWorker (started by the first
 * tab), or, without SharedWorker, the dedicated Worker of the tab elected to host it. When that
 * worker dies, the tab connects to a fresh one by itself (`db.connection`).
 */
export async function openTandem<A extends ActionDefinitions = ActionDefinitions>(options: OpenTandemOptions): Promise<Tandem<A>> {
  const { worker: _worker, timeoutMs = 30_000, sharedWorker: _shared, persistStorage = true, sync, ...rest } = options;
  const base = globalThis.location?.href;
  // A function cannot cross to the worker (nor would it belong in the version hash): the tab keeps it.
  const { getToken, ...syncConfig } = sync ?? { url: '' };
  const config: TandemConfig = { ...rest, ...(sync ? { sync: syncConfig } : {}), actionsUrl: new URL(String(options.actionsUrl), base).href };
  const name = config.name ?? 'tandem';

  const subs = new LiveSubscriptions();
  const updates = new UpdateFeed();
  const handles = new Set<LiveHandle>();
  // A refusal for being outdated is also how a tab learns of an update it missed.
  const noteRefusal = (error: unknown): unknown => {
    const err = toError(error);
    if ((err as { kind?: unknown } | null)?.kind === ErrorKind.updateRequired) updates.fromRefusal((err as { details?: unknown }).details);
    return err;
  };
  const rethrow = (error: unknown): never => {
    throw noteRefusal(error);
  };
  let feed: SyncFeed | null = null;
  /**
   * What the app last gave (a signIn, or a token alone, or getToken's answer), to give a fresh worker
   * again; forgotten once any tab signs out (the status says so), so a restart cannot sign the user
   * back in.
   */
  let session: { token: string; user?: string } | null = null;
  const answerToken = getToken
    ? tokenResponder(
        getToken,
        (requestId, fresh) => connection.call((api) => api.answerTokenRequest(requestId, fresh)),
        (fresh) => (session = { ...session, token: fresh }),
      )
    : null;
  const early: Extract<WorkerEvent, { tandem: 'sync' | 'rejected' }>[] = [];
  const onEvent = (data: WorkerEvent) => {
    if (isLiveMessage(data)) subs.apply(data.batch);
    else if (data.tandem === 'wiped') session = null;
    else if (data.tandem === 'update') updates.fromEvent(data);
    else if (data.tandem === 'token') answerToken?.(data);
    else if (data.tandem === 'sync' || data.tandem === 'rejected') {
      if (!feed) early.push(data);
      else if (data.tandem === 'sync') feed.setStatus(data.status);
      else feed.reject(data.rejections);
    }
  };

  const subscribe = async (handle: LiveHandle, link: WorkerLink): Promise<void> => {
    const result = await link.api.subscribe(handle.sql, handle.params);
    if (handle.cancelled) return void link.api.unsubscribe(result.subId).catch(() => {});
    handle.subId = result.subId;
    handle.link = link;
    subs.add(result.subId, result.rows, handle.onChange, handle.onError);
  };

  // On the user's first interaction: Firefox prompts for it, and ignores a request without a gesture.
  const stopAskingForStorage = persistStorage ? requestPersistentStorageOnInteraction() : () => {};
  const tabId = newTabId();
  const lock = holdTabLock(tabLockName(tabId));
  const connection = new WorkerConnection({
    connector: connectorFor(options, name, base),
    request: { tabId, config, ...(getToken ? { tokenCallback: true } : {}) },
    // The worker (a first tab's: its script, engine and journal) starts while the lock is granted.
    beforeConnect: lock.held,
    timeoutMs,
    onEvent,
    toError,
    log: (message) => console.info(`[tandem] ${message}`),
    // E.g. the worker died and the fresh one runs a newer version: the app hears it as an update.
    onFailed: noteRefusal,
    async restore(link) {
      // The old worker's subscription ids mean nothing to this one; its diffs can no longer come.
      subs.clear();
      const again = [...handles].filter((h) => !h.pending && !h.cancelled);
      for (const h of again) h.subId = null;
      const results = await Promise.allSettled(again.map((h) => subscribe(h, link)));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        // The new worker refused it (e.g. its table is gone): it is over. Anything else (this worker
        // died too) leaves it to the next restore.
        if (!isTandemErrorData(r.reason)) return console.error('[tandem] a live query failed on the new worker', r.reason);
        const handle = again[i]!;
        handles.delete(handle);
        handle.onError(fromErrorData(r.reason));
      });
      if (session) {
        const given = session;
        // Refused (e.g. signed out meanwhile in another tab): the status says why; the tab goes on.
        await (given.user !== undefined ? link.api.signIn({ user: given.user, token: given.token }) : link.api.setSyncToken(given.token)).catch((error: unknown) =>
          console.warn('[tandem] the fresh worker refused the sign-in this tab had', error),
        );
      }
      const status = await link.api.status();
      feed?.setStatus(status.sync);
    },
  });
  try {
    await connection.open();
  } catch (error) {
    // A failed open keeps nothing: the worker sees this tab go (its lock) and the port closes.
    lock.release();
    connection.close();
    stopAskingForStorage();
    throw error;
  }
  const call = <T>(fn: (api: WorkerLink['api'], link: WorkerLink) => Promise<T>): Promise<T> => connection.call(fn).catch(rethrow);

  const syncFeed = new SyncFeed((await call((api) => api.status())).sync);
  feed = syncFeed;
  for (const m of early.splice(0)) {
    if (m.tandem === 'sync') syncFeed.setStatus(m.status);
    else if (m.tandem === 'rejected') syncFeed.reject(m.rejections);
  }
  // The server needing a newer client is an update too: the reload brings it.
  syncFeed.onStatus((status) => {
    if (status.updateRequired) updates.fromRefusal(null);
    if (status.signedOut) session = null;
  });

  let callSeq = 0;
  const actions = new Proxy({} as ActionCallers<A>, {
    get(_target, actionName) {
      if (typeof actionName !== 'string' || actionName === 'then') return undefined;
      return (args: unknown) => {
        // The call's identity: retried on a fresh worker under it, an action runs once.
        const callId = `${tabId}-${++callSeq}`;
        return call((api) => api.run(actionName, args, callId));
      };
    },
  });

  let closed = false;
  let unregister = () => {};
  const db: Tandem<A> = {
    actions,
    get clientId() {
      return connection.result.clientId;
    },
    tabId,
    get version() {
      return connection.result.version;
    },
    get schemaVersion() {
      return connection.result.schemaVersion;
    },
    get connection() {
      return connection.state;
    },
    onConnection: (fn) => connection.onState(fn),
    get updateAvailable() {
      return updates.current !== null;
    },
    onUpdate: (fn) => updates.onUpdate(fn),
    query: <R extends Row>(sql: string, params?: unknown[]) => call((api) => api.query(sql, params)) as Promise<R[]>,
    live<R extends Row>(sql: string, params: unknown[] | undefined, onChange: (rows: R[]) => void, onError?: (error: TandemError) => void) {
      const handle: LiveHandle = {
        sql,
        params: params ?? [],
        onChange: onChange as (rows: Row[]) => void,
        onError: liveErrorHandler(sql, onError),
        subId: null,
        link: null,
        pending: true,
        cancelled: false,
      };
      handles.add(handle);
      call((_api, link) => subscribe(handle, link)).then(
        () => (handle.pending = false),
        (error: unknown) => {
          handle.pending = false;
          handles.delete(handle);
          // Unsubscribed meanwhile: the app no longer listens.
          if (!handle.cancelled) handle.onError(error instanceof TandemError ? error : fromErrorData(toErrorData(error)));
        },
      );
      return () => {
        handle.cancelled = true;
        handles.delete(handle);
        const { subId, link } = handle;
        if (subId === null || !link) return;
        subs.remove(subId);
        // A dead worker's subscriptions died with it.
        if (!connection.isLive(link)) return subs.forget(subId);
        // The response follows every live message sent before it on this port.
        link.api.unsubscribe(subId).then(() => subs.forget(subId), () => subs.forget(subId));
      };
    },
    status: () => call((api) => api.status()),
    debug: () => call((api) => api.debug()),
    sync: {
      get status() {
        return syncFeed.current;
      },
      onStatus: (fn) => syncFeed.onStatus(fn),
      onRejected: (fn) => syncFeed.onRejected(fn),
      addChannels: (channels) => call((api) => api.addChannels(channels)),
      setToken: async (next) => {
        await call((api) => api.setSyncToken(next));
        session = { ...session, token: next };
      },
      signIn: async (given) => {
        await call((api) => api.signIn(given));
        session = { user: given.user, token: given.token };
      },
      signOut: async (options) => {
        session = null;
        let answered: WorkerLink | null = null;
        const result = await call(async (api, link) => {
          const done = await api.signOut(options);
          answered = link;
          return done;
        });
        // After the call settled: relinking inside it would count as a lost link, and retry it.
        if (options?.data === 'wipe' && answered) connection.relink(answered);
        return result;
      },
      now: () => call((api) => api.syncNow()),
      acknowledgeRejections: (ids) => call((api) => api.acknowledgeRejections(ids)),
      pending: () => call((api) => api.pendingActions()),
      discard: (id) => call((api) => api.discard(id)),
    },
    close() {
      if (closed) return;
      closed = true;
      unregister();
      subs.clear();
      syncFeed.clear();
      updates.clear();
      connection.close();
      lock.release();
      stopAskingForStorage();
    },
  };
  unregister = registerInPage(db as unknown as Tandem);
  return db;
}
