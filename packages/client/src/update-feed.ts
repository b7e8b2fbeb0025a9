import type { UpdateMessage } from '@tandem/core';

/**
 * A newer version of the app is there: another tab took the worker over (`version` and
 * `schemaVersion` say what now runs), or the server needs a newer client. Either way this tab's
 * code is outdated and the page should reload. The fields are null when only the refusal is known.
 */
export interface TandemUpdate {
  version: string | null;
  schemaVersion: number | null;
}

/**
 * The tab learns of an update once: from the worker's `update` event, from a call refused with
 * `update_required`, or from the sync status. Each listener hears of it once, even when it
 * registers after the fact.
 */
export class UpdateFeed {
  #update: TandemUpdate | null = null;
  readonly #listeners = new Set<(update: TandemUpdate) => void>();

  get current(): TandemUpdate | null {
    return this.#update;
  }

  fromEvent(message: UpdateMessage): void {
    this.#notify({ version: message.version, schemaVersion: message.schemaVersion });
  }

  /** From a refusal's details, when they carry the version now running. */
  fromRefusal(details: unknown): void {
    const d = (typeof details === 'object' && details !== null ? details : {}) as Record<string, unknown>;
    const next = (typeof d.next === 'object' && d.next !== null ? d.next : d) as Record<string, unknown>;
    this.#notify({
      version: typeof next.version === 'string' ? next.version : null,
      schemaVersion: typeof next.schemaVersion === 'number' ? next.schemaVersion : null,
    });
  }

  onUpdate(fn: (update: TandemUpdate) => void): () => void {
    if (this.#update) {
      fn(this.#update);
      return () => {};
    }
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  clear(): void {
    this.#listeners.clear();
  }

  #notify(update: TandemUpdate): void {
    if (this.#update) return;
    this.#update = update;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const fn of listeners) fn(update);
  }
}
