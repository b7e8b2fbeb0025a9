import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDriver } from '../store/pglite-driver.ts';
import type { SqlDriver } from '../store/sql-driver.ts';
import { createCommitBus } from './commit-bus.ts';
import type { CommitMessage } from './commit-payload.ts';

// Two buses on one database stand in for two server instances (LISTEN/NOTIFY on real PGlite).
describe('commit bus (PGlite LISTEN/NOTIFY)', () => {
  let driver: SqlDriver;
  beforeAll(async () => {
    driver = await createPgliteDriver({ dataDir: 'memory://' });
  });
  afterAll(async () => {
    await driver?.close();
  });

  async function pair(channel: string) {
    const seenByA: CommitMessage[] = [];
    const seenByB: CommitMessage[] = [];
    const a = await createCommitBus({ driver, channel, instanceId: 'A', onRemoteCommit: (m) => seenByA.push(m) });
    const b = await createCommitBus({ driver, channel, instanceId: 'B', onRemoteCommit: (m) => seenByB.push(m) });
    return { a, b, seenByA, seenByB };
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(condition()).toBe(true);
  }

  it("delivers a commit to the other instance and not back to its sender", async () => {
    const { a, b, seenByA, seenByB } = await pair('bus_deliver');
    a.publish({ version: 5, channels: ['x', 'y'] });
    await a.flush();
    await until(() => seenByB.length === 1);
    expect(seenByB).toEqual([{ instanceId: 'A', version: 5, scope: ['x', 'y'] }]);
    expect(seenByA).toEqual([]);
    await a.close();
    await b.close();
  });

  it('coalesces a burst into far fewer NOTIFYs that still cover every channel and the last version', async () => {
    const { a, b, seenByB } = await pair('bus_burst');
    for (let v = 1; v <= 200; v++) a.publish({ version: v, channels: [`ch${v % 10}`] });
    await a.flush();
    expect(a.stats.published).toBe(200);
    // The first goes out at once; the other 199 arrive while it is in flight and merge into one.
    expect(a.stats.notifies).toBe(2);
    await until(() => seenByB.length === 2);
    const covered = new Set(seenByB.flatMap((m) => (m.scope === 'all' ? [] : m.scope)));
    expect([...covered].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `ch${i}`).sort());
    expect(seenByB.at(-1)?.version).toBe(200);
    expect(b.stats.received).toBe(2);
    await a.close();
    await b.close();
  });

  it('merges a burst whose channels would not fit into one "everything changed" notification', async () => {
    const { a, b, seenByB } = await pair('bus_big');
    a.publish({ version: 1, channels: ['first'] });
    for (let v = 2; v <= 300; v++) a.publish({ version: v, channels: [`channel-${v}-${'x'.repeat(40)}`] });
    await a.flush();
    await until(() => seenByB.length === 2);
    expect(seenByB[1]).toEqual({ instanceId: 'A', version: 300, scope: 'all' });
    await a.close();
    await b.close();
  });

  it('stops delivering after close', async () => {
    const { a, b, seenByB } = await pair('bus_close');
    await b.close();
    a.publish({ version: 1, channels: ['x'] });
    await a.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(seenByB).toEqual([]);
    await a.close();
  });
});
