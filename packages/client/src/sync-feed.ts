import type { Rejection, SyncStatus } from '@tandem/core';

interface RejectionListener {
  fn: (rejections: Rejection[]) => void;
  /** Ids this listener was given: a rejection arrives both as an event and in the status list. */
  delivered: Set<string>;
}

/**
 * The tab's view of the worker's sync: the latest status the worker broadcast, and rejections.
 * Status listeners get the current status at once, so a status line never starts blank; rejection
 * listeners get the ones still listed (unacknowledged, maybe found before this tab connected),
 * then new ones, each once.
 */
export class SyncFeed {
  #status: SyncStatus;
  readonly #statusListeners = new Set<(status: SyncStatus) => void>();
  readonly #rejectionListeners = new Set<RejectionListener>();

  constructor(initial: SyncStatus) {
    this.#status = initial;
  }

  get current(): SyncStatus {
    return this.#status;
  }

  setStatus(status: SyncStatus): void {
    this.#status = status;
    for (const fn of [...this.#statusListeners]) fn(status);
    if (status.rejections?.length) this.reject(status.rejections);
  }

  reject(rejections: Rejection[]): void {
    for (const listener of [...this.#rejectionListeners]) deliver(listener, rejections);
  }

  onStatus(fn: (status: SyncStatus) => void): () => void {
    this.#statusListeners.add(fn);
    fn(this.#status);
    return () => this.#statusListeners.delete(fn);
  }

  onRejected(fn: (rejections: Rejection[]) => void): () => void {
    const listener: RejectionListener = { fn, delivered: new Set() };
    this.#rejectionListeners.add(listener);
    deliver(listener, this.#status.rejections ?? []);
    return () => this.#rejectionListeners.delete(listener);
  }

  clear(): void {
    this.#statusListeners.clear();
    this.#rejectionListeners.clear();
  }
}

function deliver(listener: RejectionListener, rejections: readonly Rejection[]): void {
  const fresh = rejections.filter((r) => !listener.delivered.has(r.id));
  if (fresh.length === 0) return;
  for (const r of fresh) listener.delivered.add(r.id);
  listener.fn(fresh);
}
