import { applyRowDiff, fromErrorData } from '@tandem/core';
import type { LiveBatch, Row, RowDiff, TandemError, TandemErrorData } from '@tandem/core';

interface LocalSub {
  rows: Row[];
  onChange: (rows: Row[]) => void;
  onError: (error: TandemError) => void;
}

/** What the worker sent for a subscription before its subscribe() response arrived. */
type EarlyEvent = { diff: RowDiff } | { error: TandemErrorData };

/**
 * The tab's side of live queries: applies each batch of diffs and then notifies, so every query
 * changed by one transaction is updated before any callback runs (no torn states). A query whose
 * re-evaluation failed keeps its rows and gets `onError`; its later diffs start from those rows.
 */
export class LiveSubscriptions {
  readonly #subs = new Map<string, LocalSub>();
  /** Events that raced ahead of their subscribe() response. */
  readonly #early = new Map<string, EarlyEvent[]>();
  /** Removed here, not yet confirmed by the worker: diffs still in flight for them are dropped. */
  readonly #removed = new Set<string>();

  add(subId: string, rows: Row[], onChange: (rows: Row[]) => void, onError: (error: TandemError) => void): void {
    let current = rows;
    const errors: TandemErrorData[] = [];
    for (const event of this.#early.get(subId) ?? []) {
      if ('diff' in event) current = applyRowDiff(current, event.diff);
      else errors.push(event.error);
    }
    this.#early.delete(subId);
    const sub: LocalSub = { rows: current, onChange, onError };
    this.#subs.set(subId, sub);
    onChange(current);
    for (const error of errors) notifyError(sub, error);
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
        this.#keepEarly(subId, { diff });
        continue;
      }
      sub.rows = applyRowDiff(sub.rows, diff);
      changed.push(sub);
    }
    const failed: [LocalSub, TandemErrorData][] = [];
    for (const { subId, error } of batch.errors ?? []) {
      const sub = this.#subs.get(subId);
      if (sub) failed.push([sub, error]);
      else this.#keepEarly(subId, { error });
    }
    for (const sub of changed) {
      try {
        sub.onChange(sub.rows);
      } catch (error) {
        console.error('[tandem] a live query callback threw', error);
      }
    }
    for (const [sub, error] of failed) notifyError(sub, error);
  }

  clear(): void {
    this.#subs.clear();
    this.#early.clear();
    this.#removed.clear();
  }

  #keepEarly(subId: string, event: EarlyEvent): void {
    if (this.#removed.has(subId)) return;
    const early = this.#early.get(subId) ?? [];
    early.push(event);
    this.#early.set(subId, early);
  }
}

/** `onError` is given already guarded (see live-error.ts). */
function notifyError(sub: LocalSub, error: TandemErrorData): void {
  sub.onError(fromErrorData(error));
}
