import { applyRowDiff } from '@tandem/core';
import type { LiveBatch, Row, RowDiff } from '@tandem/core';

interface LocalSub {
  rows: Row[];
  onChange: (rows: Row[]) => void;
}

/**
 * The tab's side of live queries: applies each batch of diffs and then notifies, so every query
 * changed by one transaction is updated before any callback runs (no torn states).
 */
export class LiveSubscriptions {
  readonly #subs = new Map<string, LocalSub>();
  /** Diffs that raced ahead of their subscribe() response. */
  readonly #early = new Map<string, RowDiff[]>();
  /** Removed here, not yet confirmed by the worker: diffs still in flight for them are dropped. */
  readonly #removed = new Set<string>();

  add(subId: string, rows: Row[], onChange: (rows: Row[]) => void): void {
    let current = rows;
    for (const diff of this.#early.get(subId) ?? []) current = applyRowDiff(current, diff);
    this.#early.delete(subId);
    this.#subs.set(subId, { rows: current, onChange });
    onChange(current);
  }

  remove(subId: string): void {
    this.#subs.delete(subId);
    this.#early.delete(subId);
    this.#removed.add(subId);
  }

  /** The worker confirmed the unsubscribe: no diff for `subId` can follow on the port. */
  forget(subId: string): void {
    this.#removed.delete(subId);
  }

  apply(batch: LiveBatch): void {
    const changed: LocalSub[] = [];
    for (const { subId, diff } of batch.updates) {
      const sub = this.#subs.get(subId);
      if (!sub) {
        if (this.#removed.has(subId)) continue;
        const early = this.#early.get(subId) ?? [];
        early.push(diff);
        this.#early.set(subId, early);
        continue;
      }
      sub.rows = applyRowDiff(sub.rows, diff);
      changed.push(sub);
    }
    for (const sub of changed) {
      try {
        sub.onChange(sub.rows);
      } catch (error) {
        console.error('[tandem] a live query callback threw', error);
      }
    }
  }

  clear(): void {
    this.#subs.clear();
    this.#early.clear();
    this.#removed.clear();
  }
}
