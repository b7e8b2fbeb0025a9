import { describe, expect, it } from 'vitest';
import { applyRowDiff } from '@tandem/core';
import type { Row } from '@tandem/core';
import { LiveQueryRegistry } from './live-query-registry.ts';

/**
 * An engine stand-in: one table `items (id text, list_id text)`, queries `… where list_id = $1`
 * evaluated in JS, and those restricted to written rows by id (changedRowsSql: the ids follow the query's own parameter).
 */
function fakeSource(items: Row[]) {
  return {
    query: async (sql: string, params: readonly unknown[]) =>
      items.filter((r) => (params.length === 0 || r.list_id === params[0]) && (!sql.includes('tandem_changed') || params.slice(1).includes(r.id))),
    tablesRead: async () => ['items'],
    catalogue: {
      dialect: 'postgres' as const,
      query: async () => [
        { name: 'id', type: 'text', coll: null },
        { name: 'list_id', type: 'text', coll: null },
      ],
    },
  };
}

const SQL = 'select * from items where list_id = $1';

describe('LiveQueryRegistry', () => {
  it('re-runs only the queries a row (old or new) may meet; loads rows only when a filtered query needs them', async () => {
    const items: Row[] = [];
    const live = new LiveQueryRegistry(fakeSource(items));
    const subs = await Promise.all(['a', 'b', 'c'].map((l) => live.subscribe('t1', SQL, [l])));
    const all = await live.subscribe('t1', 'select * from items', []);
    expect(live.filteredCount).toBe(3);
    items.push({ id: '1', list_id: 'b' });
    let loads = 0;
    const patches = async () => {
      loads++;
      return [{ table: 'items', oldRow: null, newRow: { id: '1', list_id: 'b' } }];
    };
    const byTab = await live.afterCommit({ tables: new Set(['items']), patches });
    expect(loads).toBe(1);
    expect(byTab.get('t1')!.updates.map((u) => u.subId).sort()).toEqual([subs[1]!.subId, all.subId].sort());
    expect(live.evaluations()[SQL]).toBe(4);
    // Moving from b to c: the old row re-runs b's query, the new row c's.
    items[0] = { id: '1', list_id: 'c' };
    const moved = await live.afterCommit({
      tables: new Set(['items']),
      patches: async () => [{ table: 'items', oldRow: { id: '1', list_id: 'b' }, newRow: { id: '1', list_id: 'c' } }],
    });
    expect(moved.get('t1')!.updates.map((u) => u.subId).sort()).toEqual([subs[1]!.subId, subs[2]!.subId, all.subId].sort());
    expect(live.evaluations()[SQL]).toBe(6);
    // No rows offered (a rebase) or rows that cannot be loaded: table level.
    await live.afterCommit({ tables: new Set(['items']) });
    expect(live.evaluations()[SQL]).toBe(9);
    await live.afterCommit({ tables: new Set(['items']), patches: () => Promise.reject(new Error('gone')) });
    expect(live.evaluations()[SQL]).toBe(12);
    // A table with no patch in the commit (written without capture) is table level too.
    await live.afterCommit({ tables: new Set(['items']), patches: async () => [] });
    expect(live.evaluations()[SQL]).toBe(15);
  });

  it('reads back only the written rows of a plain filter (select * … where) and merges them; other shapes re-run', async () => {
    const items: Row[] = [
      { id: '1', list_id: 'a' },
      { id: '2', list_id: 'a' },
    ];
    const source = fakeSource(items);
    const sent: { sql: string; params: readonly unknown[] }[] = [];
    const query = source.query;
    source.query = async (sql, params) => {
      sent.push({ sql, params });
      return query(sql, params);
    };
    const live = new LiveQueryRegistry(source);
    const plain = await live.subscribe('t1', SQL, ['a']);
    const ordered = await live.subscribe('t1', 'select * from items where list_id = $1 order by id', ['a']);
    sent.length = 0;
    // 3 enters list a, 1 leaves it for b.
    items.push({ id: '3', list_id: 'a' });
    items[0] = { id: '1', list_id: 'b' };
    const byTab = await live.afterCommit({
      tables: new Set(['items']),
      patches: async () => [
        { table: 'items', oldRow: null, newRow: { id: '3', list_id: 'a' } },
        { table: 'items', oldRow: { id: '1', list_id: 'a' }, newRow: { id: '1', list_id: 'b' } },
      ],
    });
    expect(sent).toEqual([
      { sql: 'select * from (select * from items where list_id = $1) as tandem_changed where id in ($2, $3)', params: ['a', '3', '1'] },
      { sql: 'select * from items where list_id = $1 order by id', params: ['a'] },
    ]);
    const diffs = new Map(byTab.get('t1')!.updates.map((u) => [u.subId, u.diff]));
    expect(applyRowDiff(plain.rows, diffs.get(plain.subId)!)).toEqual([
      { id: '2', list_id: 'a' },
      { id: '3', list_id: 'a' },
    ]);
    expect(diffs.get(plain.subId)).toEqual(diffs.get(ordered.subId));
    // Counted as an evaluation of the query's own text.
    expect(live.evaluations()[SQL]).toBe(2);
  });

  it('does not load rows when no filtered query reads a changed table', async () => {
    const live = new LiveQueryRegistry(fakeSource([]));
    await live.subscribe('t1', 'select * from items', []);
    let loads = 0;
    await live.afterCommit({ tables: new Set(['items']), patches: async () => (loads++, []) });
    expect(loads).toBe(0);
  });

  it("posts the writing tabs' batches before the other tabs' queries re-run", async () => {
    const items: Row[] = [];
    const source = fakeSource(items);
    const order: string[] = [];
    const query = source.query;
    source.query = async (sql, params) => {
      order.push(`run ${String(params[0])}`);
      return query(sql, params);
    };
    const live = new LiveQueryRegistry(source);
    await live.subscribe('writer', SQL, ['a']);
    await live.subscribe('other', SQL, ['a']); // shared with the writer: re-run once, in the first phase
    await live.subscribe('other', SQL, ['b']);
    order.length = 0;
    items.push({ id: '1', list_id: 'a' }, { id: '2', list_id: 'b' });
    const rest = await live.afterCommit(
      { tables: new Set(['items']) },
      {
        tabs: new Set(['writer']),
        posted: (batches) => {
          order.push(`posted ${[...batches.keys()].join(',')}`);
        },
      },
    );
    expect(order).toEqual(['run a', 'posted writer', 'run b']);
    expect([...rest.keys()]).toEqual(['other']);
    expect(rest.get('other')!.updates).toHaveLength(2);
  });
});
