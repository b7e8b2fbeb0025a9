// POST /api/session (a token for a new anonymous user) and, with TANDEM_ADMIN_TOKEN, the admin
// endpoints (see serve.mjs). Refusals are TandemErrors, which the sync server answers as JSON
// `{ kind, message }` with the status of their kind, like its own.
import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken, forbidden, invalidRequest, readJsonBody, unauthorized } from '@tandem/server';
import { rateLimit } from './rate-limit.mjs';
import { plainText } from './static.mjs';

/** Admin request bodies are small: `{ name, args }` or `{ version }`. */
const ADMIN_BODY_LIMIT = 1024 * 1024;
const ADMIN_ENDPOINTS = ['/api/admin/invoke', '/api/admin/compact'];

const digest = (text) => createHash('sha256').update(text).digest();
// Digests: equal length, so the comparison takes constant time.
const isAdminToken = (token, adminToken) => timingSafeEqual(digest(token), digest(adminToken));

/** Errors that are not the server's own kinds (404 off or unknown, 405) and need their own status. */
const refuse = (c, status, message) => c.json({ kind: 'invalid_request', message }, status);

/** The JSON object body of an admin request with only the `allowed` fields. */
async function adminBody(request, allowed, { optional = false } = {}) {
  const body = await readJsonBody(request, ADMIN_BODY_LIMIT, { tooLargeHint: '', optional });
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalidRequest(`Unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed.join(', ')}.`);
  return body;
}

/** Adds the routes to the sync server's app (`configure(app, tandem)` of startTandemServer). */
export function addApiRoutes(app, { sessions, adminToken, tandem, sessionLimiter = null, trustProxy = false }) {
  // A token or an admin answer is for this request only (admin errors included). Each token is a
  // new user: `sessionLimiter` (rate-limit.mjs) caps how fast one address gets them (429).
  const limited = sessionLimiter ? [rateLimit(sessionLimiter, { trustProxy, what: 'session requests' })] : [];
  app.post('/api/session', ...limited, async (c) => c.json(await sessions.issue(), 200, { 'Cache-Control': 'no-store' }));
  app.all('/api/session', (c) => plainText(c, 405, 'Method not allowed: POST to get a session token.\n', { Allow: 'POST' }));

  app.use('/api/admin/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.all('/api/admin/*', async (c, next) => {
    if (!adminToken) return refuse(c, 404, 'Admin endpoints are off: start the server with TANDEM_ADMIN_TOKEN set.');
    const token = bearerToken(c.req.raw, 'TANDEM_ADMIN_TOKEN');
    if (token === null) throw unauthorized('Missing credentials: send "Authorization: Bearer <TANDEM_ADMIN_TOKEN>".');
    if (!isAdminToken(token, adminToken)) throw forbidden('That is not the admin token: admin endpoints need TANDEM_ADMIN_TOKEN.');
    const { path } = c.req;
    if (!ADMIN_ENDPOINTS.includes(path)) return refuse(c, 404, `No admin endpoint ${path}: use POST /api/admin/invoke or /api/admin/compact.`);
    if (c.req.method !== 'POST') return refuse(c, 405, `Method not allowed: POST to ${path}.`);
    return next();
  });

  // Runs an action as the server (user "admin"); it reaches every subscribed device like a device's own.
  app.post('/api/admin/invoke', async (c) => {
    const body = await adminBody(c.req.raw, ['name', 'args']);
    if (typeof body.name !== 'string' || body.name === '') throw invalidRequest('"name" must be the name of an action, e.g. "addTodo".');
    if (!('args' in body)) throw invalidRequest('"args" is required: the action\'s arguments as JSON.');
    // An action that refuses is answered 422 by the server's error mapping.
    const { result } = await tandem.invoke(body.name, body.args, { id: 'admin' });
    return c.json({ result: result ?? null });
  });

  // Drops the change log up to `version` (default: the head); devices behind it get a snapshot.
  app.post('/api/admin/compact', async (c) => {
    const body = await adminBody(c.req.raw, ['version'], { optional: true });
    if (body.version !== undefined && (!Number.isSafeInteger(body.version) || body.version < 0)) {
      throw invalidRequest('"version" must be an integer ≥ 0 (omit it to compact up to the head).');
    }
    const { store } = tandem;
    const version = body.version ?? (await store.head());
    await store.compact(version);
    return c.json({ horizon: version });
  });
}
