import Dexie from 'dexie';
import type { Table } from 'dexie';
import type { Checkpoint, JournalEntry, JournalRecord, JournalStore } from './journal-store.ts';

interface MetaRow {
  key: string;
  value: unknown;
}

class TandemDexie extends Dexie {
  journal!: Table<JournalEntry, number>;
  checkpoints!: Table<Checkpoint, number>;
  meta!: Table<MetaRow, string>;
  constructor(name: string, durability: 'relaxed' | 'strict') {
    super(name, { chromeTransactionDurability: durability });
    this.version(1).stores({ journal: '++seq', checkpoints: 'seq', meta: 'key' });
  }
}

/** {@link JournalStore} on IndexedDB through Dexie. One database per Tandem `name`. */
export class DexieJournalStore implements JournalStore {
  readonly #db: TandemDexie;
  readonly #durability: 'relaxed' | 'strict';

  constructor(name: string, durability: 'relaxed' | 'strict' = 'relaxed') {
    this.#db = new TandemDexie(`tandem:${name}`, durability);
    this.#durability = durability;
  }

  append(records: readonly JournalRecord[]): Promise<number[]> {
    if (records.length === 0) return Promise.resolve([]);
    // The hot path of every write: one raw IndexedDB transaction, committed explicitly as soon as
    // its requests are queued. The runtime overlaps this append with engine work that runs as one
    // long chain of microtasks; an auto-committing transaction (Dexie's) would only commit once
    // that chain yields and its request events ran, so its cost would add to the engine's instead
    // of hiding behind it. Dexie's own path remains for a database that is not open (yet, or any
    // more: it reopens it).
    const idb = this.#db.isOpen() ? this.#db.backendDB() : null;
    if (idb) {
      let tx: IDBTransaction;
      try {
        tx = idb.transaction('journal', 'readwrite', { durability: this.#durability });
      } catch {
        return this.#appendThroughDexie(records);
      }
      return appendRaw(tx, records);
    }
    return this.#appendThroughDexie(records);
  }

  #appendThroughDexie(records: readonly JournalRecord[]): Promise<number[]> {
    const db = this.#db;
    return db.transaction('rw', db.journal, async () => {
      const seqs: number[] = [];
      // bulkAdd with allKeys returns the generated keys in order, in the one transaction.
      const keys = await db.journal.bulkAdd(records.map((record) => ({ record }) as JournalEntry), { allKeys: true });
      for (const k of keys) seqs.push(k as number);
      return seqs;
    });
  }

  readAfter(seq: number): Promise<JournalEntry[]> {
    return this.#db.journal.where('seq').above(seq).toArray();
  }

  async lastSeq(): Promise<number> {
    const last = await this.#db.journal.orderBy('seq').last();
    return last?.seq ?? 0;
  }

  count(): Promise<number> {
    return this.#db.journal.count();
  }

  latestCheckpoint(): Promise<Checkpoint | undefined> {
    return this.#db.checkpoints.orderBy('seq').last();
  }

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.#db.checkpoints.put(checkpoint);
  }

  async trimThrough(seq: number): Promise<void> {
    const db = this.#db;
    await db.transaction('rw', db.journal, db.checkpoints, async () => {
      await db.journal.where('seq').belowOrEqual(seq).delete();
      await db.checkpoints.where('seq').below(seq).delete();
    });
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.#db.meta.get(key))?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.#db.meta.put({ key, value });
  }

  close(): void {
    this.#db.close();
  }
}

/** Adds `records` in `tx` (autoIncrement keys = journal seqs, in order) and commits it at once. */
function appendRaw(tx: IDBTransaction, records: readonly JournalRecord[]): Promise<number[]> {
  return new Promise<number[]>((resolve, reject) => {
    const seqs: number[] = new Array<number>(records.length);
    tx.oncomplete = () => resolve(seqs);
    tx.onabort = () => reject(tx.error ?? new DOMException('The journal transaction was aborted.', 'AbortError'));
    try {
      const store = tx.objectStore('journal');
      records.forEach((record, i) => {
        const request = store.add({ record } as Omit<JournalEntry, 'seq'>);
        request.onsuccess = () => {
          seqs[i] = request.result as number;
        };
      });
      // Nothing else will be asked of it: start committing now instead of when this task ends.
      tx.commit?.();
    } catch (error) {
      // A record that cannot be cloned throws synchronously; nothing of this batch may persist.
      try {
        tx.abort();
      } catch {
        // already finished
      }
      reject(error);
    }
  });
}
