/**
 * `createTandemApp`: the sync endpoints (push, pull, health, socket) as a Hono app, plus the poke
 * fan-out. WebSockets on Node need the HTTP server itself, so the app is handed back with
 * `attach(server)`; `startTandemServer` does all of this for you.
 */
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { SYNC_LIMITS } from '@tandem/core';
import type { ServerType } from '@hono/node-server';
import { createFanOut } from '../realtime/fan-out.ts';
import type { CommitBusStats } from '../realtime/commit-bus.ts';
import type { FanOut } from '../realtime/fan-out.ts';
import type { PokeHub } from '../realtime/poke-hub.ts';
import type { SqlDriver } from '../store/sql-driver.ts';
import type { AuthUser, CanWrite, CommitInfo, SyncStore } from '../sync/sync-store.ts';
import type { Authenticate, CanRead } from './auth.ts';
import { ensureErrorEvent } from './error-event.ts';
import { consoleLogger, describeError } from './errors.ts';
import type { Logger } from './errors.ts';
import { addSyncRoutes } from './sync-routes.ts';
import { addSocketRoute } from './socket-route.ts';
import { addSyncFallback } from './sync-fallback.ts';
import { createOriginPolicy, guardUpgrades } from './origins.ts';
import type { CorsOptions } from './origins.ts';

export interface RealtimeOptions {
  /** Postgres notification channel shared by all instances of this app (default `tandem_commits`). */
  channel?: string;
  /** This instance's id in notifications (default: random). */
  instanceId?: string;
}

export interface TandemAppOptions {
  store: SyncStore;
  authenticate: Authenticate;
  canRead: CanRead;
  /**
   * May `user` change rows of `channel`? Checked for every channel a pushed action's changes touch
   * (both sides of a row's move): a denied action is rolled back and rejected `forbidden`, naming
   * the channel, and the client rolls it back. Default: `canRead`. Not applied to `invoke`.
   */
  canWrite?: CanWrite;
  /**
   * The store's driver: commits are announced to other server instances through its LISTEN/NOTIFY.
   * Omit it when this is the only instance.
   */
  driver?: SqlDriver;
  /** Path prefix of the sync endpoints (default `/sync`). */
  base?: string;
  /** `false` turns pokes off entirely (no socket endpoint, no LISTEN/NOTIFY): clients poll. */
  realtime?: boolean | RealtimeOptions;
  /** Interval of WebSocket pings; a peer that missed one is dropped at the next (default 15 s). */
  pingIntervalMs?: number;
  /** A socket that has not sent `hello` by then is closed (default 10 s). */
  helloTimeoutMs?: number;
  /** Request body limit in bytes (default `SYNC_LIMITS.body`). */
  bodyLimit?: number;
  logger?: Logger;
  /**
   * Lets browser pages on other origins use the sync endpoints: preflights answered, answers
   * readable, sockets accepted. Default: same-origin only (no CORS headers; a socket upgrade whose
   * `Origin` is not this server's is refused 403, one without `Origin` is not a browser's and passes).
   */
  cors?: CorsOptions;
  /**
   * Adds the app's own routes and middleware. Called before the sync routes are mounted, so its
   * middleware wraps them too (logging, CORS); errors its routes throw are answered like the sync
   * endpoints' (`{kind, message}` with a status from the kind). `tandem.invoke` runs an action
   * as the server, poking subscribers.
   */
  configure?: (app: Hono, tandem: Pick<TandemApp, 'store' | 'invoke'>) => void;
}

export interface TandemAppStats {
  sockets: number;
  subscriptions: number;
  /** Cross-instance notifications; null without a driver or with realtime off. */
  bus: Readonly<CommitBusStats> | null;
}

export interface TandemApp {
  readonly app: Hono;
  readonly store: SyncStore;
  /** Null when realtime is off. */
  readonly instanceId: string | null;
  /** Lets the HTTP server upgrade `GET {base}/ws` to WebSockets. Call once, before listening. */
  attach(server: ServerType): void;
  /** Runs an action as the server (jobs, agents); it is pushed to subscribers like a client's. */
  invoke(name: string, args: unknown, user: AuthUser): Promise<{ result: unknown; commit: CommitInfo }>;
  /** Resolves once commits so far have been announced to other instances. */
  flush(): Promise<void>;
  stats(): TandemAppStats;
  /** Closes every socket and stops listening; does not close the store or the driver. */
  close(): Promise<void>;
}

