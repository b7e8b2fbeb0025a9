/**
 * Serialises all engine work. Writes queued while a batch commits form the next batch (group
 * commit: one engine transaction and one journal transaction for all of them); other tasks (reads,
 * subscriptions, checkpoints) run between batches, so they never see a change that is not durable.
 */
export class Scheduler<W> {
  readonly #writes: W[] = [];
  readonly #tasks: (() => Promise<void>)[] = [];
  readonly #onBatch: (batch: W[]) => Promise<void>;
  readonly #maxBatch: number;
  #pumping = false;
  #idleWaiters: (() => void)[] = [];
  lastActivity = Date.now();

  constructor(onBatch: (batch: W[]) => Promise<void>, maxBatch = 500) {
    this.#onBatch = onBatch;
    this.#maxBatch = maxBatch;
  }

  get busy(): boolean {
    return this.#pumping;
  }

  write(item: W): void {
    this.#writes.push(item);
    this.#kick();
  }

  task<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#tasks.push(() => fn().then(resolve, reject));
      this.#kick();
    });
  }

  /** Something that is no task (a tab connecting) counts as activity: an idle checkpoint waits. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.#pumping) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #kick(): void {
    this.lastActivity = Date.now();
    if (!this.#pumping) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#writes.length > 0 || this.#tasks.length > 0) {
        if (this.#writes.length > 0) await this.#onBatch(this.#writes.splice(0, this.#maxBatch));
        for (const task of this.#tasks.splice(0)) await task();
      }
    } finally {
      this.#pumping = false;
      this.lastActivity = Date.now();
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }
}
