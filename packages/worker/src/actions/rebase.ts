import type { ActionDefinitions, Dialect, JsonValue, Patch, PullResponse, Rejection, Row } from '@tandem/core';
import type { EngineTx, ServerRows } from '../engine/engine.ts';
import { executeAction } from './action-executor.ts';
import { jsonEqual } from './json-equal.ts';

export interface RebaseResult {
  /** Tables whose visible rows may have changed (for live queries); empty on the fast path. */
  changedTables: Set<string>;
  /** Pending actions the server confirmed (applied) and that were dropped. */
  confirmed: number;
  /** Pending actions the server rejected: rolled back and dropped. */
  rejected: Rejection[];
  fastPath: boolean;
  /** Pending actions that failed when re-run on the new server state (they stay pending: the server decides). */
  replayFailures: { id: string; message: string }[];
  /** Actions still pending afterwards (the ones after the pull's `lastSeq`). */
  pending: number;
  /** Patches were deleted or captured: the caller's last patch seq must be read again. */
  patchesChanged: boolean;
  /** False when a poke did not follow on from the cursors (nothing changed: pull instead). */
  applied: boolean;
  /** The cursors afterwards. */
  cursors: Cursors;
}

/** Sync cursors live in the engine, so they commit (and checkpoint) with the rows they describe. */
export const CURSORS_META_KEY = 'sync_cursors';
export type Cursors = Record<string, number>;

/**
 * Moves the local database onto the server's state, inside the caller's one engine transaction:
 * roll back pending actions with their reverse patches (newest first), apply the server's rows,
 * drop confirmed and rejected actions, re-run the rest. Fast path: when the server's changes are
 * exactly our confirmed actions' patches, in order, and nothing else happened, the database already
 * holds that state, so only the bookkeeping changes.
 *
 * Changes at or below a channel's cursor are already applied (a poke got there first) and are
 * skipped: re-applying an older row image would undo a newer one.
 */
export async function rebase(
  tx: EngineTx,
  env: { dialect: Dialect; definitions: ActionDefinitions; channelColumns: Record<string, string> },
  received: PullResponse,
  /** The channels the pull asked for: every one of them is now at `pull.version`. */
  channels: readonly string[],
  /**
   * A poke's changes hold commit `pull.version` alone: they apply only to channels at `from`
   * (= version - 1), since nothing can lie between two consecutive versions. Deterministic, so a
   * journaled poke that did not apply does not apply on replay either.
   */
  from?: number,
  /**
   * The cursors as the caller knows them, when it also knows nothing is pending: spares the read of
   * both, a statement on the path of every remote edit to a device that only receives.
   */
  idle?: { cursors: Cursors },
  /**
   * False while a migration replays the journal: the pending actions are only listed (the code that
   * could run them is the new one, for the schema after the migration), and they run afterwards.
   */
  rerun = true,
): Promise<RebaseResult> {
  const { meta, pending } = idle ? { meta: idle.cursors, pending: [] } : await tx.readMetaAndPending<Cursors>(CURSORS_META_KEY);
  const before: Cursors = meta ?? {};
  // Cursor 0 means the channel still waits for its snapshot: a poke cannot stand in for it.
  if (from !== undefined && (from < 1 || !channels.every((c) => (before[c] ?? 0) >= from))) {
    return { changedTables: new Set(), confirmed: 0, rejected: [], fastPath: true, replayFailures: [], pending: pending.length, patchesChanged: false, applied: false, cursors: before };
  }
  const pull = unseen(received, before);
  const rejectedById = new Map(pull.rejected.map((r) => [r.id, r]));
  const settled = pending.filter((p) => p.seq <= pull.lastSeq);
  const remaining = pending.filter((p) => p.seq > pull.lastSeq);
  // With the args the server's verdict lacks: the app gets what was refused, to offer it again.
  const rejected = settled.filter((p) => rejectedById.has(p.id)).map((p) => ({ ...rejectedById.get(p.id)!, args: (p.args ?? null) as JsonValue }));
  const result: RebaseResult = {
    changedTables: new Set(),
    confirmed: settled.length - rejected.length,
    rejected,
    fastPath: false,
    replayFailures: [],
    pending: remaining.length,
    patchesChanged: false,
    applied: true,
    cursors: await writeCursors(tx, before, pull, channels),
  };

  if (settled.length === 0 && pull.changes.length === 0 && pull.snapshots.length === 0) {
    result.fastPath = true;
    return result;
  }

  // Patches are captured only by actions recorded as pending in the same transaction, and deleted
  // with them (dropPending) or wholesale (clearPatches): with nothing pending there are none, and a
  // device that only receives skips reading them.
  const patches = pending.length > 0 ? (await tx.patchesSince(0)).map((p) => p.patch) : [];
  const settledIds = new Set(settled.map((p) => p.id));
  const settledPatches = patches.filter((p) => settledIds.has(p.actionId));
  if (pull.snapshots.length === 0 && settledPatches.every((p) => !rejectedById.has(p.actionId)) && sameChanges(settledPatches, pull)) {
    await tx.dropPending(pull.lastSeq);
    result.fastPath = true;
    result.patchesChanged = true;
    return result;
  }

  for (const p of patches) result.changedTables.add(p.table);
  if (patches.length > 0) await tx.revert(patches);
  await tx.applyServerRows(serverRows(pull, env.channelColumns, result.changedTables));
  // With nothing pending (the common case on a device that only receives), there is nothing to
  // clear, drop or replay: skipping those statements keeps a remote change's path short.
  if (patches.length > 0) await tx.clearPatches();
  if (settled.length > 0) await tx.dropPending(pull.lastSeq);
  result.patchesChanged = patches.length > 0 || settled.length > 0 || remaining.length > 0;
  if (remaining.length === 0 || !rerun) return result;
  for (const action of remaining) {
    try {
      await executeAction(tx, env.dialect, env.definitions, { kind: 'action', id: action.id, clientSeq: action.seq, name: action.name, args: action.args, time: action.time });
    } catch (error) {
      // It stays pending: the server runs it too, and its verdict (rejection) settles it.
      result.replayFailures.push({ id: action.id, message: (error as Error).message });
    }
  }
  // The re-run's patches, and the tables without capture it wrote (their writes are not reverted
  // above: see docs/decisions.md, 2026-12-03).
  for (const table of (await tx.changedTablesSince(0)).tables) result.changedTables.add(table);
  return result;
}

