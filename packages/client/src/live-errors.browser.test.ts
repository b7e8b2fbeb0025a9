import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENGINE_NAMES, TandemError } from '@tandem/core';
import type { EngineName, Row } from '@tandem/core';
import { openTandem } from './open-tandem.ts';
import type { Tandem } from './tandem.ts';

const SCHEMA = 'create table todos (id text primary key, title text not null, done boolean not null default false, created_at bigint not null);';
/** Fails only while an open todo's title is not a number, each engine its own way. */
const NUMBERS: Record<EngineName, string> = {
  pglite: 'select cast(title as integer) as n from todos where done = false',
  sqlite: "select json_extract(title, '$') as n from todos where done = false",
};

const opened: Tandem[] = [];
afterEach(() => {
  opened.splice(0).forEach((db) => db.close());
  vi.restoreAllMocks();
});

async function open(engine: EngineName): Promise<Tandem> {
  const db = await openTandem({ worker: '/tandem/tandem-worker.js', schema: SCHEMA, actionsUrl: '/todo-actions.js', name: `le${crypto.randomUUID().slice(0, 8)}`, engine });
  opened.push(db);
  return db;
}

/** Records what a live query delivers; `next(kind)` resolves with its next event of that kind. */
function watch(db: Tandem, sql: string, withOnError = true) {
  const events: ({ rows: Row[] } | { error: TandemError })[] = [];
  const waiters: (() => void)[] = [];
  const push = (event: (typeof events)[number]) => {
    events.push(event);
    waiters.splice(0).forEach((w) => w());
  };
  const stop = db.live(sql, [], (rows) => push({ rows }), withOnError ? (error) => push({ error }) : undefined);
  const until = (n: number) => new Promise<void>((resolve) => (events.length >= n ? resolve() : waiters.push(() => events.length >= n && resolve())));
  return { events, stop, until };
}

describe('db.live onError', () => {
  for (const engine of ENGINE_NAMES) {
    it(`${engine}: a query that fails at subscribe gets a TandemError, never rows`, async () => {
      const db = await open(engine);
      const q = watch(db, 'select * from no_such_table');
      await q.until(1);
      expect(q.events).toHaveLength(1);
      const { error } = q.events[0] as { error: TandemError };
      expect(error).toBeInstanceOf(TandemError);
      expect(error).toMatchObject({ kind: 'query_failed', message: expect.stringContaining('no_such_table') });
      expect((await db.status()).subscriptions).toBe(0);
    });

    it(`${engine}: a re-run that fails after a commit reaches onError; the query keeps its rows and updates once it works`, async () => {
      const db = await open(engine);
      const seven = (await db.actions.add!({ title: '7' })) as string;
      const q = watch(db, NUMBERS[engine]);
      await q.until(1);
      expect(q.events[0]).toEqual({ rows: [{ n: 7 }] });
      const milk = (await db.actions.add!({ title: 'milk' })) as string;
      // Live messages are applied before the action that caused them resolves.
      expect(q.events).toHaveLength(2);
      expect((q.events[1] as { error: TandemError }).error).toMatchObject({ kind: 'query_failed', message: expect.stringContaining('Live query failed') });
      await db.actions.toggle!({ id: seven, done: true });
      expect((q.events[2] as { error: TandemError }).error).toMatchObject({ kind: 'query_failed' });
      // Works again: the rows follow from the last ones it had.
      await db.actions.toggle!({ id: milk, done: true });
      expect(q.events.slice(3)).toEqual([{ rows: [] }]);
      q.stop();
    });
  }

  it('without onError, the failure is logged with console.error', async () => {
    const logged = new Promise<unknown[]>((resolve) => vi.spyOn(console, 'error').mockImplementation((...args) => resolve(args)));
    const db = await open('pglite');
    const q = watch(db, 'select * from no_such_table', false);
    const [message, error] = await logged;
    expect(message).toContain('select * from no_such_table');
    expect(error).toMatchObject({ kind: 'query_failed' });
    expect(q.events).toEqual([]);
  });
});
