/**
 * The results of the last actions tabs called with a call id. A tab whose worker died retries its
 * unanswered calls on the next worker under the same ids; a call whose action was already durable
 * then gets its first result instead of running twice. The journal records each call's id, so
 * replay rebuilds this memory for actions after the last checkpoint; the checkpoint's image keeps it
 * (meta `recent_calls`) for the ones before.
 */
export const RECENT_CALLS_META_KEY = 'recent_calls';

/**
 * More than any tab can have unanswered at a worker's death (a tab's calls are answered within a
 * batch or two), so an id is remembered long after its retry could come.
 */
const KEEP = 2_000;

/** A remembered call as the image stores it: `r` absent for an action that returned undefined. */
export interface StoredCall {
  c: string;
  r?: unknown;
}

export class RecentCalls {
  readonly #results = new Map<string, { result: unknown }>();
  /** Calls queued but not yet durable: a second arrival of one waits for the first. */
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(stored: readonly StoredCall[] = []) {
    for (const { c, r } of stored) this.remember(c, r);
  }

  /** The first call's outcome, when `call` already ran or is running here. */
  find(call: string): { result: unknown } | Promise<unknown> | undefined {
    return this.#results.get(call) ?? this.#inFlight.get(call);
  }

  track(call: string, promise: Promise<unknown>): void {
    this.#inFlight.set(call, promise);
    const done = () => this.#inFlight.delete(call);
    promise.then(done, done);
  }

  remember(call: string, result: unknown): void {
    this.#results.delete(call);
    this.#results.set(call, { result });
    if (this.#results.size > KEEP) this.#results.delete(this.#results.keys().next().value!);
  }

  /** For the checkpoint's image. A result JSON cannot hold (a bigint) is stored as undefined. */
  stored(): StoredCall[] {
    const out: StoredCall[] = [];
    for (const [c, { result }] of this.#results) {
      let r = result;
      try {
        JSON.stringify(r);
      } catch {
        r = undefined;
      }
      out.push(r === undefined ? { c } : { c, r });
    }
    return out;
  }
}
