import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushAction } from '@tandem/core';
import { createTestPostgresDriver, probePostgres } from '../test-support/postgres.ts';
import { todoAppOptions } from '../test-support/todo-app.ts';
import { createSyncStore } from './create-sync-store.ts';
import type { SyncStore } from './sync-store.ts';

const probe = await probePostgres('push-throughput');

const CLIENTS = 8;
const PUSHES_EACH = 25;
const BATCH = 100;

/**
 * Many concurrent batched pushes on real Postgres (8 clients × batches of 100 one-insert actions):
 * every action lands exactly once with its client's seq recorded. The rate is printed for a glance;
 * speed is judged in bench/ (B12) against a same-run baseline, never by a timing assertion here.
 */
describe.skipIf(!probe.ok)('push throughput (postgres)', () => {
  let store: SyncStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const made = await createTestPostgresDriver('throughput', CLIENTS + 2);
    cleanup = made.cleanup;
    store = await createSyncStore(made.driver, todoAppOptions());
  });
  afterAll(async () => {
    await cleanup?.();
  });

  const batch = (clientId: string, from: number, name = 'addTodo'): PushAction[] =>
    Array.from({ length: BATCH }, (_, i) => {
      const seq = from + i;
      return { id: `${clientId}-${seq}`, seq, name, args: { listId: `list-${seq % 10}`, title: `todo ${seq}` }, time: seq };
    });

  it(`runs ${CLIENTS} clients × ${PUSHES_EACH} pushes × ${BATCH} actions`, async () => {
    // Warm up: prepared statements and the plan cache on every pooled connection.
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => store.push(`warm-${c}`, { id: 'u' }, batch(`warm-${c}`, 1))));
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const clientId = `bench-${c}`;
        for (let p = 0; p < PUSHES_EACH; p++) {
          const { response } = await store.push(clientId, { id: 'u' }, batch(clientId, 1 + p * BATCH));
          expect(response.rejected).toEqual([]);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const total = CLIENTS * PUSHES_EACH * BATCH;
    const perSecond = Math.round(total / seconds);
    console.log(`push throughput: ${total} actions in ${seconds.toFixed(2)} s = ${perSecond} actions/s (${CLIENTS} clients, batches of ${BATCH})`);
    const pulled = await store.pull({ clientId: 'bench-0', channels: Array.from({ length: 10 }, (_, i) => ({ channel: `list-${i}`, cursor: 0 })) }, { id: 'u' });
    const rows = pulled.snapshots.flatMap((s) => s.tables.todos ?? []);
    expect(rows).toHaveLength(total + CLIENTS * BATCH);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(pulled.lastSeq).toBe(PUSHES_EACH * BATCH);
  }, 120_000);

  it('a batch with one throwing action still commits the rest (savepoint fallback), and its cost is printed', async () => {
    const clientId = 'bench-reject';
    const actions = batch(clientId, 1);
    actions[50] = { ...actions[50]!, args: { listId: 'list-x', title: 'forbidden' } };
    const started = performance.now();
    const { response } = await store.push(clientId, { id: 'u' }, actions);
    const ms = performance.now() - started;
    expect(response.rejected.map((r) => r.seq)).toEqual([51]);
    expect(response.lastSeq).toBe(BATCH);
    console.log(`push with one rejection in ${BATCH} actions: ${ms.toFixed(1)} ms`);
  });
});
