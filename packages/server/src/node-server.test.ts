import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from './node-server.ts';
import type { TandemServer } from './node-server.ts';
import { bearerToken } from './http/auth.ts';
import { invalidRequest, unauthorized } from './http/errors.ts';
import { readJsonBody } from './http/read-json.ts';
import { NOTES_SERVER, notesPush, post, pullAll, recordingLogger, snapshotNotes } from './http/sync-app.fixture.ts';

describe('startTandemServer({ configure }): an app mounts its own routes and middleware', () => {
  let server: TandemServer;
  const seen: string[] = [];
  const logger = recordingLogger();

  beforeAll(async () => {
    server = await startTandemServer({
      ...NOTES_SERVER,
      logger,
      configure(app, tandem) {
        app.use('*', async (c, next) => {
          seen.push(`${c.req.method} ${c.req.path}`);
          await next();
          c.header('X-App', 'demo');
        });
        app.post('/api/echo', async (c) => {
          const token = bearerToken(c.req.raw, 'API_TOKEN');
          if (token === null) throw unauthorized('Missing credentials: send "Authorization: Bearer <API_TOKEN>".');
          const body = await readJsonBody(c.req.raw, 64, { tooLargeHint: '', optional: true });
          if (body !== undefined && typeof body !== 'object') throw invalidRequest('The request body must be a JSON object.');
          return c.json({ token, body: body ?? null });
        });
        app.post('/api/note', async (c) => {
          const { result, commit } = await tandem.invoke('addNote', { room: 'r2', body: 'from the api' }, { id: 'api' });
          return c.json({ id: result, version: commit.version, head: await tandem.store.head() });
        });
        app.post('/api/fail', async (c) => c.json(await tandem.invoke('failNote', {}, { id: 'api' })));
      },
      static: { fetch: () => new Response('fallback', { status: 404 }) },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const echo = (body: string, headers: Record<string, string> = { authorization: 'Bearer t1' }) =>
    fetch(`${server.url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers the custom route before the static fallback', async () => {
    const res = await echo('{"a":1}');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-app')).toBe('demo');
    expect(await res.json()).toEqual({ token: 't1', body: { a: 1 } });

    const empty = await echo('');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ token: 't1', body: null });

    const other = await fetch(`${server.url}/elsewhere`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('fallback');
  });

  it('answers the TandemErrors its routes throw as JSON, with the server helpers\' statuses', async () => {
    const missing = await echo('{}', {});
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ kind: 'unauthorized', message: 'Missing credentials: send "Authorization: Bearer <API_TOKEN>".' });

    const malformed = await echo('{}', { authorization: 'Basic t1' });
    expect(malformed.status).toBe(401);
    expect(await malformed.json()).toEqual({ kind: 'unauthorized', message: 'The Authorization header must be "Bearer <API_TOKEN>".' });

    const big = await echo(JSON.stringify({ text: 'x'.repeat(100) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ kind: 'too_large', message: 'The request body is larger than 64 bytes.' });

    const notJson = await echo('{"a":');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ kind: 'invalid_request', message: expect.stringMatching(/not valid JSON/) });

    const notObject = await echo('3');
    expect(notObject.status).toBe(400);
    expect(await notObject.json()).toEqual({ kind: 'invalid_request', message: 'The request body must be a JSON object.' });
  });

  it('gives the routes the store and invoke', async () => {
    const res = await fetch(`${server.url}/api/note`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { id, version, head } = (await res.json()) as { id: string; version: number; head: number };
    expect(head).toBe(version);
    const pull = await post(server.url, '/sync/pull', pullAll('api-reader', ['r2']));
    expect(snapshotNotes(pull.body)).toEqual([{ id, room: 'r2', body: 'from the api' }]);
  });

  it('answers an action that refuses, from invoke, as 422 with its message, and logs nothing', async () => {
    const res = await fetch(`${server.url}/api/fail`, { method: 'POST' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ kind: 'action_failed', message: expect.stringMatching(/failNote always fails/) });
    expect(logger.errors).toEqual([]);
  });

  it('keeps the sync routes working, behind the app\'s middleware', async () => {
    seen.length = 0;
    const health = await fetch(`${server.url}/sync/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-app')).toBe('demo');
    expect(await health.json()).toEqual({ ok: true, version: await server.store.head(), schemaVersion: 0 });

    const pushed = await post(server.url, '/sync/push', notesPush('configure-client', [{ room: 'r1', body: 'one' }]));
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ lastSeq: 1, rejected: [] });
    expect(seen).toEqual(['GET /sync/health', 'POST /sync/push']);
  });
});
