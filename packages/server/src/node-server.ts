/**
 * `startTandemServer`: the whole sync server on Node in one call — database driver (Postgres when a
 * URL is given, else embedded PGlite on disk), sync store, the Tandem app with WebSockets and
 * optionally static files, listening on one port. `close()` undoes all of it, in order.
 */
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import type { ActionDefinitions, Migration } from '@tandem/core';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { createTandemApp } from './http/app.ts';
import { cachedStatic } from './http/static-files.ts';
import type { TandemApp, TandemAppOptions } from './http/app.ts';
import { createPgliteDriver } from './store/pglite-driver.ts';
import { createPostgresDriver } from './store/postgres-driver.ts';
import type { SqlDriver } from './store/sql-driver.ts';
import { createSyncStore } from './sync/create-sync-store.ts';
import type { AuthUser, ChannelColumns, CommitInfo, SyncStore } from './sync/sync-store.ts';

export interface DatabaseOptions {
  /** `postgres://…`: use that server (every instance of the app may share it). */
  url?: string;
  /** Embedded PGlite's data directory (`memory://` for a throwaway database). Used when `url` is absent. */
  dataDir?: string;
  /** An already open driver (tests, custom pools). It is NOT closed by `close()`. */
  driver?: SqlDriver;
}

export interface StaticOptions {
  /**
   * Serve the files under this directory for requests the sync endpoints do not handle: files under
   * an `immutable/` folder (the worker bundle's content-hashed ones) cached for a year, the rest
   * `no-cache` with a content ETag and Last-Modified (304 when unchanged).
   */
  root?: string;
  /**
   * Or answer those requests yourself (takes precedence over `root`). `raw.url` is the request
   * target exactly as sent: `request.url` has already resolved `..` segments, hiding traversal attempts.
   * A Hono app's `fetch` fits (`raw` is its `c.env`). Routes that must not be a fallback belong in
   * `configure`.
   */
  fetch?: (request: Request, raw: { url: string }) => Response | Promise<Response>;
}

export interface TandemServerOptions extends Omit<TandemAppOptions, 'store' | 'driver'> {
  /** 0 picks a free port (see the returned `port`). */
  port: number;
  hostname?: string;
  /** The app's schema SQL, channel columns and actions (the same the worker uses). */
  schema: string;
  channels: ChannelColumns;
  actions: ActionDefinitions;
  /**
   * The app's migrations, the list its actions module exports (see SyncStoreOptions.migrations):
   * at start the database runs the steps it has not run; their number is the schema version
   * clients must match.
   */
  migrations?: readonly Migration[];
  database?: DatabaseOptions;
  static?: StaticOptions;
  /**
   * Pokes carry a commit's changes when it has at most this many, so subscribers skip their pull
   * (default 100; 0 = pokes never carry changes). Changes go to sockets whose channels passed the
   * read rule when they subscribed. Ignored when realtime is off.
   */
  commitChanges?: number;
}

export interface TandemServer {
  /** `http://localhost:<port>` (or the given hostname). */
  readonly url: string;
  readonly port: number;
  readonly app: Hono;
  readonly tandem: TandemApp;
  readonly store: SyncStore;
  readonly driver: SqlDriver;
  readonly server: ServerType;
  /** Runs an action as the server; subscribers are poked like for a push. */
  invoke(name: string, args: unknown, user: AuthUser): Promise<{ result: unknown; commit: CommitInfo }>;
  /** Closes sockets, the HTTP server and (unless it was passed in) the database driver. */
  close(): Promise<void>;
}

async function openDriver(database: DatabaseOptions): Promise<SqlDriver> {
  if (database.driver) return database.driver;
  if (database.url) return createPostgresDriver(database.url);
  return createPgliteDriver({ dataDir: database.dataDir ?? 'memory://' });
}

export async function startTandemServer(options: TandemServerOptions): Promise<TandemServer> {
  const { port, hostname, schema, channels, actions, migrations, database = {}, static: statics, commitChanges, ...appOptions } = options;
  const driver = await openDriver(database);
  const ownsDriver = !database.driver;
  let tandem: TandemApp | null = null;
  try {
    const store = await createSyncStore(driver, {
      schema,
      channels,
      actions,
      ...(migrations !== undefined && { migrations }),
      // Without realtime nobody receives a commit's changes: do not collect them.
      commitChanges: appOptions.realtime === false ? 0 : commitChanges,
    });
    tandem = await createTandemApp({ ...appOptions, store, driver });
    const { app } = tandem;
    if (statics?.fetch) {
      const fetch = statics.fetch;
      app.all('*', (c) => {
        const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
        const url = new URL(c.req.url);
        return fetch(c.req.raw, { url: incoming?.url ?? url.pathname + url.search });
      });
    } else if (statics?.root) {
      app.use('*', cachedStatic(statics.root));
    }

    const server = await listen(app, port, hostname);
    tandem.attach(server);
    const actualPort = (server.address() as AddressInfo).port;
    const host = !hostname || hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname.includes(':') ? `[${hostname}]` : hostname;
    const t = tandem;
    let closing: Promise<void> | null = null;
    return {
      url: `http://${host}:${actualPort}`,
      port: actualPort,
      app,
      tandem: t,
      store,
      driver,
      server,
      invoke: (name, args, user) => t.invoke(name, args, user),
      close: () =>
        (closing ??= (async () => {
          await t.close();
          await closeServer(server);
          if (ownsDriver) await driver.close();
        })()),
    };
  } catch (e) {
    await tandem?.close().catch(() => {});
    if (ownsDriver) await driver.close().catch(() => {});
    throw e;
  }
}

function listen(app: Hono, port: number, hostname: string | undefined): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, ...(hostname !== undefined && { hostname }) }, () => {
      server.off('error', reject);
      resolve(server);
    });
    server.once('error', reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((e) => (e ? reject(e) : resolve()));
    // Keep-alive connections would hold close() open until they time out.
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}