/** Drops changes a channel already has. */
function unseen(pull: PullResponse, cursors: Cursors): PullResponse {
  if (pull.changes.every((c) => c.version > (cursors[c.channel] ?? 0))) return pull;
  return { ...pull, changes: pull.changes.filter((c) => c.version > (cursors[c.channel] ?? 0)) };
}

async function writeCursors(tx: EngineTx, before: Cursors, pull: PullResponse, channels: readonly string[]): Promise<Cursors> {
  const next: Cursors = { ...before };
  for (const channel of channels) next[channel] = Math.max(next[channel] ?? 0, pull.version);
  // A snapshot is the channel as of `version`, whatever the cursor was (a server restored from a
  // backup is behind it): the cursor follows the snapshot.
  for (const snapshot of pull.snapshots) next[snapshot.channel] = pull.version;
  await tx.writeMeta(CURSORS_META_KEY, next);
  return next;
}

/** The server's changes are exactly our settled actions' patches, in capture order. */
function sameChanges(ours: readonly Patch[], pull: PullResponse): boolean {
  if (ours.length !== pull.changes.length) return false;
  return ours.every((p, i) => {
    const c = pull.changes[i]!;
    return c.actionId === p.actionId && c.table === p.table && c.rowId === p.rowId && c.op === p.op && jsonEqual(c.row, p.newRow);
  });
}

function serverRows(pull: PullResponse, channelColumns: Record<string, string>, changed: Set<string>): ServerRows {
  const replaceChannels: ServerRows['replaceChannels'] = [];
  for (const snapshot of pull.snapshots) {
    for (const [table, column] of Object.entries(channelColumns)) {
      replaceChannels.push({ table, column, channel: snapshot.channel, rows: (snapshot.tables[table] ?? []) as Row[] });
      changed.add(table);
    }
  }
  for (const c of pull.changes) changed.add(c.table);
  return { replaceChannels, changes: pull.changes.map((c) => ({ table: c.table, rowId: c.rowId, op: c.op, row: c.row })) };
}
