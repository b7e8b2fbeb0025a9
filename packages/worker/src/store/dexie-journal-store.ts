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

  constructor(name: string, durability: 'relaxed' | 'strict' = 'relaxed') {
    this.#db = new TandemDexie(`tandem:${name}`, durability);
  }

  async append(records: readonly JournalRecord[]): Promise<number[]> {
    if (records.length === 0) return [];
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
