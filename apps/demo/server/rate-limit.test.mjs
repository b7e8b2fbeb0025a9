import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { addApiRoutes } from './api-routes.mjs';
import { createRateLimiter } from './rate-limit.mjs';

describe('the token bucket (injected clock)', () => {
  it('allows `limit` at once, then one per window / limit; Retry-After says when', () => {
    let t = 0;
    const limiter = createRateLimiter({ limit: 3, windowMs: 60_000, now: () => t });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 20 });
    expect(limiter.take('b')).toEqual({ ok: true }); // per address
    t = 15_000;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 5 });
    t = 20_000;
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 20 });
    t = 1_000_000; // a full bucket holds `limit`, no more
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
    expect(() => createRateLimiter({ limit: 0 })).toThrow(/whole number ≥ 1/);
  });

  it('forgets addresses whose bucket is full again once it holds many', () => {
    let t = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, now: () => t });
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(10_000);
    t = 1000;
    limiter.take('fresh');
    expect(limiter.size).toBe(1);
  });
});

describe('POST /api/session is rate-limited per address (real HTTP server)', () => {
  const servers = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  async function start(options) {
    const app = new Hono();
    let issued = 0;
    addApiRoutes(app, { sessions: { issue: async () => ({ token: `t${++issued}`, userId: `u${issued}` }) }, tandem: null, ...options });
    const server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    servers.push(server);
    return `http://127.0.0.1:${server.address().port}`;
  }
  const session = (url, headers = {}) => fetch(`${url}/api/session`, { method: 'POST', headers });

  it('answers 429 JSON with Retry-After past the limit; X-Forwarded-For is ignored unless the proxy is trusted', async () => {
    const url = await start({ sessionLimiter: createRateLimiter({ limit: 2 }) });
    expect((await session(url)).status).toBe(200);
    expect((await session(url, { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(200); // still 127.0.0.1
    const refused = await session(url, { 'X-Forwarded-For': '203.0.113.10' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toEqual({ kind: 'rate_limited', message: 'Too many session requests from this address: try again in 30 s.' });
  });

  it('behind a trusted proxy each forwarded address has its own budget', async () => {
    const url = await start({ sessionLimiter: createRateLimiter({ limit: 1 }), trustProxy: true });
    expect((await session(url, { 'X-Forwarded-For': 'spoofed, 203.0.113.1' })).status).toBe(200);
    expect((await session(url, { 'X-Forwarded-For': '203.0.113.1' })).status).toBe(429);
    expect((await session(url, { 'X-Forwarded-For': '203.0.113.1, 203.0.113.2' })).status).toBe(200);
  });

  it('without a limiter (TANDEM_SESSION_LIMIT=0) nothing is limited', async () => {
    const url = await start({});
    for (let i = 0; i < 30; i++) expect((await session(url)).status).toBe(200);
  });
});
