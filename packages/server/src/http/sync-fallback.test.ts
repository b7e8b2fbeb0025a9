import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, recordingLogger } from './sync-app.fixture.ts';

async function answer(url: string, method: string): Promise<{ status: number; type: string | null; allow: string | null; body: any }> {
  const res = await fetch(url, { method });
  return { status: res.status, type: res.headers.get('content-type'), allow: res.headers.get('allow'), body: await res.json() };
}

describe('every /sync/* answer is the JSON error shape (real server)', () => {
  let server: TandemServer;
  let quiet: TandemServer;
  const logger = recordingLogger();

  beforeAll(async () => {
    server = await startTandemServer({ ...NOTES_SERVER, logger, static: { fetch: () => new Response('the app', { status: 200 }) } });
    quiet = await startTandemServer({ ...NOTES_SERVER, logger, realtime: false });
  });
  afterAll(async () => {
    await server?.close();
    await quiet?.close();
    expect(logger.errors).toEqual([]);
  });

  it('a wrong method on an endpoint is 405 JSON with Allow', async () => {
    for (const [method, path, allow] of [
      ['GET', '/sync/push', 'POST'],
      ['PUT', '/sync/pull', 'POST'],
      ['DELETE', '/sync/health', 'GET, HEAD'],
      ['POST', '/sync/ws', 'GET, HEAD'],
    ] as const) {
      const res = await answer(server.url + path, method);
      expect(res).toEqual({
        status: 405,
        type: 'application/json',
        allow,
        body: { kind: 'invalid_request', message: `${method} is not allowed on ${path}; use ${allow.replace(', ', ' or ')}.` },
      });
    }
  });

  it('an unknown path under /sync is 404 JSON; paths outside it stay the app\'s', async () => {
    for (const path of ['/sync', '/sync/', '/sync/nope', '/sync/push/extra']) {
      const res = await answer(server.url + path, 'GET');
      expect(res.status).toBe(404);
      expect(res.type).toBe('application/json');
      expect(res.body).toEqual({ kind: 'invalid_request', message: expect.stringMatching(/^No sync endpoint at \/sync.*; the endpoints are \/sync\/push, \/sync\/pull, \/sync\/health, \/sync\/ws\.$/) });
    }
    const app = await fetch(`${server.url}/elsewhere`);
    expect(await app.text()).toBe('the app');
  });

  it('a plain GET of the socket endpoint is 426 JSON; with realtime off it is not an endpoint', async () => {
    const res = await answer(`${server.url}/sync/ws`, 'GET');
    expect(res.status).toBe(426);
    expect(res.body.message).toMatch(/connect with "Upgrade: websocket"/);
    const off = await answer(`${quiet.url}/sync/ws`, 'GET');
    expect(off.status).toBe(404);
    expect(off.body.message).toMatch(/the endpoints are \/sync\/push, \/sync\/pull, \/sync\/health\.$/);
  });
});
