// The sync loop's side of schema versions: what it sends, and what it does with the server's 409s.
// The server's side is tested with the server; here a small fake fetch answers as a server of
// another version would (written while that side was being built in parallel).
import { afterEach, describe, expect, it } from 'vitest';
import type { PullRequest, PushRequest, Rejection, SyncStatus } from '@tandem/core';
import { SyncClient } from './sync-client.ts';
import type { SyncHost } from './sync-host.ts';
import { memorySyncHost } from '../test-support/memory-sync-host.ts';
import { createHttpTransport } from './sync-transport.ts';

const CLIENT = 'c1';

const memoryHost = (schemaVersion: number) => memorySyncHost(CLIENT, schemaVersion);

type Answer = { status: number; body: unknown };

/** A server that records every request and answers with `answer(path, body)`. */
function fakeServer(answer: (path: string, body: PushRequest | PullRequest) => Answer) {
  const requests: { path: string; body: PushRequest | PullRequest }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const path = new URL(String(input)).pathname.replace(/^\/sync/, '');
    const body = JSON.parse(String(init?.body)) as PushRequest | PullRequest;
    requests.push({ path, body });
    const { status, body: out } = answer(path, body);
    return Response.json(out, { status });
  };
  return { fetch, requests };
}

const pulled = { version: 1, changes: [], snapshots: [], lastSeq: 0, rejected: [], more: false };
const pushed = (body: PushRequest) => ({ lastSeq: body.actions.at(-1)?.seq ?? 0, rejected: [], version: 1 });

describe('sync loop and schema versions', () => {
  let client: SyncClient | null = null;
  afterEach(() => {
    client?.stop();
    client = null;
  });

  function startClient(host: SyncHost, fetch: typeof globalThis.fetch) {
    const statuses: SyncStatus[] = [];
    const rejected: Rejection[][] = [];
    const waiters: { until: (s: SyncStatus) => boolean; resolve: () => void }[] = [];
    client = new SyncClient({
      url: 'http://sync.test/sync',
      host,
      transport: createHttpTransport('http://sync.test/sync', () => undefined, fetch),
      token: () => undefined,
      onStatus: (s) => {
        statuses.push(s);
        for (const w of waiters.splice(0)) if (w.until(s)) w.resolve();
        else waiters.push(w);
      },
      onRejected: (r) => rejected.push(r),
      log: () => undefined,
      pollMs: 60_000,
    });
    const statusWhere = (until: (s: SyncStatus) => boolean) => new Promise<void>((resolve) => waiters.push({ until, resolve }));
    return { client, statuses, rejected, statusWhere };
  }

  it('sends its schema version with every push and pull', async () => {
    const memory = memoryHost(3);
    memory.add(1);
    const server = fakeServer((path, body) => ({ status: 200, body: path === '/push' ? pushed(body as PushRequest) : pulled }));
    const { client } = startClient(memory.host, server.fetch);
    await client.syncNow();
    expect(server.requests.map((r) => [r.path, r.body.schemaVersion])).toEqual([
      ['/push', 3],
      ['/pull', 3],
    ]);
  });

  it('says its schema version in the socket hello, and falls back to HTTP when the server refuses it', async () => {
    const memory = memoryHost(4);
    const sockets: FakeSocket[] = [];
    class FakeSocket extends EventTarget {
      readyState = 0;
      sent: unknown[] = [];
      constructor(readonly url: string) {
        super();
        sockets.push(this);
        queueMicrotask(() => {
          this.readyState = 1;
          this.dispatchEvent(new Event('open'));
        });
      }
      send(text: string) {
        this.sent.push(JSON.parse(text));
        // A server of another version: an error, then the close.
        const error = { type: 'error', error: { kind: 'server_outdated', message: 'the server runs schema version 3' } };
        queueMicrotask(() => {
          this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(error) }));
          this.readyState = 3;
          this.dispatchEvent(Object.assign(new Event('close'), { code: 1008, reason: '' }));
        });
      }
      close() {}
    }
    const server = fakeServer((path, body) => ({ status: 200, body: path === '/push' ? pushed(body as PushRequest) : pulled }));
    const logs: string[] = [];
    client = new SyncClient({
      url: 'http://sync.test/sync',
      host: memory.host,
      transport: createHttpTransport('http://sync.test/sync', () => undefined, server.fetch),
      token: () => undefined,
      onStatus: () => undefined,
      onRejected: () => undefined,
      log: (m) => logs.push(m),
      pollMs: 60_000,
      WebSocket: FakeSocket as unknown as typeof WebSocket,
    });
    client.start();
    await expect.poll(() => logs.some((m) => m.includes('sync socket refused'))).toBe(true);
    expect(sockets[0]!.sent[0]).toMatchObject({ type: 'hello', clientId: CLIENT, schemaVersion: 4 });
    // Over HTTP meanwhile, and no second hello soon after the refusal.
    await client.syncNow();
    expect(server.requests.some((r) => r.path === '/pull')).toBe(true);
    expect(sockets).toHaveLength(1);
  });

  it('a pull answered update_required stops pulling and says so; pushes go on', async () => {
    const memory = memoryHost(1);
    const server = fakeServer((path, body) =>
      path === '/pull'
        ? { status: 409, body: { kind: 'update_required', message: 'this app is older than the server: reload' } }
        : { status: 200, body: pushed(body as PushRequest) },
    );
    const { client, statusWhere, rejected } = startClient(memory.host, server.fetch);
    const flagged = statusWhere((s) => s.updateRequired);
    await client.syncNow();
    await flagged;
    expect(client.status()).toMatchObject({ updateRequired: true, online: true, lastError: null });
    const pulls = server.requests.filter((r) => r.path === '/pull').length;
    memory.add(1);
    await client.syncNow();
    // The write reached the server; no pull was tried again.
    expect(server.requests.filter((r) => r.path === '/push').map((r) => (r.body as PushRequest).actions.map((a) => a.id))).toEqual([[`${CLIENT}-1`]]);
    expect(server.requests.filter((r) => r.path === '/pull')).toHaveLength(pulls);
    expect(rejected).toEqual([]);
  });

  it('a push answered server_outdated keeps the work queued, shows the error and retries', async () => {
    const memory = memoryHost(2);
    memory.add(1);
    let outdated = true;
    const server = fakeServer((path, body) => {
      if (outdated) return { status: 409, body: { kind: 'server_outdated', message: 'the server runs schema version 1' } };
      return { status: 200, body: path === '/push' ? pushed(body as PushRequest) : { ...pulled, lastSeq: 1 } };
    });
    const { client, rejected } = startClient(memory.host, server.fetch);
    await expect(client.syncNow()).rejects.toMatchObject({ kind: 'server_outdated' });
    expect(client.status()).toMatchObject({ online: false, lastError: { kind: 'server_outdated' }, updateRequired: false });
    expect(memory.pending.map((a) => a.id)).toEqual([`${CLIENT}-1`]);
    // The server is upgraded: the same action goes through.
    outdated = false;
    await client.syncNow();
    const pushes = server.requests.filter((r) => r.path === '/push').map((r) => (r.body as PushRequest).actions.map((a) => a.id));
    expect(pushes.at(-1)).toEqual([`${CLIENT}-1`]);
    expect(memory.pending).toEqual([]);
    expect(client.status().lastError).toBeNull();
    expect(rejected).toEqual([]);
  });
});
