import { afterEach, describe, expect, it } from 'vitest';
import { DexieJournalStore } from './dexie-journal-store.ts';
import type { ActionRecord } from './journal-store.ts';

const stores: DexieJournalStore[] = [];
function openStore(name = `t-${crypto.randomUUID()}`) {
  const store = new DexieJournalStore(name);
  stores.push(store);
  return { store, name };
}
afterEach(() => stores.splice(0).forEach((s) => s.close()));

const record = (n: number): ActionRecord => ({ kind: 'action', id: `c-${n}`, clientSeq: n, name: 'add', args: { n }, time: 1000 + n });

describe('DexieJournalStore (real IndexedDB)', () => {
  it('appends a batch with increasing seqs and reads after a seq', async () => {
    const { store } = openStore();
    const seqs = await store.append([record(1), record(2), record(3)]);
    expect(seqs).toHaveLength(3);
    expect(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!).toBe(true);
    expect(await store.lastSeq()).toBe(seqs[2]);
    const after = await store.readAfter(seqs[0]!);
    expect(after.map((e) => (e.record.kind === 'action' ? e.record.id : null))).toEqual(['c-2', 'c-3']);
  });

  it('keeps records across a reopen (durable, not in memory)', async () => {
    const { store, name } = openStore();
    await store.append([record(1)]);
    store.close();
    const reopened = openStore(name).store;
    expect((await reopened.readAfter(0)).map((e) => e.record)).toEqual([record(1)]);
  });

  it('checkpoints, then trims records and older checkpoints', async () => {
    const { store } = openStore();
    const seqs = await store.append([record(1), record(2), record(3)]);
    await store.putCheckpoint({ seq: seqs[0]!, image: new Blob(['a']), createdAt: 1, version: 'v' });
    await store.putCheckpoint({ seq: seqs[1]!, image: new Blob(['bb']), createdAt: 2, version: 'v' });
    await store.trimThrough(seqs[1]!);
    const cp = await store.latestCheckpoint();
    expect(cp?.seq).toBe(seqs[1]);
    expect(await cp!.image.text()).toBe('bb');
    expect((await store.readAfter(0)).map((e) => e.seq)).toEqual([seqs[2]]);
    expect(await store.count()).toBe(1);
  });

  it('stores meta values', async () => {
    const { store } = openStore();
    expect(await store.getMeta('clientId')).toBeUndefined();
    await store.setMeta('clientId', 'abc');
    expect(await store.getMeta('clientId')).toBe('abc');
  });
});
