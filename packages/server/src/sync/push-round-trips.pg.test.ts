import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushAction } from '@tandem/core';
import { createPostgresDriver } from '../store/postgres-driver.ts';
import { startRoundTripCounter } from '../store/round-trips.fixture.ts';
import type { RoundTripCounter } from '../store/round-trips.fixture.ts';
import type { SqlDriver } from '../store/sql-driver.ts';
import { createTestSchema, PG_URL, probePostgres } from '../test-support/postgres.ts';
import { todoAppOptions } from '../test-support/todo-app.ts';
import { createSyncStore } from './create-sync-store.ts';
import type { SyncStore } from './sync-store.ts';

const probe = await probePostgres('push-round-trips');

/**
 * The round trips of a small push, counted at the wire (latency on a real network is mostly these):
 * BEGIN goes with the client lock, the action id setting with the action's statement, COMMIT with
 * the commit statement (which also reads the client's earlier rejections).
 */
describe.skipIf(!probe.ok)('push round trips (postgres)', () => {
  let counter: RoundTripCounter;
  let driver: SqlDriver;
  let store: SyncStore;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const made = await createTestSchema('roundtrips');
    drop = made.drop;
    counter = await startRoundTripCounter(PG_URL);
    // One connection: the statements prepared while warming up are the ones used after.
    driver = createPostgresDriver({ url: counter.url, searchPath: made.schema, max: 1 });
    store = await createSyncStore(driver, todoAppOptions());
  });
  afterAll(async () => {
    await driver?.close();
    await counter?.close();
    await drop?.();
  });

  const addTodo = (seq: number): PushAction[] => [{ id: `rt-${seq}`, seq, name: 'addTodo', args: { listId: 'l1', title: `todo ${seq}` }, time: seq }];

  it('a 1-action push takes 3 round trips, a repeated one 2, an invoke 3', async () => {
    for (let seq = 1; seq <= 3; seq++) await store.push('rt', { id: 'u' }, addTodo(seq));
    // A repeated push's one statement (head + rejections) has parameters: prepared on first use.
    await store.push('rt', { id: 'u' }, addTodo(3));
    await store.invoke('addTodo', { listId: 'l1', title: 'warm' }, { id: 'u' });

    counter.reset();
    const { response } = await store.push('rt', { id: 'u' }, addTodo(4));
    expect(response).toMatchObject({ lastSeq: 4, rejected: [] });
    expect(counter.count()).toBe(3);

    counter.reset();
    const again = await store.push('rt', { id: 'u' }, addTodo(4));
    expect(again).toMatchObject({ response: { lastSeq: 4, version: response.version }, commit: null });
    expect(counter.count()).toBe(2);

    counter.reset();
    await store.invoke('addTodo', { listId: 'l1', title: 'invoked' }, { id: 'u' });
    expect(counter.count()).toBe(3);
  });
});
