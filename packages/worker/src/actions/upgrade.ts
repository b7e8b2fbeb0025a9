import { ErrorKind, toErrorData, upgradeActionArgs } from '@tandem/core';
import type { ActionDefinitions, Dialect, JsonValue, Rejection } from '@tandem/core';
import type { Engine, PendingAction } from '../engine/engine.ts';
import type { JournalEntry } from '../store/journal-store.ts';
import { executeAction } from './action-executor.ts';
import { rebase } from './rebase.ts';

/**
 * The two halves of a schema upgrade that concern actions, around the migration's steps. Neither
 * needs the code the actions were recorded under: before the steps nothing runs, after them only
 * the new code does.
 */
export interface UpgradeEnv {
  dialect: Dialect;
  definitions: ActionDefinitions;
  channelColumns: Record<string, string>;
}

/**
 * Before the steps: takes the engine (at a checkpoint of the old schema) to the server's state with
 * every local action listed as pending and none applied. Reverts the pending actions' patches, then
 * goes through the journal after the checkpoint: the server's changes are applied as their rebase
 * did (cursors, snapshots, settled actions dropped) without re-running anything, and each action
 * not voided is listed. In one engine transaction.
 */
export async function unwindToServerState(engine: Engine, env: UpgradeEnv, entries: readonly JournalEntry[]): Promise<void> {
  const voided = new Set<string>();
  for (const { record } of entries) if (record.kind === 'void') record.ids.forEach((id) => voided.add(id));
  await engine.transaction(async (tx) => {
    let clientSeq = Number((await tx.readMeta<number>('client_seq')) ?? 0);
    const patches = await tx.patchesSince(0);
    await tx.revert(patches.map((p) => p.patch));
    await tx.clearPatches();
    let listed: PendingAction[] = [];
    const flush = async () => {
      await tx.recordPending(listed);
      listed = [];
    };
    for (const { record } of entries) {
      if (record.kind === 'sync') {
        await flush();
        await rebase(tx, env, record.pull, record.channels, record.from, undefined, false);
      } else if (record.kind === 'action') {
        clientSeq = Math.max(clientSeq, record.clientSeq);
        if (!voided.has(record.id)) listed.push({ seq: record.clientSeq, id: record.id, name: record.name, args: record.args, time: record.time });
      }
    }
    await flush();
    // recordPending keeps the highest seq it listed; ids must continue after every one ever used.
    await tx.writeMeta('client_seq', clientSeq);
  });
}

/**
 * After the steps (capture installed again): every pending action, oldest first, with its args
 * upgraded from `from` to `to` and run by the new code, each in its own action scope. One that the
 * upgrade refuses or that throws is rolled back, dropped from pending and returned as an
 * `upgrade_rejected` rejection. In one engine transaction.
 */
export async function rerunUpgraded(engine: Engine, env: UpgradeEnv, from: number, to: number): Promise<Rejection[]> {
  return engine.transaction(async (tx) => {
    const pending = await tx.pendingActions();
    if (pending.length === 0) return [];
    const clientSeq = Number((await tx.readMeta<number>('client_seq')) ?? 0);
    await tx.dropPending(pending[pending.length - 1]!.seq);
    const accepted: PendingAction[] = [];
    const rejected: Rejection[] = [];
    for (const action of pending) {
      try {
        const args = await upgradeActionArgs(env.definitions, action.name, action.args, from, to);
        await executeAction(tx, env.dialect, env.definitions, { kind: 'action', id: action.id, clientSeq: action.seq, name: action.name, args, time: action.time, v: to });
        accepted.push({ ...action, args });
      } catch (error) {
        rejected.push(upgradeRejection(action, error, from, to));
      }
    }
    await tx.recordPending(accepted);
    await tx.writeMeta('client_seq', clientSeq);
    return rejected;
  });
}

function upgradeRejection(action: PendingAction, error: unknown, from: number, to: number): Rejection {
  const data = toErrorData(error, ErrorKind.actionFailed);
  const args = (action.args ?? null) as JsonValue;
  const base = { id: action.id, seq: action.seq, name: action.name, args };
  // The upgrade itself refused (gone, hook threw, invalid): its error already says so.
  if (data.kind === ErrorKind.upgradeRejected) return { ...base, error: data };
  return {
    ...base,
    error: {
      kind: ErrorKind.upgradeRejected,
      message: `Action "${action.name}" recorded under schema version ${from} failed under version ${to}, so it was rolled back: ${data.message}`,
      details: { action: action.name, args, fromVersion: from, toVersion: to, cause: data },
    },
  };
}
