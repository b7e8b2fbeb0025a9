import { createSerialQueue } from '@tandem/core/sql';
import type { Rejection } from '@tandem/core';
import type { JournalStore } from './journal-store.ts';

const REJECTIONS_META_KEY = 'rejections';

/**
 * Past this many, the oldest unacknowledged rejections are dropped (and logged): an app that never
 * acknowledges must not grow the meta row, rewritten whole on every change, without bound.
 */
const MAX_REJECTIONS = 1000;

/**
 * Rejected actions the app has not acknowledged yet, oldest first, kept in the journal store's
 * meta so they survive a restart: the server's verdicts and the worker's own (an action the new
 * code refuses after an upgrade, one that failed when replayed). An action that is rejected is
 * gone from the database; this list is what tells the app, so it is written before the action is
 * dropped anywhere durable.
 */
export class RejectionList {
  readonly #store: JournalStore;
  readonly #log: (message: string) => void;
  /** Writes one at a time: each rewrites the whole list, and none may undo another. */
  readonly #enqueue = createSerialQueue();
  #items: Rejection[];

  static async load(store: JournalStore, log: (message: string) => void = () => {}): Promise<RejectionList> {
    const stored = await store.getMeta<Rejection[]>(REJECTIONS_META_KEY);
    return new RejectionList(store, Array.isArray(stored) ? stored : [], log);
  }

  private constructor(store: JournalStore, items: Rejection[], log: (message: string) => void) {
    this.#store = store;
    this.#items = items;
    this.#log = log;
  }

  /** The unacknowledged rejections, oldest first (a copy). */
  get items(): Rejection[] {
    return [...this.#items];
  }

  /**
   * Adds rejections durably; one already listed (same action id) is not listed twice, so a start
   * that redoes interrupted work may report the same verdict again. Resolves with the new ones.
   */
  add(rejections: readonly Rejection[]): Promise<Rejection[]> {
    if (rejections.length === 0) return Promise.resolve([]);
    return this.#enqueue(async () => {
      const known = new Set(this.#items.map((r) => r.id));
      const added = rejections.filter((r) => !known.has(r.id) && known.add(r.id));
      if (added.length === 0) return [];
      let next = [...this.#items, ...added];
      if (next.length > MAX_REJECTIONS) {
        const dropped = next.slice(0, next.length - MAX_REJECTIONS);
        this.#log(`dropped ${dropped.length} unacknowledged rejection(s) past ${MAX_REJECTIONS}: ${dropped.map((r) => r.id).join(', ')}`);
        next = next.slice(-MAX_REJECTIONS);
      }
      await this.#store.setMeta(REJECTIONS_META_KEY, next);
      this.#items = next;
      return added;
    });
  }

  /** Removes the listed ids (unknown ones are ignored); resolves with how many were removed. */
  acknowledge(ids: readonly string[]): Promise<number> {
    return this.#enqueue(async () => {
      const gone = new Set(ids);
      const next = this.#items.filter((r) => !gone.has(r.id));
      const removed = this.#items.length - next.length;
      if (removed === 0) return 0;
      await this.#store.setMeta(REJECTIONS_META_KEY, next);
      this.#items = next;
      return removed;
    });
  }
}
