import Dexie from 'dexie';
import { journalDatabaseName } from '@tandem/core';
import type { Table } from 'dexie';
import type { Checkpoint, JournalEntry, JournalRecord, JournalStore } from './journal-store.ts';
import { guardStorage, isQuotaError, toStorageError } from './storage-errors.ts';
import type { StorageOperation } from './storage-errors.ts';

interface MetaRow {
  key: string;
  value: unknown;
}

/** A checkpoint as stored: its image a Blob, or its bytes where IndexedDB refuses Blobs. */
type StoredCheckpoint = Omit<Checkpoint, 'image'> & { image: Blob | ArrayBuffer };

class TandemDexie extends Dexie {
  journal!: Table<JournalEntry, number>;
  checkpoints!: Table<StoredCheckpoint, number>;
  meta!: Table<MetaRow, string>;
  constructor(name: string, durability: 'relaxed' | 'strict', indexedDB: IDBFactory | null) {
    // Dexie reads `indexedDB` once, when it is imported; the store reads it now. An explicit
    // undefined overrides Dexie's: each call then fails with MissingAPIError (`storage_unavailable`).
    super(name, { chromeTransactionDurability: durability, indexedDB: indexedDB ?? undefined });
    this.version(1).stores({ journal: '++seq', checkpoints: 'seq', meta: 'key' });
  }
}

export interface DexieJournalStoreOptions {
  /** The IndexedDB factory (tests wrap it). Default: the global `indexedDB`, when there is one. */
  indexedDB?: IDBFactory | null;
}

/**
 * {@link JournalStore} on IndexedDB through Dexie. One database per Tandem `name`. A missing or
 * refused IndexedDB fails its calls with `storage_unavailable`, an exhausted quota with
 * `storage_full` (storage-errors.ts); a failed write keeps nothing of itself and nothing before it.
 */
export class DexieJournalStore implements JournalStore {
  readonly #db: TandemDexie;
  readonly #durability: 'relaxed' | 'strict';
  /** Set once IndexedDB refused a Blob here: images are stored as bytes from then on. */
  #imagesAsBytes = false;

  constructor(name: string, durability: 'relaxed' | 'strict' = 'relaxed', options: DexieJournalStoreOptions = {}) {
    this.#db = new TandemDexie(journalDatabaseName(name), durability, options.indexedDB !== undefined ? options.indexedDB : globalIndexedDB());
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
      return appendRaw(tx, records).catch((error: unknown) => Promise.reject(toStorageError('append', error)));
    }
    return this.#appendThroughDexie(records);
  }

  #appendThroughDexie(records: readonly JournalRecord[]): Promise<number[]> {
    const db = this.#db;
    return this.#guard('append', () => db.transaction('rw', db.journal, async () => {
      const seqs: number[] = [];
      // bulkAdd with allKeys returns the generated keys in order, in the one transaction.
      const keys = await db.journal.bulkAdd(records.map((record) => ({ record }) as JournalEntry), { allKeys: true });
      for (const k of keys) seqs.push(k as number);
      return seqs;
    }));
  }

  readAfter(seq: number): Promise<JournalEntry[]> {
    return this.#guard('read', () => this.#db.journal.where('seq').above(seq).toArray());
  }

  async lastSeq(): Promise<number> {
    const last = await this.#guard('read', () => this.#db.journal.orderBy('seq').last());
    return last?.seq ?? 0;
  }

  count(): Promise<number> {
    return this.#guard('read', () => this.#db.journal.count());
  }

  async latestCheckpoint(): Promise<Checkpoint | undefined> {
    const stored = await this.#guard('read', () => this.#db.checkpoints.orderBy('seq').last());
    if (!stored || stored.image instanceof Blob) return stored as Checkpoint | undefined;
    return { ...stored, image: new Blob([stored.image]) };
  }

  /**
   * A Blob where IndexedDB takes one (Chromium keeps it as a file, no copy in the database); its
   * bytes where it does not: WebKit's ephemeral sessions (Safari's private browsing, WebKitGTK
   * under automation) fail a Blob with "Error preparing Blob/File data to be stored", which made
   * every checkpoint fail there, and a start that must checkpoint (a migration) fatal.
   */
  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.#guard('checkpoint', async () => {
      if (!this.#imagesAsBytes) {
        try {
          return await this.#db.checkpoints.put(checkpoint);
        } catch (error) {
          // A full quota refuses the bytes as well: only another refusal is worth the retry.
          if (isQuotaError(error) || !this.#db.isOpen()) throw error;
          this.#imagesAsBytes = true;
        }
      }
      return this.#db.checkpoints.put({ ...checkpoint, image: await checkpoint.image.arrayBuffer() });
    });
  }

  async trimThrough(seq: number): Promise<void> {
    const db = this.#db;
    await this.#guard('trim', () =>
      db.transaction('rw', db.journal, db.checkpoints, async () => {
        await db.journal.where('seq').belowOrEqual(seq).delete();
        await db.checkpoints.where('seq').below(seq).delete();
      }),
    );
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.#guard('read', () => this.#db.meta.get(key)))?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.#guard('meta', () => this.#db.meta.put({ key, value }));
  }

  #guard<T>(operation: StorageOperation, op: () => Promise<T>): Promise<T> {
    return guardStorage(operation, () => this.#db.isOpen(), op);
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * Deletes the local database `name` from IndexedDB: its journal, checkpoints (the engine's images:
 * the engines run in memory, so this is all they store) and meta. Every store on it must be closed
 * first, or the deletion waits for them.
 */
export async function deleteJournalDatabase(name: string): Promise<void> {
  await Dexie.delete(journalDatabaseName(name));
}

/** The global IndexedDB factory; null where there is none or reading it is refused (an opaque origin). */
function globalIndexedDB(): IDBFactory | null {
  try {
    return (globalThis as { indexedDB?: IDBFactory }).indexedDB ?? null;
  } catch {
    return null;
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
