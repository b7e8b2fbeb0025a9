/**
 * Local fan-out: sockets of THIS server instance subscribe by channel and are poked when a commit
 * touches one of their channels. Other instances reach us through the commit bus, which publishes
 * into the same hub.
 */

import type { CommitInfo } from '../sync/sync-store.ts';

/** A commit's reach: the channels it touched, or `'all'` when that list was too large to carry. */
export type PokeScope = readonly string[] | 'all';

export interface PokeSubscription {
  /** Replaces the subscribed channels (a socket's `channels` message). */
  setChannels(channels: readonly string[]): void;
  close(): void;
}

/** `commit` is there for this instance's own commits (who pushed, maybe its changes); not for remote ones. */
export type PokeListener = (version: number, commit?: CommitInfo) => void;

interface Subscriber {
  channels: ReadonlySet<string>;
  poke: PokeListener;
}

export class PokeHub {
  readonly #byChannel = new Map<string, Set<Subscriber>>();
  readonly #subscribers = new Set<Subscriber>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = (e) => console.error('[tandem] poke failed:', e)) {
    this.#onError = onError;
  }

  /** Number of live subscriptions. */
  get size(): number {
    return this.#subscribers.size;
  }

  subscribe(channels: readonly string[], poke: PokeListener): PokeSubscription {
    const sub: Subscriber = { channels: new Set(), poke };
    this.#subscribers.add(sub);
    this.#index(sub, channels);
    return {
      setChannels: (next) => {
        if (!this.#subscribers.has(sub)) return;
        this.#unindex(sub);
        this.#index(sub, next);
      },
      close: () => {
        if (!this.#subscribers.delete(sub)) return;
        this.#unindex(sub);
      },
    };
  }

  /** Pokes every subscriber whose channels intersect `scope`, each at most once. Returns how many. */
  publish(version: number, scope: PokeScope, commit?: CommitInfo): number {
    const targets = new Set<Subscriber>();
    if (scope === 'all') {
      for (const sub of this.#subscribers) targets.add(sub);
    } else {
      for (const channel of scope) {
        const subs = this.#byChannel.get(channel);
        if (subs) for (const sub of subs) targets.add(sub);
      }
    }
    // One failing socket must not keep the others from their poke.
    for (const sub of targets) {
      try {
        sub.poke(version, commit);
      } catch (e) {
        this.#onError(e);
      }
    }
    return targets.size;
  }

  #index(sub: Subscriber, channels: readonly string[]): void {
    sub.channels = new Set(channels);
    for (const channel of sub.channels) {
      let subs = this.#byChannel.get(channel);
      if (!subs) this.#byChannel.set(channel, (subs = new Set()));
      subs.add(sub);
    }
  }

  #unindex(sub: Subscriber): void {
    for (const channel of sub.channels) {
      const subs = this.#byChannel.get(channel);
      if (!subs) continue;
      subs.delete(sub);
      if (subs.size === 0) this.#byChannel.delete(channel);
    }
    sub.channels = new Set();
  }
}
