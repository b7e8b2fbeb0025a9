import { createActionContext, ErrorKind, TandemError, toErrorData } from '@tandem/core';
import type { ActionDefinitions, ActionTx, Dialect } from '@tandem/core';
import type { EngineTx } from '../engine/engine.ts';
import type { ActionRecord } from '../store/journal-store.ts';

/**
 * Runs one action inside the batch transaction: its own savepoint (a failing action rolls back only
 * itself), its patches captured under its id, and its pending row recorded for sync.
 */
export async function executeAction(tx: EngineTx, dialect: Dialect, definitions: ActionDefinitions, record: ActionRecord): Promise<unknown> {
  const def = definitions[record.name];
  if (!def) throw new TandemError(ErrorKind.unknownAction, `Unknown action "${record.name}".`);
  const actionTx: ActionTx = { dialect, query: (sql, params) => tx.query(sql, params ?? []) };
  const ctx = createActionContext(record.id, record.time);
  return tx.savepoint(async () => {
    let result: unknown;
    try {
      result = await tx.captureAs(record.id, () => Promise.resolve(def.run(actionTx, record.args, ctx)));
    } catch (error) {
      const data = toErrorData(error, ErrorKind.actionFailed);
      throw new TandemError(data.kind, `Action "${record.name}" failed: ${data.message}`, { action: record.name, ...(data.details !== undefined ? { cause: data.details } : {}) });
    }
    await tx.query(
      dialect === 'postgres'
        ? 'insert into tandem_pending (seq, id, name, args, time) values ($1, $2, $3, $4::jsonb, $5)'
        : 'insert into tandem_pending (seq, id, name, args, time) values (?, ?, ?, ?, ?)',
      [record.clientSeq, record.id, record.name, JSON.stringify(record.args ?? null), record.time],
    );
    return result;
  });
}
