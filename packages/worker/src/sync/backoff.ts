/**
 * Capped exponential backoff with "equal jitter": half the delay is fixed, half random, so many
 * clients that lost the same server do not come back in lockstep, and none waits near zero.
 */
export class Backoff {
  #attempt = 0;
  constructor(
    private readonly baseMs = 500,
    private readonly capMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next retry; each call doubles the next (up to the cap). */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return ceiling / 2 + (ceiling / 2) * this.random();
  }

  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
