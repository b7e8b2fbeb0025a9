import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { createCommitBus } from '../realtime/commit-bus.ts';
import { createPostgresDriver } from '../store/postgres-driver.ts';
import type { SqlDriver } from '../store/sql-driver.ts';
import { PG_URL, createTestSchema, probePostgres } from '../test-support/postgres.ts';
import { ACTIONS, CHANNELS, SCHEMA, authenticate, canRead, notesPush, post, readySocket } from './sync-app.fixture.ts';

const probe = await probePostgres('sync realtime across instances');

/** Counts NOTIFYs on `channel` from a connection of its own, as Postgres delivers them. */
async function countNotifications(driver: SqlDriver, channel: string): Promise<{ payloads: string[]; stop: () => Promise<void> }> {
  const payloads: string[] = [];
  const stop = await driver.listen(channel, (p) => payloads.push(p));
  return { payloads, stop };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!probe.ok)('two server instances on one Postgres', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let schema: string;
  let channel: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ schema, drop } = await createTestSchema('http_realtime'));
    // LISTEN/NOTIFY channels are per database, not per schema: one of our own keeps runs apart.
    channel = `tandem_${schema}`;
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await drop?.();
  });

  function driver(): SqlDriver {
    const d = createPostgresDriver({ url: PG_URL, searchPath: schema, max: 4 });
    cleanups.push(() => d.close());
    return d;
  }

  async function instance(): Promise<TandemServer> {
    const server = await startTandemServer({
      port: 0,
      schema: SCHEMA,
      channels: CHANNELS,
      actions: ACTIONS,
      database: { driver: driver() },
      realtime: { channel },
      authenticate,
      canRead,
    });
    cleanups.push(() => server.close());
    return server;
  }

  it('pokes a socket on instance B for a push on instance A, only for its channels', async () => {
    const a = await instance();
    const b = await instance();
    const { socket } = await readySocket(b.url, ['room-1']);
    cleanups.push(() => socket.close());

    const pushed = await post(a.url, '/sync/push', notesPush('two-a', [{ room: 'room-1', body: 'hi' }]));
    expect(pushed.status).toBe(200);
    expect(await socket.next()).toEqual({ type: 'poke', version: pushed.body.version });

    // room-2 is not announced to this socket; the later room-1 commit is.
    await post(a.url, '/sync/push', notesPush('two-a', [{ room: 'room-2', body: 'other' }], 2));
    const again = await post(a.url, '/sync/push', notesPush('two-a', [{ room: 'room-1', body: 'again' }], 3));
    expect(await socket.next()).toEqual({ type: 'poke', version: again.body.version });

    // And B's pull sees what A committed.
    const pull = await post(b.url, '/sync/pull', { clientId: 'two-b', channels: [{ channel: 'room-1', cursor: 0 }] });
    expect(pull.body.version).toBeGreaterThanOrEqual(again.body.version);
    expect(pull.body.snapshots[0].tables.notes.map((n: { body: string }) => n.body).sort()).toEqual(['again', 'hi']);
  });

  it('server-invoked actions on A poke sockets on B', async () => {
    const a = await instance();
    const b = await instance();
    const { socket } = await readySocket(b.url, ['room-job']);
    cleanups.push(() => socket.close());
    const { commit } = await a.invoke('addNote', { room: 'room-job', body: 'from a job' }, { id: 'job' });
    expect(await socket.next()).toEqual({ type: 'poke', version: commit.version });
  });

  it('coalesces: a burst of commits sends far fewer NOTIFYs, and B still learns the last version', async () => {
    const a = await instance();
    const b = await instance();
    const counter = await countNotifications(driver(), channel);
    cleanups.push(counter.stop);
    const { socket } = await readySocket(b.url, ['burst']);
    cleanups.push(() => socket.close());

    // 100 concurrent server commits on A: commits finish while NOTIFYs are in flight and merge.
    const commits = await Promise.all(Array.from({ length: 100 }, (_, i) => a.invoke('addNote', { room: 'burst', body: `n${i}` }, { id: 'job' })));
    const last = Math.max(...commits.map((c) => c.commit.version));
    await a.tandem.flush();
    const stats = a.tandem.stats().bus;
    expect(stats?.published).toBe(100);
    const notifies = stats?.notifies ?? 0;
    expect(notifies).toBeGreaterThan(0);
    expect(notifies).toBeLessThan(50);
    await until(() => counter.payloads.length >= notifies, 'all NOTIFYs to arrive');
    expect(counter.payloads).toHaveLength(notifies);

    // B's socket: pokes end at the last version (it may have seen fewer pokes than NOTIFYs, never more).
    let seen = 0;
    while (seen < last) {
      const m = await socket.next();
      expect(m.type).toBe('poke');
      if (m.type === 'poke') seen = m.version;
    }
    expect(seen).toBe(last);
  });

  it('a burst published directly is exactly two NOTIFYs on the wire (one in flight, the rest merged)', async () => {
    const d = driver();
    const counter = await countNotifications(driver(), channel);
    cleanups.push(counter.stop);
    const bus = await createCommitBus({ driver: d, channel, instanceId: 'direct', onRemoteCommit: () => {} });
    cleanups.push(() => bus.close());
    for (let v = 1; v <= 500; v++) bus.publish({ version: v, channels: [`c${v % 7}`] });
    await bus.flush();
    await until(() => counter.payloads.length >= 2, 'NOTIFYs to arrive');
    await new Promise((r) => setTimeout(r, 50));
    expect(counter.payloads).toHaveLength(2);
    const last = JSON.parse(counter.payloads[1] as string) as { v: number; c: string[] };
    expect(last.v).toBe(500);
    expect(last.c.sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
  });
});
