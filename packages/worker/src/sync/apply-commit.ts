import type { PullResponse } from '@tandem/core';
import type { Ledger } from '../actions/ledger.ts';
import type { RebaseResult } from '../actions/rebase.ts';

/**
 * The one way the server's changes reach the local database, whether a pull, a poke or a push's
 * answer brought them. A pull (`pulled`: the channels it asked for, now all at `commit.version`)
 * always applies. One commit alone (a poke's or a push answer's changes) is rebased like a pull
 * when every channel it touches is synced and right below `commit.version`; null when not (the
 * caller pulls instead).
 */
export function applyServerCommit(ledger: Ledger, synced: readonly string[], commit: PullResponse, pulled: readonly string[]): Promise<RebaseResult>;
export function applyServerCommit(ledger: Ledger, synced: readonly string[], commit: PullResponse): Promise<RebaseResult | null>;
export function applyServerCommit(ledger: Ledger, synced: readonly string[], commit: PullResponse, pulled?: readonly string[]): Promise<RebaseResult | null> {
  if (pulled) return ledger.task(() => ledger.applyServerChanges({ kind: 'sync', channels: [...pulled], pull: commit }, true));
  const { version } = commit;
  const channels = [...new Set(commit.changes.map((c) => c.channel))];
  // A channel we do not sync (any more, or yet: a local action wrote to a new one) is for a pull.
  if (version < 2 || !channels.every((c) => synced.includes(c))) return Promise.resolve(null);
  return ledger.task(async () => {
    // Checked before the rebase too (which checks again), so a commit that arrives out of turn
    // costs no engine transaction.
    if (!channels.every((c) => ledger.cursors[c] === version - 1)) return null;
    const result = await ledger.applyServerChanges({ kind: 'sync', channels, pull: commit, from: version - 1 }, true);
    return result.applied ? result : null;
  });
}
