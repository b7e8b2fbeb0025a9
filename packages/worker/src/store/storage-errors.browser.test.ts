import { afterEach, describe, expect, it, vi } from 'vitest';
import { refuseBlobsInIndexedDB } from '../test-support/blob-fault.ts';
import { failCommitsWithQuota } from '../test-support/quota-fault.ts';
import { DexieJournalStore } from './dexie-journal-store.ts';
import type { ActionRecord } from './journal-store.ts';

const stores: DexieJournalStore[] = [];
const cleanups: (() => void)[] = [];
function openStore(name = `se-${crypto.randomUUID()}`, options?: ConstructorParameters<typeof DexieJournalStore>[2]) {
  const store = new DexieJournalStore(name, 'relaxed', options);
  stores.push(store);
  return store;
}
afterEach(() => {
  cleanups.splice(0).forEach((c) => c());
  vi.unstubAllGlobals();
  stores.splice(0).forEach((s) => s.close());
});
function quotaFault(stores: string[]) {
  const fault = failCommitsWithQuota(stores);
  cleanups.push(fault.restore);
  return fault;
}

const record = (n: number): ActionRecord => ({ kind: 'action', id: `c-${n}`, clientSeq: n, name: 'add', args: { n }, time: 1000 + n });
const ids = async (store: DexieJournalStore) => (await store.readAfter(0)).map((e) => (e.record.kind === 'action' ? e.record.id : null));

describe('DexieJournalStore: IndexedDB unavailable', () => {
  it('without indexedDB in scope, every call fails with storage_unavailable and says what to do', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const store = openStore();
    const unavailable = {
      kind: 'storage_unavailable',
      message: expect.stringMatching(/IndexedDB is not available here.*could not be opened.*private mode/s),
      details: { operation: 'open', cause: { name: 'MissingAPIError' } },
    };
    await expect(store.getMeta('clientId')).rejects.toMatchObject(unavailable);
    await expect(store.append([record(1)])).rejects.toMatchObject(unavailable);
    await expect(store.latestCheckpoint()).rejects.toMatchObject(unavailable);
  });

  it('an open the browser refuses (blocked site data) fails with storage_unavailable', async () => {
    const refusing = new Proxy(indexedDB, {
      get(target, prop) {
        if (prop === 'open') return () => { throw new DOMException('The operation is insecure.', 'SecurityError'); };
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = openStore(undefined, { indexedDB: refusing });
    await expect(store.readAfter(0)).rejects.toMatchObject({
      kind: 'storage_unavailable',
      message: expect.stringContaining('SecurityError: The operation is insecure.'),
      details: { operation: 'open', cause: { name: 'SecurityError' } },
    });
  });
});

describe('DexieJournalStore: an IndexedDB that refuses Blobs (WebKit ephemeral sessions)', () => {
  it('stores the checkpoint image as bytes and gives it back as a Blob with the same content', async () => {
    const fault = refuseBlobsInIndexedDB();
    cleanups.push(fault.restore);
    const name = `se-${crypto.randomUUID()}`;
    const store = openStore(name);
    const image = new Blob([new Uint8Array([1, 2, 3, 250])]);
    await store.putCheckpoint({ seq: 3, image, createdAt: 1, version: '1' });
    await store.putCheckpoint({ seq: 5, image: new Blob([new Uint8Array([9])]), createdAt: 2, version: '1' });
    // Refused once, then straight to bytes.
    expect(fault.refusals()).toBe(1);
    fault.restore();
    const again = openStore(name);
    const latest = await again.latestCheckpoint();
    expect(latest).toMatchObject({ seq: 5, createdAt: 2, version: '1' });
    expect(latest!.image).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await latest!.image.arrayBuffer())]).toEqual([9]);
  });
});

describe('DexieJournalStore: quota exceeded', () => {
  it('an append refused by the quota fails with storage_full, keeps nothing of it and everything before', async () => {
    const store = openStore();
    await store.append([record(1), record(2)]);
    const fault = quotaFault(['journal']);
    await expect(store.append([record(3), record(4)])).rejects.toMatchObject({
      kind: 'storage_full',
      message: expect.stringMatching(/storage for this site is full.*were not saved, so they did not take effect.*Everything saved before is kept/s),
      details: { operation: 'append', cause: { name: 'QuotaExceededError' } },
    });
    expect(fault.failures()).toBe(1);
    expect(await ids(store)).toEqual(['c-1', 'c-2']);
    // Space again: the journal goes on after what it kept.
    fault.restore();
    await store.append([record(5)]);
    expect(await ids(store)).toEqual(['c-1', 'c-2', 'c-5']);
  });

  it('a checkpoint refused by the quota fails with storage_full; the journal and the older checkpoint stay', async () => {
    const name = `se-${crypto.randomUUID()}`;
    const first = openStore(name);
    const seqs = await first.append([record(1), record(2)]);
    await first.putCheckpoint({ seq: seqs[0]!, image: new Blob(['old']), createdAt: 1, version: '0' });
    first.close();
    const fault = quotaFault(['checkpoints']);
    const store = openStore(name);
    await expect(store.putCheckpoint({ seq: seqs[1]!, image: new Blob(['new']), createdAt: 2, version: '0' })).rejects.toMatchObject({
      kind: 'storage_full',
      message: expect.stringContaining('The checkpoint was not saved; the journal still holds every change'),
      details: { operation: 'checkpoint', cause: { name: 'QuotaExceededError' } },
    });
    // Once: a full quota would refuse the image's bytes too, so they are not tried.
    expect(fault.failures()).toBe(1);
    const kept = await store.latestCheckpoint();
    expect(kept?.seq).toBe(seqs[0]);
    expect(await kept!.image.text()).toBe('old');
    expect(await ids(store)).toEqual(['c-1', 'c-2']);
  });
});
