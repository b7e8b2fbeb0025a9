// No single action stops the outbox: the push isolates an action the server will never take,
// gives up on it (a rejection), and pushes the ones behind it. A fake fetch answers as the server
// does: its request validator is the real one (parsePushRequest), its body limit a byte count.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorKind, parsePushRequest, TandemError, toErrorData } from '@tandem/core';
import type { PushAction, PushRequest, Rejection } from '@tandem/core';
import { SyncClient } from './sync-client.ts';
import type { SyncHost } from './sync-host.ts';
import { memorySyncHost } from '../test-support/memory-sync-host.ts';
import { createHttpTransport } from './sync-transport.ts';

const CLIENT = 'c1';
const URL_ = 'http://sync.test/sync';

const memoryHost = () => memorySyncHost(CLIENT);

/**
 * A server with a body limit and the real push validator; it remembers the highest seq it
 * processed per push, as the real one does, and refuses with 401 while `token` is wrong.
 */
function fakeServer(bodyLimit: number) {
  const pushes: string[][] = [];
  let lastSeq = 0;
  const state = { acceptToken: true };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const path = new URL(String(input)).pathname.replace(/^\/sync/, '');
    const text = String(init?.body);
    if (path === '/pull') return Response.json({ version: 1, changes: [], snapshots: [], lastSeq, rejected: [], more: false });
    if (!state.acceptToken) return Response.json({ kind: ErrorKind.unauthorized, message: 'token expired' }, { status: 401 });
    if (text.length > bodyLimit) return Response.json({ kind: ErrorKind.tooLarge, message: `The body is over ${bodyLimit} bytes.` }, { status: 413 });
    let request: PushRequest;
    try {
      request = parsePushRequest(JSON.parse(text));
    } catch (error) {
      return Response.json(toErrorData(error), { status: 400 });
    }
    pushes.push(request.actions.map((a) => a.id));
    lastSeq = Math.max(lastSeq, ...request.actions.map((a) => a.seq));
    return Response.json({ lastSeq, rejected: [], version: 1 });
  };
  return { fetch, pushes, state };
}

