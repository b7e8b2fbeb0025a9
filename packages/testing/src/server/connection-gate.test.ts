import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionGate } from './connection-gate.ts';
import { freePort } from './free-port.ts';

describe('ConnectionGate', () => {
  let upstream: Server;
  let gate: ConnectionGate;

  beforeEach(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 5_000);
      res.end(`hello ${req.url}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const { port } = upstream.address() as { port: number };
    gate = new ConnectionGate(await freePort(), port);
    await gate.accept();
  });
  afterEach(async () => {
    await gate.refuse();
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${gate.port}${path}`).then((r) => r.text());

  it('passes requests through to the upstream server', async () => {
    expect(await get('/a')).toBe('hello /a');
    expect(await get('/b')).toBe('hello /b');
  });

  it('refuses connections while closed, and accepts again on the same port', async () => {
    await gate.refuse();
    expect(gate.open).toBe(false);
    const error = await get('/a').then(() => null, (e: Error & { cause?: { code?: string } }) => e);
    expect(error?.cause?.code).toBe('ECONNREFUSED');
    await gate.accept();
    expect(await get('/again')).toBe('hello /again');
  });

  it('resets connections that are open when it closes', async () => {
    const pending = get('/slow').then(() => 'answered', (e: Error) => `failed: ${e.message}`);
    await new Promise((r) => setTimeout(r, 200));
    await gate.refuse();
    expect(await pending).toMatch(/^failed/);
  });
});
