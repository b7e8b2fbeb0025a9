/**
 * Decides when to checkpoint: when the journal since the last checkpoint weighs `every` and the
 * runtime has been idle for `idleMs`, or, under constant load, when it reaches `4 × every` (a
 * bounded stall beats an unbounded journal and start-up replay). A record weighs the rows it
 * changed, at least 1: what a start-up replay costs is rows written, not records read, and ten
 * bulk actions of a thousand rows each must not escape the policy that a thousand one-row ones meet.
 */
/**
 * A start-up replay is checkpointed after this fraction of the usual idle time (100 ms of the
 * default 1.5 s): the first tab's connect and queries reset the idle clock, so they come first, and
 * a brief session still leaves a checkpoint behind. A fraction, not a constant, so a runtime told to
 * wait long (tests: 60 s) still does not checkpoint behind their back.
 */
export const REPLAY_IDLE_FRACTION = 1 / 15;

export class Checkpointer {
  readonly #every: number;
  readonly #idleMs: number;
  readonly #replayIdleMs: number;
  readonly #run: () => Promise<void>;
  readonly #isIdleSince: () => number | null;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  /** After a failure, the forced checkpoint waits for this much more weight: not one full dump per batch. */
  #retryAt = 0;
  /** The journal's weight since the last checkpoint (rows changed, at least one per record). */
  weightSince = 0;
  /** All the weight this session wrote or replayed. */
  #total = 0;

  /**
   * `onError`: a checkpoint of its own that failed (the journal still holds everything; the next one retries).
   * `replayIdleMs`: the idle time a start-up replay's checkpoint waits for (default `idleMs × REPLAY_IDLE_FRACTION`, at most `idleMs`).
   */
  constructor(opts: { every: number; idleMs: number; replayIdleMs?: number; run: () => Promise<void>; idleSince: () => number | null; onError: (error: unknown) => void }) {
    this.#every = opts.every;
    this.#idleMs = opts.idleMs;
    this.#replayIdleMs = Math.min(opts.replayIdleMs ?? opts.idleMs * REPLAY_IDLE_FRACTION, opts.idleMs);
    this.#run = opts.run;
    this.#isIdleSince = opts.idleSince;
    this.#onError = opts.onError;
  }

  /** Called after each journaled batch: `records` appended, `rows` changed by them. */
  noteRecords(records: number, rows = 0): void {
    const weight = Math.max(records, rows);
    this.weightSince += weight;
    this.#total += weight;
    if (this.weightSince >= this.#forceAt()) void this.#checkpoint();
    else if (this.weightSince >= this.#every) this.#schedule(this.#idleMs);
  }

  /**
   * Under load: `4 × every`, or half what was written since the last forced checkpoint, whichever
   * is more. Each dump copies the whole database, so a bulk import forcing one every few thousand
   * rows would cost quadratic time; with the threshold growing with the writes, the dumps of a long
   * import cost a constant factor of the import, and an idle moment checkpoints the rest.
   */
  #forceAt(): number {
    return Math.max(this.#every * 4, (this.#total - this.weightSince) / 2, this.#retryAt);
  }

  /**
   * Start-up replayed this weight of journal: every start replays it again until a checkpoint holds
   * it, so checkpoint once the app's first queries are served and the runtime has been idle for the
   * shorter `replayIdleMs` (never forced: those queries come first). With the usual `idleMs`, a
   * session shorter than it (a quick look, a browser restarted at once) left the journal to the
   * next start, which paid the whole replay again.
   */
  noteReplayed(weight: number): void {
    this.weightSince += weight;
    this.#total += weight;
    if (this.weightSince >= this.#every) this.#schedule(this.#replayIdleMs, this.#replayIdleMs);
  }

  /** A checkpoint covers the journal so far. */
  reset(): void {
    this.weightSince = 0;
  }

  /** Checkpoints once the runtime has been idle for `idleMs` (default the usual one), checking after `ms`. */
  #schedule(ms: number, idleMs = this.#idleMs): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const since = this.#isIdleSince();
      if (since === null || Date.now() - since < idleMs) {
        this.#schedule(idleMs, idleMs);
        return;
      }
      void this.#checkpoint();
    }, ms);
  }

  async #checkpoint(): Promise<void> {
    if (this.#running || this.weightSince === 0) return;
    this.#running = true;
    try {
      await this.#run();
      this.#retryAt = 0;
    } catch (error) {
      this.#retryAt = this.weightSince + this.#every;
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
