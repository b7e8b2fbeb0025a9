import type { SyncStatus } from '@tandem/core';

/** At most this many rejections are kept in the status. */
const MAX_REJECTIONS = 50;

/**
 * The sync status every tab shows. Changes are coalesced: a burst of writes is one status message
 * per tab, not one per write.
 */
export class StatusLine {
  readonly #onStatus: (status: SyncStatus) => void;
  readonly #pending: () => number;
  readonly #rejections: (() => SyncStatus['rejections']) | undefined;
  #status: Omit<SyncStatus, 'pending'> = { enabled: true, online: false, syncing: false, channels: [], lastError: null, lastSyncAt: null, rejections: [], updateRequired: false, user: null, signedOut: false };
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  /** The pending count the tabs last heard (null: none sent yet). */
  #sentPending: number | null = null;

  /** `rejections`: a list kept elsewhere (durably) that the status shows instead of its own. */
  constructor(onStatus: (status: SyncStatus) => void, pending: () => number, rejections?: () => SyncStatus['rejections']) {
    this.#onStatus = onStatus;
    this.#pending = pending;
    this.#rejections = rejections;
  }

  get current(): SyncStatus {
    return { ...this.#status, pending: this.#pending(), ...(this.#rejections ? { rejections: this.#rejections() } : {}) };
  }

  update(patch: Partial<Omit<SyncStatus, 'pending'>>): void {
    let changed = false;
    for (const [k, v] of Object.entries(patch) as [keyof typeof patch, unknown][]) {
      if (JSON.stringify(this.#status[k]) !== JSON.stringify(v)) {
        (this.#status as Record<string, unknown>)[k] = v;
        changed = true;
      }
    }
    if (changed) this.publish();
  }

  addRejections(rejections: SyncStatus['rejections']): void {
    this.update({ rejections: [...this.#status.rejections, ...rejections].slice(-MAX_REJECTIONS) });
  }

  /** Tabs hear the current status soon (the pending count is read then). */
  publish(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#send();
    }, 20);
  }

  /**
   * A local batch committed. Tabs that last heard "nothing pending" hear otherwise now, before the
   * batch's actions resolve (the same ports carry both, in order): a tab that awaited a write and
   * then waits for `pending === 0` must not take the status from before it as "synced". Further
   * counts while some are pending are coalesced as any change.
   */
  localCommit(): void {
    if (this.#stopped) return;
    if ((this.#sentPending ?? 0) > 0 || this.#pending() === 0) return this.publish();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#send();
  }

  #send(): void {
    const status = this.current;
    this.#sentPending = status.pending;
    this.#onStatus(status);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }
}
