import { fromErrorData } from '@tandem/core';
import type { ActionDefinitions, JsonValue } from '@tandem/core';
import type { SqlDriver } from '../store/sql-driver.ts';
import { checkUser, LOCK_CLIENT_SQL, SERVER_CLIENT_ID } from './clients.ts';
import { commitVersion } from './commit.ts';
import { NeedsSavepoints, rejectionError, runActions } from './run-actions.ts';
import type { AuthUser, CommitInfo } from './sync-store.ts';

/**
 * Runs one action as the server: client id "server" with its own seqs, so its changes flow to
 * clients like any push. Unlike a push, a failure is the caller's to handle: it is thrown and the
 * transaction rolls back, leaving no trace (no rejection, no seq used).
 */
export async function invoke(driver: SqlDriver, definitions: ActionDefinitions, name: string, args: unknown, user: AuthUser, commitChanges = 0): Promise<{ result: unknown; commit: CommitInfo }> {
  checkUser(user);
  return driver.transaction(async (tx) => {
    // The server's row has no owner (''), which no authenticated user id can match.
    const [row] = await tx.query<{ last_seq: number }>(LOCK_CLIENT_SQL, [SERVER_CLIENT_ID, '']);
    const seq = row!.last_seq + 1;
    const action = { id: `${SERVER_CLIENT_ID}-${seq}`, seq, name, args: args as JsonValue, time: Date.now() };
    let outcome;
    try {
      [outcome] = await runActions(tx, [action], { definitions, user, savepointFrom: Number.POSITIVE_INFINITY, time: action.time });
    } catch (error) {
      throw error instanceof NeedsSavepoints ? fromErrorData(rejectionError(error.cause)) : error;
    }
    if (!outcome!.ok) throw fromErrorData(outcome!.error);
    const { commit } = await commitVersion(tx, SERVER_CLIENT_ID, seq, [], commitChanges);
    return { result: outcome!.result, commit };
  });
}
