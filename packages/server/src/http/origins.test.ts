import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, notesPush, recordingLogger } from './sync-app.fixture.ts';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

function preflight(url: string, origin: string, headers = 'authorization, content-type'): Promise<Response> {
  return fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': headers } });
}

function push(url: string, origin: string | null, token = 'alice-token'): Promise<Response> {
  return fetch(`${url}/sync/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...(origin && { Origin: origin }) },
    body: JSON.stringify(notesPush(`c-${Math.random()}`, [{ room: 'r', body: 'x' }])),
  });
}

const cors = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-')));

/** Opens a real WebSocket with `origin` (none when null): 'open', or the refusal's status and JSON body. */
function connect(url: string, origin: string | null): Promise<'open' | { status: number; type: string | undefined; body: unknown }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/sync/ws`, origin === null ? {} : { origin });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: JSON.parse(text) }));
    });
    ws.once('error', reject);
  });
}

describe('CORS and the socket origin check (real servers, real WebSockets)', () => {
  let plain: TandemServer;
  let listed: TandemServer;
  let anyOrigin: TandemServer;
  const logger = recordingLogger();

  beforeAll(async () => {
    const configure: NonNullable<Parameters<typeof startTandemServer>[0]['configure']> = (app) => {
      app.get('/api/own', (c) => c.json({ ok: true }));
    };
    plain = await startTandemServer({ ...NOTES_SERVER, logger, configure });
    listed = await startTandemServer({ ...NOTES_SERVER, logger, configure, cors: { origins: [APP, 'http://localhost:5173/'], credentials: true } });
    anyOrigin = await startTandemServer({ ...NOTES_SERVER, logger, cors: { origins: '*' } });
  });
  afterAll(async () => {
    await plain?.close();
    await listed?.close();
    await anyOrigin?.close();
    expect(logger.errors).toEqual([]);
  });

  it('by default the server is same-origin only: no CORS headers, a preflight is the namespace 405', async () => {
    const pre = await preflight(`${plain.url}/sync/push`, APP);
    expect(pre.status).toBe(405);
    expect(cors(pre)).toEqual({});
    const res = await push(plain.url, APP);
    expect(res.status).toBe(200);
    expect(cors(res)).toEqual({});
  });

  it('a listed origin gets its preflight answered and CORS headers on every sync answer, errors included', async () => {
    const pre = await preflight(`${listed.url}/sync/push`, APP);
    expect(pre.status).toBe(204);
    expect(cors(pre)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, HEAD',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
    });
    expect(pre.headers.get('vary')).toContain('Origin');
    // Written with a trailing slash in the options: normalized.
    expect((await preflight(`${listed.url}/sync/pull`, 'http://localhost:5173')).status).toBe(204);

    const ok = await push(listed.url, APP);
    expect(ok.status).toBe(200);
    expect(cors(ok)).toEqual({ 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' });
    expect(ok.headers.get('vary')).toContain('Origin');
    const unauthorized = await push(listed.url, APP, 'nobody');
    expect(unauthorized.status).toBe(401);
    expect(cors(unauthorized)['access-control-allow-origin']).toBe(APP);
    const missing = await fetch(`${listed.url}/sync/nothing`, { headers: { Origin: APP } });
    expect(missing.status).toBe(404);
    expect(cors(missing)['access-control-allow-origin']).toBe(APP);
    // The app's own routes are its business.
    expect(cors(await fetch(`${listed.url}/api/own`, { headers: { Origin: APP } }))).toEqual({});
  });

  it('any other origin gets a 403 JSON preflight and no CORS headers', async () => {
    const pre = await preflight(`${listed.url}/sync/push`, EVIL);
    expect(pre.status).toBe(403);
    expect(cors(pre)).toEqual({});
    expect(await pre.json()).toEqual({ kind: 'forbidden', message: `Origin ${EVIL} is not allowed to call this sync server: list it in the server's cors.origins.` });
    const res = await push(listed.url, EVIL);
    expect(cors(res)).toEqual({});
    // Without Origin (not a browser) nothing changes.
    const bare = await push(listed.url, null);
    expect(bare.status).toBe(200);
    expect(cors(bare)).toEqual({});
  });

  it("origins '*' answers any origin with '*'; '*' with credentials and non-origins are refused at start", async () => {
    const pre = await preflight(`${anyOrigin.url}/sync/pull`, EVIL, 'content-type');
    expect(pre.status).toBe(204);
    expect(cors(pre)['access-control-allow-origin']).toBe('*');
    expect(cors(pre)['access-control-allow-credentials']).toBeUndefined();
    expect(cors(await push(anyOrigin.url, EVIL))['access-control-allow-origin']).toBe('*');

    await expect(startTandemServer({ ...NOTES_SERVER, cors: { origins: '*', credentials: true } })).rejects.toThrow(/origins '\*' with credentials would let every site act as the signed-in user/);
    await expect(startTandemServer({ ...NOTES_SERVER, cors: { origins: ['app.example.com'] } })).rejects.toThrow(/"app.example.com" is not an origin/);
    await expect(startTandemServer({ ...NOTES_SERVER, cors: { origins: ['https://app.example.com/path'] } })).rejects.toThrow(/is not an origin/);
  });

  it("a socket upgrade from a foreign origin is refused 403 JSON before upgrading; the server's own origin, a listed one and no Origin connect", async () => {
    const refused = {
      status: 403,
      type: 'application/json',
      body: { kind: 'forbidden', message: `A socket from origin ${EVIL} is not allowed: this server accepts its own origin and those in its cors.origins.` },
    };
    expect(await connect(plain.url, EVIL)).toEqual(refused);
    expect(await connect(plain.url, APP)).toMatchObject({ status: 403 });
    expect(await connect(plain.url, 'null')).toMatchObject({ status: 403 }); // sandboxed frames, file://
    expect(await connect(plain.url, plain.url)).toBe('open'); // the page the server itself serves
    expect(await connect(plain.url, null)).toBe('open'); // not a browser: it carries a token

    expect(await connect(listed.url, APP)).toBe('open');
    expect(await connect(listed.url, 'http://localhost:5173')).toBe('open');
    expect(await connect(listed.url, EVIL)).toEqual(refused);
    expect(await connect(anyOrigin.url, EVIL)).toBe('open');

    expect((await fetch(`${plain.url}/sync/health`)).status).toBe(200);
  });
});
