// A new database's early pull (early-pull.ts): the sync loop's first pull takes its answer only for
// the very same request and token; otherwise, or when it failed, the loop asks the server itself.
import { afterEach, describe, expect, it } from 'vitest';
import type { PullRequest, PullResponse } from '@tandem/core';
import { EarlyPull } from './early-pull.ts';
import { pullRequest } from './pull.ts';
import { SyncClient } from './sync-client.ts';
import { memorySyncHost } from '../test-support/memory-sync-host.ts';
import { createHttpTransport } from './sync-transport.ts';

const CLIENT = 'c1';
const URL = 'http://sync.test/sync';
/** What memorySyncHost's loop asks for: channel l1 at cursor 0, nothing pending, schema version 2. */
const FIRST = pullRequest(CLIENT, [{ channel: 'l1', cursor: 0 }], undefined, 2);

/** A server that answers every pull with `version` (counting up) and records the requests. */
function fakeServer(fail = false) {
  const requests: PullRequest[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    const body = JSON.parse(String(init?.body)) as PullRequest;
    requests.push(body);
    if (fail && requests.length === 1) return Response.json({ kind: 'sync_failed', message: 'boom' }, { status: 503 });
    const answer: PullResponse = { version: requests.length, changes: [], snapshots: [], lastSeq: 0, rejected: [], more: false };
    return Response.json(answer);
  };
  return { fetch, requests };
}

describe('early pull', () => {
  let client: SyncClient | null = null;
  afterEach(() => {
    client?.stop();
    client = null;
  });

  /** Runs the loop once with `early`; resolves with the pulls the host applied. */
  async function firstCycle(fetch: typeof globalThis.fetch, early: EarlyPull, token: string | undefined) {
    const memory = memorySyncHost(CLIENT, 2);
    const applied: PullResponse[] = [];
    const host = { ...memory.host, applyPull: async (p: PullResponse) => (applied.push(p), []) };
    client = new SyncClient({
      url: URL,
      host,
      transport: createHttpTransport(URL, () => token, fetch),
      token: () => token,
      onStatus: () => undefined,
      onRejected: () => undefined,
      log: () => undefined,
      pollMs: 60_000,
      earlyPull: early,
    });
    await client.syncNow();
    return applied;
  }

  it('answers the first pull when it is the same request with the same token: the server is asked once', async () => {
    const server = fakeServer();
    const early = new EarlyPull(createHttpTransport(URL, () => 't', server.fetch), FIRST, 't');
    const applied = await firstCycle(server.fetch, early, 't');
    expect(server.requests).toEqual([FIRST]);
    expect(applied.map((p) => p.version)).toEqual([1]);
    // Taken once: a second take gets nothing.
    expect(early.take(FIRST, 't')).toBeNull();
  });

  it('is dropped when the loop pulls with another token (a tab handed over a new one): the loop asks again', async () => {
    const server = fakeServer();
    const early = new EarlyPull(createHttpTransport(URL, () => 'old', server.fetch), FIRST, 'old');
    const applied = await firstCycle(server.fetch, early, 'new');
    expect(server.requests).toEqual([FIRST, FIRST]);
    expect(applied.map((p) => p.version)).toEqual([2]);
  });

  it('is dropped for another request (other channels, cursors, pending, client or schema version)', async () => {
    const transport = createHttpTransport(URL, () => undefined, fakeServer().fetch);
    const others = [
      pullRequest(CLIENT, [{ channel: 'l1', cursor: 3 }], undefined, 2),
      pullRequest(CLIENT, [{ channel: 'l2', cursor: 0 }], undefined, 2),
      pullRequest(CLIENT, [{ channel: 'l1', cursor: 0 }, { channel: 'l2', cursor: 0 }], undefined, 2),
      pullRequest(CLIENT, [{ channel: 'l1', cursor: 0 }], 1, 2),
      pullRequest('c2', [{ channel: 'l1', cursor: 0 }], undefined, 2),
      pullRequest(CLIENT, [{ channel: 'l1', cursor: 0 }], undefined, 3),
    ];
    for (const other of others) expect(new EarlyPull(transport, FIRST, undefined).take(other, undefined)).toBeNull();
    expect(new EarlyPull(transport, FIRST, undefined).take(FIRST, undefined)).not.toBeNull();
  });

  it('when it failed, the loop sends the request again and applies that answer', async () => {
    const server = fakeServer(true);
    const early = new EarlyPull(createHttpTransport(URL, () => 't', server.fetch), FIRST, 't');
    const applied = await firstCycle(server.fetch, early, 't');
    expect(server.requests).toEqual([FIRST, FIRST]);
    expect(applied.map((p) => p.version)).toEqual([2]);
  });
});
