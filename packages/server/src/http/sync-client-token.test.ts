// The worker's sync loop asks for a fresh token when the server refuses the socket's hello, not only
// when it refuses a request: a real server whose auth hook refuses socket upgrades with the stale
// token (4401) but lets HTTP through, so only the socket can be what asked.
import { describe, expect, it } from 'vitest';
import { SyncClient, createHttpTransport } from '@tandem/worker';
import type { SyncHost } from '@tandem/worker';
import { WebSocket } from 'ws';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, stoppedAfterEach } from './sync-app.fixture.ts';

/** A host with nothing to push and nothing applied: this test is about credentials only. */
const idleHost: SyncHost = {
  clientId: 'token-loop',
  schemaVersion: 0,
  channels: () => ['r1'],
  unpushed: async () => [],
  pullState: async () => ({ cursors: [{ channel: 'r1', cursor: 0 }], lowestPending: undefined }),
  cursors: async () => [{ channel: 'r1', cursor: 0 }],
  applyPull: async () => [],
  applyPoke: async () => null,
  applyPushed: async () => null,
  pendingCount: () => 0,
  dropChannel: async () => {},
  refuse: async () => null,
};

describe('sync loop: a socket refused for its token', () => {
  let server: TandemServer | null = null;
  let client: SyncClient | null = null;
  const after = stoppedAfterEach();

  it('reports the hello’s token as unauthorized, and the socket says hello again with a new one', async () => {
    const hellos: (string | null)[] = [];
    server = after.server(await startTandemServer({
      ...NOTES_SERVER,
      logger: { error: () => {} },
      authenticate: (token, request) => {
        if (new URL(request.url).pathname.endsWith('/ws')) {
          hellos.push(token);
          if (token !== 'alice-fresh') return null;
        }
        return { id: 'alice' };
      },
    }));
    let token = 'alice-stale';
    const refused: (string | undefined)[] = [];
    const url = `${server.url}/sync`;
    client = after.client(new SyncClient({
      url,
      host: idleHost,
      transport: createHttpTransport(url, () => token),
      token: () => token,
      onUnauthorized: (t) => refused.push(t),
      onStatus: () => {},
      onRejected: () => {},
      log: () => {},
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    }));
    client.start();
    await expect.poll(() => refused, { timeout: 10_000 }).toContain('alice-stale');
    // HTTP worked all along: only the socket's refusal can have reported it.
    await client.syncNow();
    expect(client.status().lastError).toBeNull();
    expect(new Set(refused)).toEqual(new Set(['alice-stale']));

    token = 'alice-fresh';
    client.tokenChanged();
    await expect.poll(() => server!.tandem.stats().subscriptions, { timeout: 10_000 }).toBe(1);
    expect(hellos.at(-1)).toBe('alice-fresh');
    expect(refused.every((t) => t === 'alice-stale')).toBe(true);
  });
});
