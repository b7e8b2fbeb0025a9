// The worker's sync loop (@tandem/worker SyncClient + HTTP transport + poke socket) against a real
// server. The host (the runtime's side: pending actions, cursors, rebase) is a small in-memory one:
// the rebase itself is tested on a real engine in packages/worker, and end to end in e2e/.
import { describe, expect, it } from 'vitest';
import { createHttpTransport, SyncClient } from '@tandem/worker';
import type { SyncHost } from '@tandem/worker';
import type { PullResponse, PushAction, Rejection, SyncStatus } from '@tandem/core';
import { WebSocket } from 'ws';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, notesPush, post, pullAll, snapshotNotes, stoppedAfterEach } from './sync-app.fixture.ts';

/** A socket whose pokes arrive with their changes corrupted (an op the protocol does not know). */
class CorruptingPokes extends WebSocket {
  override addEventListener(...[type, listener, options]: Parameters<WebSocket['addEventListener']>): void {
    if (type !== 'message') return super.addEventListener(type, listener, options);
    super.addEventListener('message', (event) => {
      const text = String(event.data);
      const data = text.startsWith('{"type":"poke"') ? text.replaceAll('"op":"insert"', '"op":"upsert"') : text;
      (listener as (e: { data: string }) => void)({ data });
    }, options);
  }
}

function memoryHost(clientId: string, channels: string[]) {
  const pending: PushAction[] = [];
  const cursors = new Map<string, number>();
  const applied: PullResponse[] = [];
  /** Versions of pushes whose answer confirmed them (no pull). */
  const confirmedByPush: number[] = [];
  let seq = 0;
  let list = [...channels];
  const host: SyncHost = {
    clientId,
    // As the worker's host does: every request (and the socket's hello) says it.
    schemaVersion: 0,
    channels: () => list,
    unpushed: async (after, limit) => pending.filter((a) => a.seq > after).slice(0, limit),
    pullState: async () => ({
      cursors: list.map((channel) => ({ channel, cursor: cursors.get(channel) ?? 0 })),
      lowestPending: pending[0]?.seq,
    }),
    cursors: async () => list.map((channel) => ({ channel, cursor: cursors.get(channel) ?? 0 })),
    applyPull: async (pull, pulled) => {
      applied.push(pull);
      for (const c of pulled) cursors.set(c, Math.max(cursors.get(c) ?? 0, pull.version));
      const dropped = pull.rejected.filter((r) => pending.some((p) => p.id === r.id));
      pending.splice(0, pending.filter((p) => p.seq <= pull.lastSeq).length);
      return dropped;
    },
    applyPoke: async (version, changes) => {
      const touched = [...new Set(changes.map((c) => c.channel))];
      if (pending.length > 0 || !touched.every((c) => cursors.get(c) === version - 1)) return null;
      applied.push({ version, changes, snapshots: [], lastSeq: 0, rejected: [], more: false });
      for (const c of touched) cursors.set(c, version);
      return list.map((channel) => ({ channel, cursor: cursors.get(channel) ?? 0 }));
    },
    applyPushed: async (response) => {
      const touched = [...new Set(response.changes.map((c) => c.channel))];
      if (!touched.every((c) => cursors.get(c) === response.version - 1)) return null;
      confirmedByPush.push(response.version);
      applied.push({ version: response.version, changes: response.changes, snapshots: [], lastSeq: response.lastSeq, rejected: response.rejected, more: false });
      for (const c of touched) cursors.set(c, response.version);
      const dropped = response.rejected.filter((r) => pending.some((p) => p.id === r.id));
      pending.splice(0, pending.filter((p) => p.seq <= response.lastSeq).length);
      return dropped;
    },
    pendingCount: () => pending.length,
    dropChannel: async (channel) => {
      list = list.filter((c) => c !== channel);
    },
    refuse: async (action, error) => {
      const at = pending.findIndex((p) => p.id === action.id);
      if (at === -1) return null;
      pending.splice(at, 1);
      return { id: action.id, seq: action.seq, name: action.name, error, args: action.args };
    },
  };
  return {
    host,
    pending,
    applied,
    confirmedByPush,
    add(name: string, args: PushAction['args']) {
      seq++;
      pending.push({ id: `${clientId}-${seq}`, seq, name, args, time: 1_700_000_000_000 + seq });
    },
  };
}

