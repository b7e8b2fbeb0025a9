import { ErrorKind, TandemError } from '@tandem/core';
import type { ActionDefinitions, Dialect } from '@tandem/core';
import type { EngineTx, PendingAction } from '../engine/engine.ts';
import { executeAction } from './action-executor.ts';

export interface DiscardResult {
  action: PendingAction;
  /** Tables whose rows may have changed (for live queries). */
  changedTables: Set<string>;
  /** Pending actions after it that failed when re-run without it (they stay pending: the server decides). */
  replayFailures: { id: string; message: string }[];
}

/**
 * Takes one pending action out of the local database, inside the caller's engine transaction, the
 * way a server rejection does in rebase: revert every pending action's patches (newest first),
 * forget the lot, then run the others again in order, so the ones after it see a database
 * without it. Throws `invalid_request` when `id` is not pending (confirmed, rejected, unknown).
 */
export async function discardPending(
  tx: EngineTx,
  env: { dialect: Dialect; definitions: ActionDefinitions },
  id: string,
  clientSeq: number,
  guard?: (action: PendingAction) => void,
): Promise<DiscardResult> {
  const pending = await tx.pendingActions(0);
  const action = pending.find((p) => p.id === id);
  if (!action) throw new TandemError(ErrorKind.invalidRequest, `Action ${JSON.stringify(id)} is not pending: the server has settled it already, or it never existed.`, { id });
  guard?.(action);
  const result: DiscardResult = { action, changedTables: new Set(), replayFailures: [] };
  const patches = (await tx.patchesSince(0)).map((p) => p.patch);
  for (const p of patches) result.changedTables.add(p.table);
  if (patches.length > 0) await tx.revert(patches);
  await tx.clearPatches();
  await tx.dropPending(pending[pending.length - 1]!.seq);
  const rest = pending.filter((p) => p.id !== id);
  for (const p of rest) {
    try {
      await executeAction(tx, env.dialect, env.definitions, { kind: 'action', id: p.id, clientSeq: p.seq, name: p.name, args: p.args, time: p.time });
    } catch (error) {
      result.replayFailures.push({ id: p.id, message: (error as Error).message });
    }
  }
  if (rest.length > 0) await tx.recordPending(rest);
  // recordPending stores the highest seq it records: the discarded one may have been higher, and
  // a lower stored counter would hand its id out again after a checkpoint.
  await tx.writeMeta('client_seq', clientSeq);
  for (const table of (await tx.changedTablesSince(0)).tables) result.changedTables.add(table);
  return result;
}
