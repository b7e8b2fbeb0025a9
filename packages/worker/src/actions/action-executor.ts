import { createActionContext, ErrorKind, TandemError, toErrorData } from '@tandem/core';
import type { ActionDefinitions, ActionTx, Dialect } from '@tandem/core';
import type { EngineTx } from '../engine/engine.ts';
import type { ActionRecord } from '../store/journal-store.ts';

/**
 * Runs one action inside the batch transaction, in its own scope: a failing action rolls back only
 * itself, and every write it makes is captured as a patch under its id.
 */
export async function executeAction(tx: EngineTx, dialect: Dialect, definitions: ActionDefinitions, record: ActionRecord): Promise<unknown> {
  const def = definitions[record.name];
  if (!def) throw new TandemError(ErrorKind.unknownAction, `Unknown action "${record.name}".`);
  const actionTx: ActionTx = { dialect, query: (sql, params) => tx.query(sql, params ?? []) };
  const ctx = createActionContext(record.id, record.time);
  try {
    return await tx.actionScope(record.id, () => Promise.resolve(def.run(actionTx, record.args, ctx)));
  } catch (error) {
    const data = toErrorData(error, ErrorKind.actionFailed);
    throw new TandemError(data.kind, `Action "${record.name}" failed: ${data.message}`, { action: record.name, ...(data.details !== undefined ? { cause: data.details } : {}) });
  }
}
