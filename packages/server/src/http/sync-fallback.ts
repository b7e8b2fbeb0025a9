/**
 * The rest of the sync namespace: a wrong method on a sync endpoint is 405 with `Allow`, any other
 * path under `{base}/` is 404, a plain GET of the socket endpoint is 426, all as the documented
 * `{ kind, message }` JSON. Without this Hono answers `404 Not Found` as text/plain, which a client
 * parsing errors (the worker) cannot read. Mounted after the sync routes and before any static
 * fallback, so it claims only the sync namespace; routes an app adds in `configure` come first.
 */
import type { Context, Hono } from 'hono';
import { ErrorKind } from '@tandem/core';

export interface SyncEndpoint {
  path: string;
  /** Methods it answers (HEAD comes with GET). */
  methods: readonly string[];
  /** Answered when the method is right but the request is not a WebSocket upgrade. */
  websocket?: boolean;
}

const error = (c: Context, status: 404 | 405 | 426, message: string, headers: Record<string, string> = {}) =>
  c.json({ kind: ErrorKind.invalidRequest, message }, status, headers);

export function addSyncFallback(app: Hono, base: string, endpoints: readonly SyncEndpoint[]): void {
  for (const { path, methods, websocket } of endpoints) {
    const allow = methods.includes('GET') ? [...methods, 'HEAD'] : [...methods];
    app.all(path, (c) => {
      if (websocket && allow.includes(c.req.method)) {
        return error(c, 426, `${path} is the sync WebSocket: connect with "Upgrade: websocket".`, { Upgrade: 'websocket' });
      }
      return error(c, 405, `${c.req.method} is not allowed on ${path}; use ${allow.join(' or ')}.`, { Allow: allow.join(', ') });
    });
  }
  // With an empty base the sync endpoints sit at the root: every other path is the app's.
  if (base === '') return;
  const known = endpoints.map((e) => e.path).join(', ');
  const notFound = (c: Context) => error(c, 404, `No sync endpoint at ${c.req.path}; the endpoints are ${known}.`);
  app.all(base, notFound);
  app.all(`${base}/*`, notFound);
}
