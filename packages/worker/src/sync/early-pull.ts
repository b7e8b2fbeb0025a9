import type { PullRequest, PullResponse } from '@tandem/core';
import { pullRequest } from './pull.ts';
import type { SyncTransport } from './sync-transport.ts';
import { createHttpTransport } from './sync-transport.ts';

/**
 * A new local database's first pull, sent while its engine starts: the request needs no engine,
 * since a database made from the empty image has every cursor at 0 and nothing pending. On a first
 * visit the server's answer (its query, serialisation and transfer) then overlaps the engine's
 * start instead of following it (B10).
 *
 * The sync loop's first pull takes the answer instead of asking again only for the very same
 * request (client id, channels and cursors, pending, schema version) with the same token: then it
 * is what the server said to that request a moment earlier, a consistent state at its version that
 * the rebase applies like any pull; anything committed since comes with the next pull or poke (the
 * socket's `ready` asks for one). Otherwise (a tab handed another token, an action is pending, the
 * journal held something) the answer is dropped and the loop pulls as always. Taken at most once.
 */
export class EarlyPull {
  readonly #request: PullRequest;
  readonly #token: string | undefined;
  #answer: Promise<PullResponse> | null;

  constructor(transport: SyncTransport, request: PullRequest, token: string | undefined) {
    this.#request = request;
    this.#token = token;
    this.#answer = transport.pull(request);
    // Awaited only by the pull that takes it, which re-sends the request when it failed.
    this.#answer.catch(() => {});
  }

  /** The answer, when `request` with `token` is the one sent; null otherwise. Only the first call can get it. */
  take(request: PullRequest, token: string | undefined): Promise<PullResponse> | null {
    const answer = this.#answer;
    this.#answer = null;
    if (!answer || token !== this.#token || !sameRequest(request, this.#request)) return null;
    return answer;
  }
}

function sameRequest(a: PullRequest, b: PullRequest): boolean {
  return (
    a.clientId === b.clientId &&
    a.pendingFrom === b.pendingFrom &&
    a.schemaVersion === b.schemaVersion &&
    a.channels.length === b.channels.length &&
    a.channels.every((c, i) => c.channel === b.channels[i]!.channel && c.cursor === b.channels[i]!.cursor)
  );
}

/**
 * Sends a new database's first pull (every configured channel at cursor 0, nothing pending) over
 * HTTP with the configured token; undefined when there is nothing to pull.
 */
export function startEarlyPull(o: { url: string; clientId: string; channels: readonly string[]; schemaVersion: number; token: string | undefined; fetch?: typeof fetch }): EarlyPull | undefined {
  const channels = [...new Set(o.channels)];
  if (channels.length === 0) return undefined;
  const token = o.token;
  const transport = createHttpTransport(o.url, () => token, o.fetch ?? ((...args) => fetch(...args)));
  return new EarlyPull(transport, pullRequest(o.clientId, channels.map((channel) => ({ channel, cursor: 0 })), undefined, o.schemaVersion), token);
}