describe('push: one action cannot stop the outbox', () => {
  let client: SyncClient | null = null;
  afterEach(() => {
    client?.stop();
    client = null;
  });

  function start(host: SyncHost, fetch: typeof globalThis.fetch, pushBatch = 500) {
    const rejected: Rejection[] = [];
    client = new SyncClient({
      url: URL_,
      host,
      transport: createHttpTransport(URL_, () => 'token', fetch),
      token: () => 'token',
      onStatus: () => undefined,
      onRejected: (r) => rejected.push(...r),
      log: () => undefined,
      pollMs: 60_000,
      pushBatch,
    });
    return { client, rejected };
  }

  it('an action over the body limit is isolated, rejected as too_large, and every other one is pushed in order', async () => {
    const memory = memoryHost();
    for (let seq = 1; seq <= 10; seq++) memory.add(seq, seq === 7 ? { args: { title: 'x'.repeat(5_000) } } : {});
    const server = fakeServer(2_000);
    const { client, rejected } = start(memory.host, server.fetch);
    await client.syncNow();
    expect(memory.refused.map((r) => [r.id, r.error.kind])).toEqual([[`${CLIENT}-7`, ErrorKind.tooLarge]]);
    expect(rejected.map((r) => r.id)).toEqual([`${CLIENT}-7`]);
    expect(rejected[0]!.error.message).toContain('will not take action "add"');
    const sent = server.pushes.flat();
    expect(sent).toEqual([1, 2, 3, 4, 5, 6, 8, 9, 10].map((seq) => `${CLIENT}-${seq}`));
    expect(memory.pending).toEqual([]);
    expect(client.status().lastError).toBeNull();

    // The outbox keeps flowing afterwards, in full batches again.
    for (let seq = 11; seq <= 14; seq++) memory.add(seq);
    await client.syncNow();
    expect(server.pushes.at(-1)).toEqual([11, 12, 13, 14].map((seq) => `${CLIENT}-${seq}`));
  });

  it('a batch is cut to fit the body limit before it is sent: a server that resets an oversized upload never blocks the outbox', async () => {
    const memory = memoryHost();
    for (let seq = 1; seq <= 6; seq++) memory.add(seq, { args: { title: `${seq}`.padEnd(900_000, 'x') } });
    const server = fakeServer(4 * 1024 * 1024);
    // As a browser may see a server that answers 413 before reading the body: the connection resets.
    const resetting: typeof globalThis.fetch = async (input, init) => {
      if (String(init?.body ?? '').length > 4 * 1024 * 1024) throw new TypeError('Failed to fetch');
      return server.fetch(input, init);
    };
    const { client, rejected } = start(memory.host, resetting);
    await client.syncNow();
    expect(server.pushes.map((ids) => ids.length)).toEqual([2, 2, 2]);
    expect(memory.pending).toEqual([]);
    expect(rejected).toEqual([]);
  });

  it('an action the server refuses by index (a stored name it will never accept) is rejected alone; the ones before and after go', async () => {
    const memory = memoryHost();
    for (let seq = 1; seq <= 5; seq++) memory.add(seq, seq === 3 ? { name: 'bad\u0000name' } : {});
    const server = fakeServer(1_000_000);
    const { client, rejected } = start(memory.host, server.fetch);
    await client.syncNow();
    expect(rejected.map((r) => [r.id, r.error.kind])).toEqual([[`${CLIENT}-3`, ErrorKind.invalidRequest]]);
    expect(server.pushes).toEqual([
      [`${CLIENT}-1`, `${CLIENT}-2`],
      [`${CLIENT}-4`, `${CLIENT}-5`],
    ]);
    expect(memory.pending).toEqual([]);
  });

  it('a refusal of the request itself (401) gives up on nothing: the outbox waits for a new token', async () => {
    const memory = memoryHost();
    for (let seq = 1; seq <= 3; seq++) memory.add(seq);
    const server = fakeServer(1_000_000);
    server.state.acceptToken = false;
    const { client, rejected } = start(memory.host, server.fetch);
    await expect(client.syncNow()).rejects.toMatchObject({ kind: ErrorKind.unauthorized });
    expect(rejected).toEqual([]);
    expect(memory.pending.map((a) => a.seq)).toEqual([1, 2, 3]);
    server.state.acceptToken = true;
    client.tokenChanged();
    await client.syncNow();
    expect(server.pushes.flat()).toEqual([1, 2, 3].map((seq) => `${CLIENT}-${seq}`));
  });

  it('an action the app is discarding is not sent, nor anything behind it; one on the wire cannot be discarded', async () => {
    const memory = memoryHost();
    for (let seq = 1; seq <= 4; seq++) memory.add(seq);
    const server = fakeServer(1_000_000);
    // The first push hangs until released: action 1 and 2 are on the wire meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const fetch: typeof globalThis.fetch = async (input, init) => {
      if (first && String(input).endsWith('/push')) {
        first = false;
        await held;
      }
      return server.fetch(input, init);
    };
    const { client } = start(memory.host, fetch, 2);
    const [a1, a2, a3] = memory.pending.slice(0, 3) as [PushAction, PushAction, PushAction];
    const synced = client.syncNow();
    await expect.poll(() => client.sentToServer(a1)).toBe(true);
    expect(() => client.withhold(a2)).toThrow(TandemError);
    expect(() => client.withhold(a2)).toThrow(/only the server's answer can settle it/);
    // Action 3 is not on the wire yet: it can be held back, and 4 waits behind it.
    client.withhold(a3);
    release();
    await synced;
    expect(server.pushes).toEqual([[`${CLIENT}-1`, `${CLIENT}-2`]]);
    // Answered: the server may have run them, so they stay beyond the app's reach.
    expect(client.sentToServer(a1)).toBe(true);
    expect(client.sentToServer(a3)).toBe(false);
    // The discard commits (the action leaves the outbox), then the outbox moves on.
    memory.pending.splice(memory.pending.indexOf(a3), 1);
    client.release(a3.id);
    await client.syncNow();
    expect(server.pushes.at(-1)).toEqual([`${CLIENT}-4`]);
  });
});
