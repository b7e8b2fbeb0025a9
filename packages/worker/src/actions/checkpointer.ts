/**
 * Decides when to checkpoint: when the journal has `every` records since the last checkpoint and
 * the runtime has been idle for `idleMs`, or, under constant load, when it reaches `4 × every`
 * (a bounded stall beats an unbounded journal and start-up replay).
 */
export class Checkpointer {
  readonly #every: number;
  readonly #idleMs: number;
  readonly #run: () => Promise<void>;
  readonly #isIdleSince: () => number | null;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  /** After a failure, the forced checkpoint waits for this many records: not one full dump per batch. */
  #retryAt = 0;
  recordsSince = 0;

  /** `onError`: a checkpoint of its own that failed (the journal still holds everything; the next one retries). */
  constructor(opts: { every: number; idleMs: number; run: () => Promise<void>; idleSince: () => number | null; onError: (error: unknown) => void }) {
    this.#every = opts.every;
    this.#idleMs = opts.idleMs;
    this.#run = opts.run;
    this.#isIdleSince = opts.idleSince;
    this.#onError = opts.onError;
  }

  /** Called after each committed batch. */
  noteRecords(n: number): void {
    this.recordsSince += n;
    if (this.recordsSince >= Math.max(this.#every * 4, this.#retryAt)) void this.#checkpoint();
    else if (this.recordsSince >= this.#every) this.#schedule(this.#idleMs);
  }

  #schedule(ms: number): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const since = this.#isIdleSince();
      if (since === null || Date.now() - since < this.#idleMs) {
        this.#schedule(this.#idleMs);
        return;
      }
      void this.#checkpoint();
    }, ms);
  }

  async #checkpoint(): Promise<void> {
    if (this.#running || this.recordsSince === 0) return;
    this.#running = true;
    try {
      await this.#run();
      this.#retryAt = 0;
    } catch (error) {
      this.#retryAt = this.recordsSince + this.#every;
      this.#onError(error);
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
