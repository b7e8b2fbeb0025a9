import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, PushAction } from '@tandem/core';
import type { SqlDriver } from '../store/sql-driver.ts';
import { createPostgresDriver } from '../store/postgres-driver.ts';
import { createTestPostgresDriver, createTestSchema, PG_URL, probePostgres } from '../test-support/postgres.ts';
import { todoAppOptions } from '../test-support/todo-app.ts';
import { createSyncStore } from './create-sync-store.ts';
import type { SyncStore } from './sync-store.ts';

const probe = await probePostgres('gap-free');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const CHANNELS = ['g1', 'g2', 'g3', 'g4'];
const PUSHERS = 8;
const PUSHES_EACH = 30;
const PULLERS = 3;

/**
 * The proof that pull cursors never skip a commit. Pushers commit concurrently with random delays
 * both inside the actions and AFTER the version is taken (a test trigger sleeps in the commit
 * statement, holding the transaction open at its most dangerous point: a sequence-based version
 * would be read by a puller before a lower one commits). Pullers follow their cursors throughout.
 */
describe.skipIf(!probe.ok)('gap-free commit versions (postgres)', () => {
  let driver: SqlDriver;
  let cleanup: () => Promise<void>;
  let store: SyncStore;
  let limited: SyncStore;

  beforeAll(async () => {
    ({ driver, cleanup } = await createTestPostgresDriver('gapfree', 16));
    store = await createSyncStore(driver, todoAppOptions());
    limited = await createSyncStore(driver, todoAppOptions({ pullLimit: 7 }));
    await driver.exec(`
      create function test_commit_delay() returns trigger language plpgsql as $$
      begin perform pg_sleep(random() * 0.004); return null; end $$;
      create trigger test_commit_delay after insert on tandem_commits for each row execute function test_commit_delay();
    `);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('every puller gets every change exactly once, in strictly increasing versions', async () => {
    // Seed one commit so pullers start from a real cursor (no snapshot).
    await store.invoke('addTodo', { listId: 'g1', title: 'seed' }, { id: 'seed' });
    const start = await store.head();

    let pushing = true;
    const pushers = Array.from({ length: PUSHERS }, async (_, p) => {
      const clientId = `pusher-${p}`;
      let seq = 0;
      for (let i = 0; i < PUSHES_EACH; i++) {
        const actions: PushAction[] = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => {
          seq++;
          const listId = CHANNELS[Math.floor(Math.random() * CHANNELS.length)]!;
          return { id: `${clientId}-${seq}`, seq, name: 'slowAdd', args: { listId, title: `${p}/${seq}`, delayMs: Math.floor(Math.random() * 4) }, time: seq };
        });
        const { response } = await store.push(clientId, { id: `user-${p}` }, actions);
        expect(response.rejected).toEqual([]);
        await sleep(Math.random() * 3);
      }
    });

    const pullers = Array.from({ length: PULLERS }, async (_, k) => {
      const source = k === 0 ? limited : store;
      let cursor = start;
      const got: Change[] = [];
      const versions: number[] = [];
      for (;;) {
        const done = !pushing;
        const res = await source.pull({ clientId: `puller-${k}`, channels: CHANNELS.map((channel) => ({ channel, cursor })) }, { id: `reader-${k}` });
        expect(res.snapshots).toEqual([]);
        expect(res.version).toBeGreaterThanOrEqual(cursor);
        for (const c of res.changes) {
          expect(c.version).toBeGreaterThan(cursor);
          expect(c.version).toBeLessThanOrEqual(res.version);
        }
        got.push(...res.changes);
        if (res.version > cursor) versions.push(res.version);
        cursor = res.version;
        if (done && !res.more) return { got, versions, cursor };
        await sleep(Math.random() * 2);
      }
    });

    await Promise.all(pushers);
    pushing = false;
    const results = await Promise.all(pullers);

    const head = await store.head();
    const commits = await driver.query<{ version: number }>('select version from tandem_commits where version > $1 order by version', [start]);
    expect(commits.map((c) => c.version)).toEqual(Array.from({ length: head - start }, (_, i) => start + 1 + i));
    const truth = await driver.query<{ version: number; action_id: string; row_id: string }>(
      `select c.version, ch.action_id, ch.row_id from tandem_commits c join tandem_changes ch on ch.txid = c.txid
       where c.version > $1 and ch.channel = any($2::text[]) order by c.version, ch.seq`,
      [start, CHANNELS],
    );
    const totalActions = (await driver.query<{ n: number }>(`select count(*) as n from todos where id like 'pusher-%'`))[0]!.n;
    expect(truth.length).toBe(totalActions);
    expect(totalActions).toBeGreaterThanOrEqual(PUSHERS * PUSHES_EACH);

    for (const { got, versions, cursor } of results) {
      expect(cursor).toBe(head);
      expect(got.map((c) => `${c.version} ${c.actionId} ${c.rowId}`)).toEqual(truth.map((t) => `${t.version} ${t.action_id} ${t.row_id}`));
      expect(new Set(got.map((c) => c.rowId)).size).toBe(got.length);
      for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
    }
  }, 120_000);
});

describe.skipIf(!probe.ok)('setup from two processes at once (postgres)', () => {
  it('both succeed on one fresh schema, taking turns on the advisory lock', async () => {
    for (let round = 0; round < 3; round++) {
      const { schema, drop } = await createTestSchema('twosetup');
      const a = createPostgresDriver({ url: PG_URL, searchPath: schema, max: 2 });
      const b = createPostgresDriver({ url: PG_URL, searchPath: schema, max: 2 });
      try {
        const [sa, sb] = await Promise.all([createSyncStore(a, todoAppOptions()), createSyncStore(b, todoAppOptions())]);
        const { response } = await sa.push('two-setup', { id: 'u' }, [{ id: 'two-setup-1', seq: 1, name: 'addTodo', args: { listId: 'l', title: 't' }, time: 1 }]);
        expect(response.version).toBe(1);
        expect(await sb.head()).toBe(1);
        const triggers = await a.query<{ n: number }>(
          `select count(*) as n from pg_trigger t join pg_class c on c.oid = t.tgrelid
           where c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and t.tgname = 'tandem_capture'`,
        );
        expect(triggers).toEqual([{ n: 2 }]);
      } finally {
        await a.close();
        await b.close();
        await drop();
      }
    }
  }, 60_000);
});
