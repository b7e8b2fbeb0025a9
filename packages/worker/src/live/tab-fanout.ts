import type { LiveBatch, RejectionMessage, SyncStatusMessage, TokenRequestMessage, UpdateMessage, WipedMessage, WorkerEvent } from '@tandem/core';
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
  /** The tabs that can fetch a fresh sync token (they connected with `tokenCallback`), oldest first. */
  readonly #tokenTabs = new Set<string>();
  readonly #dropListeners: ((tabId: string) => void)[] = [];
  readonly #live: LiveQueryRegistry;
  readonly #log: (message: string) => void;

  constructor(live: LiveQueryRegistry, log: (message: string) => void) {
    this.#live = live;
    this.#log = log;
  }

  get size(): number {
    return this.#tabs.size;
  }

  get ids(): string[] {
    return [...this.#tabs.keys()];
  }

  add(tabId: string, sink: TabSink, tokenCallback = false): void {
    this.#tabs.set(tabId, sink);
    if (tokenCallback) this.#tokenTabs.add(tabId);
    else this.#tokenTabs.delete(tabId);
  }

  /** Forgets a tab and frees its subscriptions; resolves with how many there were. */
  drop(tabId: string): number {
    this.#tabs.delete(tabId);
    this.#tokenTabs.delete(tabId);
    for (const listener of this.#dropListeners) listener(tabId);
    return this.#live.dropTab(tabId);
  }

  /** Called with each tab that is dropped (the token refresher stops waiting for its answer). */
  onDrop(listener: (tabId: string) => void): void {
    this.#dropListeners.push(listener);
  }

  /** The connected tabs that can fetch a fresh sync token, oldest first. */
  withTokenCallback(): string[] {
    return [...this.#tokenTabs].filter((tabId) => this.#tabs.has(tabId));
  }

  /** Asks one tab for a token; false when it is not connected (or its port refused the message). */
  post(tabId: string, message: TokenRequestMessage): boolean {
    const sink = this.#tabs.get(tabId);
    if (!sink) return false;
    try {
      sink(message);
      return true;
    } catch (error) {
      this.#log(`could not post to tab ${tabId}: ${(error as Error).message}`);
      return false;
    }
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

  broadcast(message: SyncStatusMessage | RejectionMessage | UpdateMessage | WipedMessage): void {
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
