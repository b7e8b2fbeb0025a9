import type { ChannelCursor, PullResponse } from '@tandem/core';
import { mergePulls } from './merge-pulls.ts';
import type { SyncTransport } from './sync-transport.ts';

/** Pulls page after page from `cursors` until caught up; returns the pages as one pull. */
export async function pull(transport: SyncTransport, clientId: string, cursors: ChannelCursor[], pendingFrom: number | undefined, schemaVersion?: number): Promise<PullResponse> {
  const pages: PullResponse[] = [];
  let from = cursors;
  for (;;) {
    const page = await transport.pull({
      clientId,
      channels: from,
      ...(pendingFrom !== undefined ? { pendingFrom } : {}),
      ...(schemaVersion !== undefined ? { schemaVersion } : {}),
    });
    pages.push(page);
    if (!page.more) break;
    from = from.map((c) => ({ channel: c.channel, cursor: page.version }));
  }
  return mergePulls(pages);
}
