import type { Rejection, SyncStatus } from '@tandem/core';

/**
 * The tab's view of the worker's sync: the latest status the worker broadcast, and rejection
 * events. Listeners get the current status at once, so a status line never starts blank.
 */
export class SyncFeed {
  #status: SyncStatus;
  readonly #statusListeners = new Set<(status: SyncStatus) => void>();
  readonly #rejectionListeners = new Set<(rejections: Rejection[]) => void>();

  constructor(initial: SyncStatus) {
    this.#status = initial;
  }

  get current(): SyncStatus {
    return this.#status;
  }

  setStatus(status: SyncStatus): void {
    this.#status = status;
    for (const fn of this.#statusListeners) fn(status);
  }

  reject(rejections: Rejection[]): void {
    for (const fn of this.#rejectionListeners) fn(rejections);
  }

  onStatus(fn: (status: SyncStatus) => void): () => void {
    this.#statusListeners.add(fn);
    fn(this.#status);
    return () => this.#statusListeners.delete(fn);
  }

  onRejected(fn: (rejections: Rejection[]) => void): () => void {
    this.#rejectionListeners.add(fn);
    return () => this.#rejectionListeners.delete(fn);
  }

  clear(): void {
    this.#statusListeners.clear();
    this.#rejectionListeners.clear();
  }
}
