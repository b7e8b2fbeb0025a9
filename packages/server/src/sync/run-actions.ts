import { createActionContext, ErrorKind, toErrorData, upgradeActionArgs, validateActionArgs } from '@tandem/core';
import type { ActionDefinitions, ActionTx, PushAction, Row, TandemErrorData } from '@tandem/core';
import type { SqlTx } from '../store/sql-driver.ts';
import { isAbortedError, isTransientDbError } from './db-errors.ts';
import type { AuthUser } from './sync-store.ts';
import { actionChannels, channelsByAction, forbiddenWrite, WriteRuleFailed } from './write-rule.ts';
import type { WriteCheck } from './write-rule.ts';

export type ActionOutcome = { ok: true; result: unknown } | { ok: false; error: TandemErrorData };

/**
 * Thrown when an action without its own savepoint throws: its partial writes cannot be undone
 * alone, so the caller rolls the whole transaction back and runs again with savepoints from
 * `index` on.
 */
export class NeedsSavepoints extends Error {
  constructor(readonly index: number, readonly cause: unknown) {
    super(`action ${index} threw without a savepoint`);
  }
}

/** The action's error as it is stored and sent; a database error keeps its SQLSTATE. */
export function rejectionError(error: unknown): TandemErrorData {
  const data = toErrorData(error, ErrorKind.actionFailed);
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (data.details === undefined && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) data.details = { sqlstate: code };
  return data;
}

const SET_ACTION_SQL = `select set_config('tandem.action_id', $1, true)`;

function actionTx(tx: SqlTx): ActionTx {
  return { dialect: 'postgres', query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => tx.query<R>(sql, params) };
}

export interface RunActionsOptions {
  definitions: ActionDefinitions;
  user: AuthUser;
  /** Actions at this index and after run in their own savepoint; before it, without (faster). */
  savepointFrom: number;
  /**
   * The server's clock for `ctx.time` (ms since the epoch), taken once per push so every attempt
   * and every action of it sees the same value; the action's own `time` is the client's claim and
   * becomes `ctx.clientTime`.
   */
  time: number;
  /**
   * The write rule: an action whose changes touch a channel it denies is rolled back and rejected
   * `forbidden`. Absent (`invoke`, the server's own code): no check.
   */
  writes?: WriteCheck;
  /**
   * The actions were recorded under an older schema version: their args go through the action's
   * `upgrade` hook (see upgradeActionArgs) instead of straight to its schema.
   */
  upgrade?: { from: number; to: number };
}

/**
 * The args an action runs with. An action this server does not have stays `unknown_action` even
 * from an older client: the kind says what happened, the rejection's args say what was lost.
 */
function argsFor(action: PushAction, options: RunActionsOptions): Promise<unknown> {
  const { definitions, upgrade } = options;
  if (upgrade && Object.hasOwn(definitions, action.name)) return upgradeActionArgs(definitions, action.name, action.args, upgrade.from, upgrade.to);
  return validateActionArgs(definitions, action.name, action.args);
}

/**
 * Runs `actions` in order inside `tx`, each as itself (`tandem.action_id`) with a server context.
 *
 * Without a savepoint an action costs its own statements only: the capture setting is pipelined
 * ahead of its first statement, not waited for. Savepoints cost a subtransaction and round trips,
 * and more than 64 subtransactions that write slow down every snapshot on the server, so they are
 * only used once an action is known to throw (see {@link NeedsSavepoints}).
 *
 * Invalid args, unknown actions and refused upgrades are rejected before they touch the database,
 * in either mode.
 */
export async function runActions(tx: SqlTx, actions: readonly PushAction[], options: RunActionsOptions): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  const db = actionTx(tx);
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i]!;
    let args: unknown;
    try {
      args = await argsFor(action, options);
    } catch (error) {
      outcomes.push({ ok: false, error: toErrorData(error, ErrorKind.invalidArgs) });
      continue;
    }
    const def = options.definitions[action.name]!;
    const ctx = createActionContext(action.id, options.time, { server: true, user: options.user, clientTime: action.time });

    if (i < options.savepointFrom) {
      const setting = tx.query(SET_ACTION_SQL, [action.id]);
      setting.catch(() => undefined); // awaited below; this only keeps Node from calling it unhandled
      try {
        const result: unknown = await def.run(db, args, ctx);
        await setting;
        outcomes.push({ ok: true, result });
      } catch (error) {
        if (isTransientDbError(error)) throw error;
        // "Transaction aborted" means an earlier action swallowed a database error: which one is
        // unknown, so every action gets a savepoint.
        throw new NeedsSavepoints(isAbortedError(error) ? 0 : i, error);
      }
      continue;
    }

    try {
      const result: unknown = await tx.savepoint(async (sp) => {
        // Pipelined ahead of the action's first statement; ROLLBACK TO SAVEPOINT undoes it.
        const setting = sp.query(SET_ACTION_SQL, [action.id]);
        setting.catch(() => undefined);
        const value: unknown = await def.run(actionTx(sp), args, ctx);
        await setting;
        // Thrown inside the savepoint, so the forbidden writes roll back with it.
        const denied = options.writes && (await options.writes.denied(await actionChannels(sp, action.id)));
        if (denied !== undefined) throw forbiddenWrite(action.name, denied);
        return value;
      });
      outcomes.push({ ok: true, result });
    } catch (error) {
      if (isTransientDbError(error)) throw error;
      if (error instanceof WriteRuleFailed) throw error.cause;
      outcomes.push({ ok: false, error: rejectionError(error) });
    }
  }
  if (options.writes) await checkUnsavedWrites(tx, actions, options.writes, Math.min(options.savepointFrom, actions.length));
  return outcomes;
}

/**
 * The write rule for the actions that ran without a savepoint (the first `count`): one query for
 * all of them. A denied one cannot be undone alone, so, as for a throwing action, the transaction
 * runs again with savepoints from it on, where it is checked and rejected inside its savepoint.
 */
async function checkUnsavedWrites(tx: SqlTx, actions: readonly PushAction[], writes: WriteCheck, count: number): Promise<void> {
  if (count === 0) return;
  let touched: Map<string, string[]>;
  try {
    touched = await channelsByAction(tx);
  } catch (error) {
    // An action swallowed a database error (see runActions): which one is unknown.
    if (isAbortedError(error)) throw new NeedsSavepoints(0, error);
    throw error;
  }
  for (let i = 0; i < count; i++) {
    const action = actions[i]!;
    const channels = touched.get(action.id);
    if (!channels) continue;
    let denied: string | undefined;
    try {
      denied = await writes.denied(channels);
    } catch (error) {
      throw error instanceof WriteRuleFailed ? error.cause : error;
    }
    if (denied !== undefined) throw new NeedsSavepoints(i, forbiddenWrite(action.name, denied));
  }
}
