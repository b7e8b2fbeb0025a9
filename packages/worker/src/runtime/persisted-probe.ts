/**
 * `navigator.storage.persisted()` for `status().storage.persisted`. Tabs poll status often and the
 * answer changes only when a tab is granted persistence, so one answer serves for `maxAgeMs`; calls
 * in that window share it (and a read in flight) instead of asking the browser again.
 */
export class PersistedProbe {
  readonly #maxAgeMs: number;
  readonly #ask: () => Promise<boolean> | undefined;
  #last: { at: number; value: Promise<boolean | null> } | null = null;

  constructor(opts: { maxAgeMs?: number; ask?: () => Promise<boolean> | undefined } = {}) {
    this.#maxAgeMs = opts.maxAgeMs ?? 2000;
    // `navigator.storage` is exposed in workers (persist() is Window-only, persisted() is not); an
    // old browser or a locked-down context may lack it.
    this.#ask = opts.ask ?? (() => (globalThis.navigator as Navigator | undefined)?.storage?.persisted?.());
  }

  /** Whether this origin's storage is persistent; null when the browser cannot say. Never throws. */
  read(): Promise<boolean | null> {
    const now = Date.now();
    if (this.#last && now - this.#last.at < this.#maxAgeMs) return this.#last.value;
    const value = this.#askSafely();
    this.#last = { at: now, value };
    return value;
  }

  async #askSafely(): Promise<boolean | null> {
    try {
      const answer = await this.#ask();
      return typeof answer === 'boolean' ? answer : null;
    } catch {
      return null;
    }
  }
}
