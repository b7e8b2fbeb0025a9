import { describe, expect, it } from 'vitest';
import type { SqlDriver } from '../store/sql-driver.ts';
import { todoAppOptions } from '../test-support/todo-app.ts';
import { clientOf as clientOfAt, useFreshStore } from '../test-support/store-fixture.ts';
import type { DriverFactory } from './sync-store.conformance.ts';
import type { AuthUser, CanWrite, SyncStore } from './sync-store.ts';

const alice: AuthUser = { id: 'alice' };
/** A clock no server has: what a client with a wrong (or forged) clock claims. */
const CLAIMED = Date.UTC(2001, 0, 1);

const clientOf = (clientId: string) => clientOfAt(clientId, CLAIMED);

/** Channels starting with `ro-` are read-only for everyone; the rest are writable. */
const canWrite: CanWrite = (_user, channel) => !channel.startsWith('ro-');

/**
 * What a push enforces beyond running the actions: the write rule (`canWrite`) and the server's
 * clock as `ctx.time`. Run against both drivers like the SyncStore conformance suite.
 */
export function runPushRulesConformance(name: string, freshDriver: DriverFactory): void {
  describe(`push rules: ${name}`, () => {
    let db: { driver: SqlDriver; cleanup: () => Promise<void> };
    let store: SyncStore;
    let n = 0;
    const list = (prefix = 'rw'): string => `${prefix}-list-${++n}`;
    const titles = async (channel: string): Promise<string[]> =>
      (await db.driver.query<{ title: string }>('select title from todos where list_id = $1 order by title', [channel])).map((r) => r.title);
    const changesOf = async (actionId: string): Promise<number> =>
      (await db.driver.query<{ n: number }>('select count(*)::int as n from tandem_changes where action_id = $1', [actionId]))[0]!.n;

    useFreshStore(freshDriver, todoAppOptions(), (d, s) => {
      db = d;
      store = s;
    });

    describe('the server clock', () => {
      it('runs ctx.time on the server clock, one value per push, with the client claim as ctx.clientTime', async () => {
        const c = clientOf('clock');
        const l = list();
        const before = Date.now();
        await store.push(c.id, alice, [c.next('stamp', { listId: l, id: `${l}-a` }), c.next('stamp', { listId: l, id: `${l}-b` })]);
        const after = Date.now();
        const rows = await db.driver.query<{ id: string; created_at: Date | string; meta: { time: number; clientTime: number } }>(
          'select id, created_at, meta from todos where list_id = $1 order by id',
          [l],
        );
        expect(rows.map((r) => r.meta.clientTime)).toEqual([CLAIMED + 1, CLAIMED + 2]);
        const [a, b] = rows.map((r) => r.meta.time);
        expect(a).toBeGreaterThanOrEqual(before);
        expect(a).toBeLessThanOrEqual(after);
        expect(b).toBe(a);
        expect(new Date(rows[0]!.created_at).getTime()).toBe(a);
      });

      it('keeps one time for a push across its retry with savepoints', async () => {
        const c = clientOf('clock-retry');
        const l = list();
        // The throwing action makes the push run twice (see push.ts); both stamps keep one time.
        const { response } = await store.push(c.id, alice, [
          c.next('stamp', { listId: l, id: `${l}-a` }),
          c.next('addTodo', { listId: l, title: 'forbidden' }),
          c.next('stamp', { listId: l, id: `${l}-b` }),
        ]);
        expect(response.rejected.map((r) => r.seq)).toEqual([2]);
        const rows = await db.driver.query<{ meta: { time: number } }>('select meta from todos where list_id = $1 order by id', [l]);
        expect(rows).toHaveLength(2);
        expect(rows[1]!.meta.time).toBe(rows[0]!.meta.time);
      });
    });

    describe('the write rule', () => {
      it('rolls back and rejects an action writing into a channel the user may not write, naming it; later actions run', async () => {
        const c = clientOf('write-into');
        const [ok, ro] = [list(), list('ro')];
        const { response, commit } = await store.push(
          c.id,
          alice,
          [
            c.next('addTodo', { listId: ro, title: 'sneaky' }),
            c.next('addTodo', { listId: ok, title: 'fine' }),
            c.next('addTodo', { listId: ro, title: 'again' }),
            c.next('addTodo', { listId: ok, title: 'also fine' }),
          ],
          0,
          canWrite,
        );
        expect(response.lastSeq).toBe(4);
        expect(response.rejected.map((r) => [r.seq, r.error.kind, r.error.details])).toEqual([
          [1, 'forbidden', { channel: ro }],
          [3, 'forbidden', { channel: ro }],
        ]);
        expect(response.rejected[0]!.error.message).toContain(JSON.stringify(ro));
        expect(await titles(ro)).toEqual([]);
        expect(await titles(ok)).toEqual(['also fine', 'fine']);
        expect(await changesOf('write-into-1')).toBe(0);
        expect(commit?.channels).toEqual([ok]);
      });

      it('checks both sides of a move: out of a writable channel and out of a read-only one', async () => {
        const c = clientOf('write-move');
        const [ok, ro] = [list(), list('ro')];
        // Seed a row in each channel without the rule, as an admin job would.
        await store.push(c.id, alice, [c.next('addTodo', { listId: ok, title: 'mine', id: `${ok}-t` }), c.next('addTodo', { listId: ro, title: 'theirs', id: `${ro}-t` })]);
        const { response } = await store.push(
          c.id,
          alice,
          [c.next('move', { id: `${ok}-t`, listId: ro }), c.next('move', { id: `${ro}-t`, listId: ok })],
          0,
          canWrite,
        );
        expect(response.rejected.map((r) => [r.seq, r.error.kind, r.error.details])).toEqual([
          [3, 'forbidden', { channel: ro }],
          [4, 'forbidden', { channel: ro }],
        ]);
        expect(await titles(ok)).toEqual(['mine']);
        expect(await titles(ro)).toEqual(['theirs']);
      });

      it('checks actions in savepoints too (a push that already needed them) and writes outside channels freely', async () => {
        const c = clientOf('write-savepoints');
        const [ok, ro] = [list(), list('ro')];
        const { response } = await store.push(
          c.id,
          alice,
          [
            c.next('addTodo', { listId: ok, title: 'forbidden' }), // throws: savepoints from here on
            c.next('addTodo', { listId: ro, title: 'sneaky' }),
            c.next('note', { note: 'not synced, no channel' }),
            c.next('addTodo', { listId: ok, title: 'fine' }),
          ],
          0,
          canWrite,
        );
        expect(response.rejected.map((r) => [r.seq, r.error.kind])).toEqual([
          [1, 'action_failed'],
          [2, 'forbidden'],
        ]);
        expect(await titles(ro)).toEqual([]);
        expect(await titles(ok)).toEqual(['fine']);
      });

      it('asks the rule once per channel and push, and fails the push whole when the rule throws', async () => {
        const c = clientOf('write-asks');
        const l = list();
        const asked: string[] = [];
        const counting: CanWrite = async (_user, channel) => {
          asked.push(channel);
          return true;
        };
        await store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'a' }), c.next('addTodo', { listId: l, title: 'b' })], 0, counting);
        expect(asked).toEqual([l]);

        const broken: CanWrite = () => {
          throw new Error('rule store down');
        };
        const head = await store.head();
        await expect(store.push(c.id, alice, [c.next('addTodo', { listId: l, title: 'c' })], 0, broken)).rejects.toThrow('rule store down');
        expect(await store.head()).toBe(head);
        expect(await titles(l)).toEqual(['a', 'b']);
      });
    });
  });
}
