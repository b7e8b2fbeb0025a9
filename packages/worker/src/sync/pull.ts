import type { ChannelCursor, PullRequest, PullResponse } from '@tandem/core';
import { mergePulls } from './merge-pulls.ts';
import type { SyncTransport } from './sync-transport.ts';

/** The one shape of a pull request: the sync loop's and a new database's early pull (early-pull.ts) must match exactly. */
export function pullRequest(clientId: string, channels: ChannelCursor[], pendingFrom: number | undefined, schemaVersion: number | undefined): PullRequest {
  return {
    clientId,
    channels,
    ...(pendingFrom !== undefined ? { pendingFrom } : {}),
    ...(schemaVersion !== undefined ? { schemaVersion } : {}),
  };
}

/**
 * Pulls page after page from `cursors` until caught up; returns the pages as one pull. `early`
 * may answer the first request with an answer already on its way (a new database's early pull);
 * when that answer failed, the request is sent again, so its error is handled as any pull's.
 */
export async function pull(
  transport: SyncTransport,
  clientId: string,
  cursors: ChannelCursor[],
  pendingFrom: number | undefined,
  schemaVersion?: number,
  early?: (request: PullRequest) => Promise<PullResponse> | null,
): Promise<PullResponse> {
  const pages: PullResponse[] = [];
  let from = cursors;
  for (;;) {
    const request = pullRequest(clientId, from, pendingFrom, schemaVersion);
    const answered = pages.length === 0 ? (early?.(request) ?? null) : null;
    const page = answered ? await answered.catch(() => transport.pull(request)) : await transport.pull(request);
    pages.push(page);
    if (!page.more) break;
    from = from.map((c) => ({ channel: c.channel, cursor: page.version }));
  }
  return mergePulls(pages);
}
