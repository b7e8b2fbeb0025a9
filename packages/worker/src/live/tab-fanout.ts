import type { LiveBatch, RejectionMessage, SyncStatusMessage, UpdateMessage, WorkerEvent } from '@tandem/core';
import type { CommitChanges } from '../actions/commit-changes.ts';
import type { LiveQueryRegistry } from './live-query-registry.ts';

/** The tabs that wrote: posted to first, then `then` runs (the ledger resolves their actions). */
export interface WritersFirst {
  tabs: ReadonlySet<string>;
  then: () => void;
}

/** Posts to one tab's port. */
export type TabSink = (message: WorkerEvent) => void;

/**
 * The tabs connected to this worker and what reaches them: each its own live batches after a
 * commit, all of them the sync status and rejections. A tab that cannot be posted to is logged,
 * never allowed to stop the others.
 */
export class TabFanout {
  readonly #tabs = new Map<string, TabSink>();
  readonly #live: LiveQueryRegistry;
  readonly #log: (message: string) => void;

  constructor(live: LiveQueryRegistry, log: (message: string) => void) {
    this.#live = live;
    this.#log = log;
  }

  get size(): number {
    return this.#tabs.size;
  }

  add(tabId: string, sink: TabSink): void {
    this.#tabs.set(tabId, sink);
  }

  /** Forgets a tab and frees its subscriptions; resolves with how many there were. */
  drop(tabId: string): number {
    this.#tabs.delete(tabId);
    return this.#live.dropTab(tabId);
  }

  /** Re-runs the live queries `changed` may affect and posts each tab its diffs. */
  async publish(changed: CommitChanges, first?: WritersFirst): Promise<void> {
    const posted = (batches: Map<string, LiveBatch>) => {
      for (const [tabId, batch] of batches) this.#post(tabId, this.#tabs.get(tabId), { tandem: 'live', batch });
      first?.then();
    };
    const batches = await this.#live.afterCommit(changed, first ? { tabs: first.tabs, posted } : undefined);
    for (const [tabId, batch] of batches) this.#post(tabId, this.#tabs.get(tabId), { tandem: 'live', batch });
  }

  broadcast(message: SyncStatusMessage | RejectionMessage | UpdateMessage): void {
    for (const [tabId, sink] of this.#tabs) this.#post(tabId, sink, message);
  }

  #post(tabId: string, sink: TabSink | undefined, message: WorkerEvent): void {
    try {
      sink?.(message);
    } catch (error) {
      this.#log(`could not post to tab ${tabId}: ${(error as Error).message}`);
    }
  }
}
