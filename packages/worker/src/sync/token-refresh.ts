import type { TokenRequestMessage, TokenRequestReason } from '@tandem/core';
import { jwtExpiry } from './jwt-expiry.ts';

/** The tabs that can fetch a token (they connected with `tokenCallback`), as the refresher sees them. */
export interface TokenTabs {
  /** Their ids, oldest connection first. */
  withTokenCallback(): string[];
  /** Posts to one tab; false when it is gone. */
  post(tabId: string, message: TokenRequestMessage): boolean;
}

export interface TokenRefreshOptions {
  tabs: TokenTabs;
  /** The token the sync uses now. */
  current: () => string | undefined;
  /** A tab answered with a fresh token: use it (as setSyncToken does). */
  accept: (token: string) => void;
  log: (message: string) => void;
  /** How long one tab may take to answer (its getToken may go to a server). Default 30 s. */
  answerTimeoutMs?: number;
  /** After a round that brought no new token, the same token is not asked about again for this long. Default 10 s. */
  quietMs?: number;
  /** Before a JWT's `exp`, the latest a fresh one is asked for. Default 60 s. */
  expiryMarginMs?: number;
  now?: () => number;
}

/** setTimeout's largest delay (about 24.8 days); a later expiry is re-armed when that fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiting {
  requestId: number;
  tabId: string;
  done: (token: string | null) => void;
}

/**
 * Gets the worker a fresh sync token from the app, which only tabs can call (`sync.getToken` is a
 * function: it cannot cross to the worker). When the server refuses the current token, or a JWT
 * nears its `exp`, ONE tab with a token callback is asked; if it is gone, does not answer in time,
 * or answers null, the next one. One round at a time, and a token a round could not replace is not
 * asked about again for `quietMs` (the sync loop retries a refusal every ≥10 s anyway): no storm of
 * callbacks, however many requests and socket hellos the server refuses meanwhile.
 */
export class TokenRefresher {
  readonly #o: TokenRefreshOptions;
  #nextId = 1;
  #waiting: Waiting | null = null;
  #round = false;
  /** The token the last fruitless round was about, and when it ended. */
  #fruitless: { token: string | undefined; at: number } | null = null;
  #expiryTimer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(options: TokenRefreshOptions) {
    this.#o = options;
    this.#armExpiry();
  }

  /**
   * The server refused `token` (the one a request or socket hello carried) or it is about to
   * expire: ask a tab for a fresh one, unless that is already under way, a newer token already
   * arrived, or a round about this token just came back empty.
   */
  request(reason: TokenRequestReason, token: string | undefined): void {
    if (this.#stopped || this.#round || token !== this.#o.current()) return;
    const now = this.#now();
    if (this.#fruitless && this.#fruitless.token === token && now - this.#fruitless.at < (this.#o.quietMs ?? 10_000)) return;
    // Without a tab that can fetch one, behave as before the callback existed: wait for setToken.
    if (this.#o.tabs.withTokenCallback().length === 0) return;
    this.#round = true;
    void this.#ask(reason, token).finally(() => (this.#round = false));
  }

  /** `tabId`'s answer; false when no request of that id to that tab is waiting (it timed out, or another worker sent it). */
  answer(tabId: string, requestId: number, token: string | null): boolean {
    const waiting = this.#waiting;
    if (!waiting || waiting.requestId !== requestId || waiting.tabId !== tabId) return false;
    waiting.done(token);
    return true;
  }

  /** A tab is gone: if it was the one asked, ask the next. */
  tabGone(tabId: string): void {
    if (this.#waiting?.tabId === tabId) this.#waiting.done(null);
  }

  /** The sync has a new token (from a tab's answer or setSyncToken): it may be asked about afresh. */
  tokenChanged(): void {
    this.#fruitless = null;
    this.#armExpiry();
  }

  stop(): void {
    this.#stopped = true;
    this.#clearExpiry();
    this.#waiting?.done(null);
  }

  async #ask(reason: TokenRequestReason, stale: string | undefined): Promise<void> {
    const asked = new Set<string>();
    for (;;) {
      const tabId = this.#o.tabs.withTokenCallback().find((id) => !asked.has(id));
      if (tabId === undefined) break;
      asked.add(tabId);
      const token = await this.#askTab(tabId, reason);
      // Stopped, or the app set a token meanwhile (setSyncToken): this round's question is moot.
      if (this.#stopped || this.#o.current() !== stale) return;
      if (token !== null && token !== stale) {
        this.#o.accept(token);
        return;
      }
    }
    this.#fruitless = { token: stale, at: this.#now() };
    this.#o.log(`no tab gave a fresh sync token (${asked.size} asked, reason: ${reason}); waiting for the next refusal or sync.setToken`);
  }

  #askTab(tabId: string, reason: TokenRequestReason): Promise<string | null> {
    const requestId = this.#nextId++;
    return new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => {
        this.#o.log(`tab ${tabId} did not answer the token request in time: asking the next`);
        done(null);
      }, this.#o.answerTimeoutMs ?? 30_000);
      const done = (token: string | null) => {
        clearTimeout(timer);
        if (this.#waiting?.requestId === requestId) this.#waiting = null;
        resolve(token);
      };
      this.#waiting = { requestId, tabId, done };
      if (!this.#o.tabs.post(tabId, { tandem: 'token', requestId, reason })) done(null);
    });
  }

  /** A JWT with `exp`: ask shortly before it expires, at max(exp − margin, 80 % of the time left). */
  #armExpiry(): void {
    this.#clearExpiry();
    const token = this.#o.current();
    const expires = token === undefined ? null : jwtExpiry(token);
    if (this.#stopped || expires === null) return;
    const left = expires - this.#now();
    // Already expired: the server's refusal asks (asking here too would repeat for a tab that hands back the same token).
    if (left <= 0) return;
    const delay = Math.max(left - (this.#o.expiryMarginMs ?? 60_000), left * 0.8);
    this.#expiryTimer = setTimeout(() => {
      this.#expiryTimer = null;
      if (delay > MAX_TIMER_MS) return this.#armExpiry();
      this.request('expiring', token);
    }, Math.min(delay, MAX_TIMER_MS));
  }

  #clearExpiry(): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}
