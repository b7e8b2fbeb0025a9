/**
 * `POST {base}/push`, `POST {base}/pull`, `GET {base}/health`. Order of checks: credentials (401),
 * body size (413), JSON and shape (400), read permission (403), then the store — so a refused
 * request never reaches the database. The store checks the schema versions (409 `server_outdated`
 * or `update_required`) before it touches the database too.
 */
import type { Hono } from 'hono';
import { SYNC_LIMITS, parsePullRequest, parsePushRequest } from '@tandem/core';
import type { SyncStore } from '../sync/sync-store.ts';
import type { CommitInfo } from '../sync/sync-store.ts';
import { assertCanRead, authenticateToken, bearerToken } from './auth.ts';
import type { Authenticate, CanRead } from './auth.ts';
import { readJsonBody } from './read-json.ts';

export interface SyncRouteOptions {
  base: string;
  store: SyncStore;
  authenticate: Authenticate;
  canRead: CanRead;
  /** Called after every commit a push produced (pokes). */
  committed(commit: CommitInfo): void;
  /** Request body limit in bytes (default `SYNC_LIMITS.body`). */
  bodyLimit?: number;
}

export function addSyncRoutes(app: Hono, options: SyncRouteOptions): void {
  const { base, store, authenticate, canRead, committed } = options;
  const limit = options.bodyLimit ?? SYNC_LIMITS.body;

  app.post(`${base}/push`, async (c) => {
    const request = c.req.raw;
    const user = await authenticateToken(authenticate, bearerToken(request), request);
    const push = parsePushRequest(await readJsonBody(request, limit));
    const { response, commit } = await store.push(push.clientId, user, push.actions, push.schemaVersion ?? 0);
    if (commit) committed(commit);
    return c.json(response);
  });

  app.post(`${base}/pull`, async (c) => {
    const request = c.req.raw;
    const user = await authenticateToken(authenticate, bearerToken(request), request);
    const pull = parsePullRequest(await readJsonBody(request, limit));
    await assertCanRead(canRead, user, pull.channels.map((c) => c.channel));
    return c.body(await store.pullJson(pull, user), 200, { 'content-type': 'application/json' });
  });

  app.get(`${base}/health`, async (c) => c.json({ ok: true, version: await store.head(), schemaVersion: store.schemaVersion }));
}