describe('worker sync loop against a real server', () => {
  let server: TandemServer | null = null;
  let client: SyncClient | null = null;

  const after = stoppedAfterEach();

  async function start(options: { port?: number; bodyLimit?: number } = {}): Promise<TandemServer> {
    server = after.server(await startTandemServer({
      ...NOTES_SERVER,
      port: options.port ?? 0,
      ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
      logger: { error: () => {} },
    }));
    return server;
  }

  function loop(url: string, host: SyncHost, extra: { pushBatch?: number; socket?: boolean; webSocket?: typeof WebSocket } = {}) {
    const statuses: SyncStatus[] = [];
    const rejections: Rejection[] = [];
    const logs: string[] = [];
    const http: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      http.push(String(input).replace(/^.*\/sync/, ''));
      return fetch(input, init);
    };
    client = after.client(new SyncClient({
      url: `${url}/sync`,
      host,
      transport: createHttpTransport(`${url}/sync`, () => 'alice-token', countingFetch),
      token: () => 'alice-token',
      onStatus: (s) => statuses.push(s),
      onRejected: (r) => rejections.push(...r),
      log: (line) => logs.push(line),
      ...(extra.pushBatch ? { pushBatch: extra.pushBatch } : {}),
      // Node 20 has no global WebSocket: give it the ws package's, or none (then it polls).
      ...(extra.socket ? { WebSocket: (extra.webSocket ?? WebSocket) as unknown as typeof globalThis.WebSocket } : {}),
    }));
    return { client, statuses, rejections, http, logs };
  }

  /** Starts the loop with its socket and waits until the socket is ready (its cycle has run). */
  async function socketLoop(url: string, m: ReturnType<typeof memoryHost>, extra: { pushBatch?: number; webSocket?: typeof WebSocket } = {}) {
    const l = loop(url, m.host, { ...extra, socket: true });
    l.client.start();
    await expect.poll(() => server!.tandem.stats().subscriptions, { timeout: 10_000 }).toBe(1);
    await l.client.syncNow();
    return l;
  }

  /** Counts the server's pulls from now on. */
  function countPulls(s: TandemServer): () => number {
    const pull = s.store.pull;
    let pulls = 0;
    s.store.pull = (...args) => {
      pulls++;
      return pull(...args);
    };
    return () => pulls;
  }

  /**
   * {@link socketLoop}, then waits until the start-up cycles are over (the socket's `ready` after a
   * channel update kicks one more): a cycle that anything but a local write started must pull.
   */
  async function quietSocketLoop(url: string, m: ReturnType<typeof memoryHost>, pulls: () => number, webSocket?: typeof WebSocket) {
    const l = await socketLoop(url, m, webSocket ? { webSocket } : {});
    let seen = -1;
    await expect.poll(() => (seen === (seen = pulls()) && !l.client.status().syncing ? 'quiet' : 'busy'), { timeout: 10_000, interval: 300 }).toBe('quiet');
    return l;
  }

  it('pushes the outbox in order, in batches, exactly once, then settles it with a pull', async () => {
    const s = await start();
    const m = memoryHost('loop1', ['r1']);
    for (let i = 0; i < 7; i++) m.add('addNote', { room: 'r1', body: `n${i}` });
    const { client } = loop(s.url, m.host, { pushBatch: 3 });
    await client.syncNow();
    expect(m.pending).toEqual([]);
    const notes = snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r1']))).body);
    expect(notes.map((n) => n.body)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    // Syncing again sends nothing twice.
    await client.syncNow();
    expect(snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r1']))).body)).toHaveLength(7);
    expect(client.status()).toMatchObject({ online: true, pending: 0, lastError: null });
  });

  it('reports the actions the server rejects', async () => {
    const s = await start();
    const m = memoryHost('loop2', ['r1']);
    m.add('addNote', { room: 'r1', body: 'fine' });
    m.add('failNote', {});
    const { client, rejections } = loop(s.url, m.host);
    await client.syncNow();
    expect(rejections.map((r) => [r.id, r.name])).toEqual([['loop2-2', 'failNote']]);
    expect(rejections[0]!.error.message).toContain('failNote always fails');
    expect(client.status().rejections).toHaveLength(1);
    expect(m.pending).toEqual([]);
  });

  it('goes offline when the server is gone, keeps the outbox, and drains it when it is back', async () => {
    const s = await start();
    const port = s.port;
    const m = memoryHost('loop3', ['r1']);
    const { client } = loop(s.url, m.host);
    await client.syncNow();
    await s.close();
    server = null;
    m.add('addNote', { room: 'r1', body: 'written offline' });
    await expect(client.syncNow()).rejects.toMatchObject({ kind: 'sync_failed' });
    expect(client.status()).toMatchObject({ online: false, pending: 1 });
    expect(client.status().lastError?.message).toMatch(/Cannot reach the sync server/);
    const again = await start({ port });
    await expect.poll(() => client.status().pending, { timeout: 15_000 }).toBe(0);
    expect(client.status()).toMatchObject({ online: true, lastError: null });
    expect(snapshotNotes((await post(again.url, '/sync/pull', pullAll('reader', ['r1']))).body).map((n) => n.body)).toEqual(['written offline']);
  });

  it('halves the batch when the server says it is too large', async () => {
    const s = await start({ bodyLimit: 50_000 });
    const m = memoryHost('loop4', ['r1']);
    for (let i = 0; i < 8; i++) m.add('addNote', { room: 'r1', body: `${i}`.padEnd(10_000, 'x') });
    const { client } = loop(s.url, m.host);
    await client.syncNow();
    expect(m.pending).toEqual([]);
    expect(snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r1']))).body)).toHaveLength(8);
  });

  it('gives up on one action over the body limit alone: rejected as too_large, every other one reaches the server', async () => {
    const s = await start({ bodyLimit: 50_000 });
    const m = memoryHost('loop4b', ['r1']);
    for (let i = 0; i < 6; i++) m.add('addNote', { room: 'r1', body: `${i}`.padEnd(i === 2 ? 60_000 : 100, 'x') });
    const { client, rejections } = loop(s.url, m.host);
    await client.syncNow();
    expect(rejections.map((r) => [r.id, r.error.kind])).toEqual([['loop4b-3', 'too_large']]);
    expect(m.pending).toEqual([]);
    const notes = snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r1']))).body);
    expect(notes.map((n) => (n as { body: string }).body[0]).sort()).toEqual(['0', '1', '3', '4', '5']);
    expect(client.status().lastError).toBeNull();
  });

  it('drops a channel the server refuses and keeps syncing the others', async () => {
    const s = await start();
    const m = memoryHost('loop5', ['r1', 'secret-room']);
    m.add('addNote', { room: 'r1', body: 'still synced' });
    const { client } = loop(s.url, m.host);
    await expect(client.syncNow()).rejects.toMatchObject({ kind: 'forbidden' });
    expect(m.host.channels()).toEqual(['r1']);
    await client.syncNow();
    expect(m.pending).toEqual([]);
    expect(client.status().lastError).toBeNull();
  });

  it('a poke on the socket makes it pull another client’s change at once', async () => {
    const s = await start();
    const m = memoryHost('loop6', ['r9']);
    const { client } = loop(s.url, m.host, { socket: true });
    client.start();
    await expect.poll(() => m.applied.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const before = m.applied.length;
    // Wait for the socket to be ready (its `ready` triggers one more cycle), then another client writes.
    await expect.poll(() => m.applied.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(before);
    const res = await post(s.url, '/sync/push', notesPush('other', [{ room: 'r9', body: 'from elsewhere' }]), 'bob-token');
    expect(res.status).toBe(200);
    await expect
      .poll(() => m.applied.flatMap((p) => p.changes.map((c) => c.row?.body).concat(p.snapshots.flatMap((x) => (x.tables.notes ?? []).map((n) => n.body)))), { timeout: 5_000 })
      .toContain('from elsewhere');
  });

  it('with the socket ready, pushes and pulls go over it instead of HTTP', async () => {
    const s = await start();
    const m = memoryHost('loop7', ['r7']);
    const { client, http } = await socketLoop(s.url, m);
    const before = http.length;
    for (let i = 0; i < 3; i++) m.add('addNote', { room: 'r7', body: `s${i}` });
    await client.syncNow();
    expect(m.pending).toEqual([]);
    expect(http.slice(before)).toEqual([]);
    expect(snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r7']))).body).map((n) => n.body)).toEqual(['s0', 's1', 's2']);
  });

  it('a push the socket loses on the way back is sent again over HTTP and runs once', async () => {
    const s = await start();
    const m = memoryHost('loop8', ['r8']);
    const { client, http } = await socketLoop(s.url, m);
    const push = s.store.push;
    let dropped = false;
    s.store.push = async (...args) => {
      const out = await push(...args);
      if (!dropped) {
        dropped = true;
        // The push committed, but its answer never arrives: the server drops every socket.
        await s.tandem.close();
      }
      return out;
    };
    m.add('addNote', { room: 'r8', body: 'once' });
    await client.syncNow();
    expect(dropped).toBe(true);
    expect(http).toContain('/push');
    expect(m.pending).toEqual([]);
    expect(snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r8']))).body).map((n) => n.body)).toEqual(['once']);
  });

  it('halves the batch when the server says over the socket that it is too large', async () => {
    const s = await start({ bodyLimit: 50_000 });
    const m = memoryHost('loop9', ['r1']);
    const { client, http } = await socketLoop(s.url, m);
    const before = http.length;
    for (let i = 0; i < 8; i++) m.add('addNote', { room: 'r1', body: `${i}`.padEnd(10_000, 'x') });
    await client.syncNow();
    expect(m.pending).toEqual([]);
    expect(http.slice(before)).toEqual([]);
    expect(snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r1']))).body)).toHaveLength(8);
  });

  it('over the socket too, one action over the body limit is given up alone and the others go', async () => {
    const s = await start({ bodyLimit: 50_000 });
    const m = memoryHost('loop9b', ['r1']);
    const { client, rejections } = await socketLoop(s.url, m);
    for (let i = 0; i < 4; i++) m.add('addNote', { room: 'r1', body: `${i}`.padEnd(i === 1 ? 60_000 : 100, 'x') });
    await client.syncNow();
    expect(rejections.map((r) => [r.id, r.error.kind])).toEqual([['loop9b-2', 'too_large']]);
    expect(m.pending).toEqual([]);
    const notes = snapshotNotes((await post(s.url, '/sync/pull', pullAll('reader', ['r1']))).body);
    expect(notes.map((n) => (n as { body: string }).body[0]).sort()).toEqual(['0', '2', '3']);
  });

  it('a local write pushed over the socket is confirmed by the answer, which carries its commit: no pull', async () => {
    const s = await start();
    const pulls = countPulls(s);
    const m = memoryHost('loop10', ['r10']);
    const { client } = await quietSocketLoop(s.url, m, pulls);
    const before = pulls();
    let pullsAtConfirmation = -1;
    const applyPushed = m.host.applyPushed;
    m.host.applyPushed = (response) => {
      pullsAtConfirmation = pulls();
      return applyPushed(response);
    };
    m.add('addNote', { room: 'r10', body: 'mine' });
    client.localChange();
    await expect.poll(() => m.pending.length, { timeout: 5_000 }).toBe(0);
    expect(m.confirmedByPush).toHaveLength(1);
    expect(m.applied.at(-1)!.changes.map((c) => [c.version, c.channel, c.row?.body])).toEqual([[m.confirmedByPush[0], 'r10', 'mine']]);
    expect(pullsAtConfirmation).toBe(before);
    expect(client.status()).toMatchObject({ online: true, pending: 0, lastError: null });
  });

  it('a poke whose changes do not validate changes nothing: the client pulls the commit instead', async () => {
    const s = await start();
    const pulls = countPulls(s);
    const m = memoryHost('loop12', ['r12']);
    const { client, logs } = await quietSocketLoop(s.url, m, pulls, CorruptingPokes);
    let pokesApplied = 0;
    const applyPoke = m.host.applyPoke;
    m.host.applyPoke = (version, changes) => {
      pokesApplied++;
      return applyPoke(version, changes);
    };
    const before = pulls();
    const res = await post(s.url, '/sync/push', notesPush('other', [{ room: 'r12', body: 'from elsewhere' }]), 'bob-token');
    expect(res.status).toBe(200);
    // A fresh server's channel may still be at cursor 0, so that pull may be a snapshot.
    const bodies = () => m.applied.flatMap((p) => p.changes.map((c) => c.row?.body).concat(p.snapshots.flatMap((x) => (x.tables.notes ?? []).map((n) => n.body))));
    await expect.poll(bodies, { timeout: 5_000 }).toContain('from elsewhere');
    expect(pokesApplied).toBe(0);
    expect(pulls()).toBeGreaterThan(before);
    expect(m.applied.flatMap((p) => p.changes.map((c) => c.op))).not.toContain('upsert');
    expect(client.status()).toMatchObject({ online: true, lastError: null });
    // Not dropped silently: the worker's log says a message was refused, once for this socket.
    expect(logs.filter((l) => l.startsWith('sync socket: a server message did not validate'))).toHaveLength(1);
  });

  it('pulls after all when the push\'s commit does not follow on from the cursors', async () => {
    const s = await start();
    const m = memoryHost('loop11', ['r11']);
    const { client } = await quietSocketLoop(s.url, m, countPulls(s));
    // Another client's commit that this socket hears nothing of (straight to the store: no poke).
    await s.store.push('other', { id: 'bob' }, notesPush('other', [{ room: 'r11', body: 'unseen' }]).actions);
    m.add('addNote', { room: 'r11', body: 'mine' });
    client.localChange();
    await expect.poll(() => m.pending.length, { timeout: 5_000 }).toBe(0);
    expect(m.confirmedByPush).toEqual([]);
    // A fresh server's channel is still at cursor 0, so that pull is a snapshot.
    const bodies = m.applied.flatMap((p) => p.changes.map((c) => c.row?.body).concat(p.snapshots.flatMap((x) => (x.tables.notes ?? []).map((n) => n.body))));
    expect(bodies).toContain('unseen');
    expect(bodies).toContain('mine');
  });
});