export async function createTandemApp(options: TandemAppOptions): Promise<TandemApp> {
  const { store } = options;
  const base = (options.base ?? '/sync').replace(/\/+$/, '');
  const logger = options.logger ?? consoleLogger;
  const realtime = options.realtime ?? true;
  // First: a bad option throws before anything is opened.
  const origins = createOriginPolicy(options.cors, ['GET', 'POST']);

  const fanOut: FanOut | null =
    realtime === false
      ? null
      : await createFanOut({
          ...(options.driver && { driver: options.driver }),
          ...(typeof realtime === 'object' && realtime),
          onError: (e) => logger.error('poke fan-out failed:', e),
        });
  const committed = (commit: CommitInfo): void => fanOut?.committed(commit);
  const invoke: TandemApp['invoke'] = async (name, args, user) => {
    const out = await store.invoke(name, args, user);
    committed(out.commit);
    return out;
  };
  const hub: PokeHub | null = fanOut?.hub ?? null;
  // Pushes from clients (HTTP and socket) go through the write rule; the app's own `store` and
  // `invoke` stay unchecked. A view over the store, so the routes need not know the rule.
  const canWrite = options.canWrite ?? options.canRead;
  const clientStore: SyncStore = Object.create(store, {
    push: { value: ((clientId, user, actions, schemaVersion) => store.push(clientId, user, actions, schemaVersion, canWrite)) satisfies SyncStore['push'] },
  }) as SyncStore;

  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = describeError(error, logger, `${c.req.method} ${c.req.path}`);
    return c.json(body, status);
  });
  options.configure?.(app, { store, invoke });
  // After configure, so the app's middleware (logging) wraps preflights too; before the sync routes.
  if (origins.cors) {
    const paths = base === '' ? ['/push', '/pull', '/health', '/ws'] : [`${base}/*`];
    for (const path of paths) app.use(path, origins.cors);
  }

  addSyncRoutes(app, {
    base,
    store: clientStore,
    authenticate: options.authenticate,
    canRead: options.canRead,
    committed,
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
  });

  if (hub) ensureErrorEvent(); // else a bad frame never reaches the socket's onError on Node 20
  const ws = hub ? createNodeWebSocket({ app }) : null;
  const sockets =
    ws && hub
      ? addSocketRoute(app, {
          path: `${base}/ws`,
          upgradeWebSocket: ws.upgradeWebSocket,
          wss: ws.wss,
          store: clientStore,
          hub,
          committed,
          authenticate: options.authenticate,
          canRead: options.canRead,
          logger,
          pingIntervalMs: options.pingIntervalMs ?? 15_000,
          bodyLimit: options.bodyLimit ?? SYNC_LIMITS.body,
          helloTimeoutMs: options.helloTimeoutMs ?? 10_000,
        })
      : null;
  addSyncFallback(app, base, [
    { path: `${base}/push`, methods: ['POST'] },
    { path: `${base}/pull`, methods: ['POST'] },
    { path: `${base}/health`, methods: ['GET'] },
    ...(sockets ? [{ path: `${base}/ws`, methods: ['GET'], websocket: true }] : []),
  ]);

  let closed = false;
  return {
    app,
    store,
    instanceId: fanOut?.instanceId ?? null,
    attach(server) {
      // CORS does not cover WebSockets, and a browser sends cookies with any site's upgrade.
      if (ws) guardUpgrades(server, (s) => ws.injectWebSocket(s as ServerType), origins.socketRefusal);
    },
    invoke,
    flush: async () => {
      await fanOut?.bus?.flush();
    },
    stats: () => ({
      sockets: ws?.wss.clients.size ?? 0,
      subscriptions: hub?.size ?? 0,
      bus: fanOut?.bus?.stats ?? null,
    }),
    async close() {
      if (closed) return;
      closed = true;
      await sockets?.close();
      await fanOut?.close();
    },
  };
}
