import type { PullResponse, Rejection } from '@tandem/core';

/**
 * Pages of one catch-up (`more: true` until the last) become one pull, so the rebase applies them
 * as one step and live queries never see a half-caught-up state. The last page's `lastSeq` is the
 * one consistent with the final version.
 */
export function mergePulls(pages: readonly PullResponse[]): PullResponse {
  if (pages.length === 0) throw new Error('mergePulls needs at least one page');
  if (pages.length === 1) return pages[0]!;
  const last = pages[pages.length - 1]!;
  const rejected = new Map<string, Rejection>();
  for (const page of pages) for (const r of page.rejected) rejected.set(r.id, r);
  return {
    version: last.version,
    changes: pages.flatMap((p) => p.changes),
    snapshots: pages.flatMap((p) => p.snapshots),
    lastSeq: last.lastSeq,
    rejected: [...rejected.values()],
    more: false,
  };
}
