import { parsePushRequest } from '@tandem/core';
import type { ActionDefinitions, PushAction, PushResponse, Rejection } from '@tandem/core';
import type { SqlDriver, SqlTransaction } from '../store/sql-driver.ts';
import { checkUser, forbiddenClient, LOCK_CLIENT_SQL, SERVER_CLIENT_ID } from './clients.ts';
import { commitVersion } from './commit.ts';
import { isAbortedError } from './db-errors.ts';
import { rejectionsJsonSql } from './rejections-sql.ts';
import { NeedsSavepoints, runActions } from './run-actions.ts';
import { storableJson } from './storable-json.ts';
import type { RunActionsOptions } from './run-actions.ts';
import type { AuthUser, CanWrite, CommitInfo } from './sync-store.ts';
import { checkPushVersion } from './versions.ts';
import { createWriteCheck } from './write-rule.ts';

/**
 * A push with nothing new reports the head as it stands and the client's rejections from seq $2 on;
 * it runs after the client row is locked, so no concurrent push of this client can add one unseen.
 */
const HEAD_SQL = `select version, ${rejectionsJsonSql('$1', '$2')} as rejected from tandem_head`;

export type PushResult = { response: PushResponse; commit: CommitInfo | null };

/** Schema versions of the pushing client (absent on the wire = 0) and of this server. */
export interface PushVersions {
  client: number;
  server: number;
}

/**
 * One push in one transaction. Actions first run without savepoints; when one throws, the
 * transaction is rolled back and run again with savepoints from that action on, which records it
 * as rejected. A second surprise (the database changed between attempts) puts every action in a
 * savepoint, which cannot need another attempt.
 *
 * A client older than the server has its args upgraded per action; one newer is refused whole
 * (`server_outdated`) before anything runs.
 *
 * With `canWrite`, an action whose changes touch a channel the user may not write is rolled back
 * and rejected `forbidden` (see write-rule.ts); the actions after it still run.
 */
export async function push(
  driver: SqlDriver,
  definitions: ActionDefinitions,
  clientId: string,
  user: AuthUser,
  actions: readonly PushAction[],
  commitChanges = 0,
  versions: PushVersions = { client: 0, server: 0 },
  canWrite?: CanWrite,
): Promise<PushResult> {
  checkUser(user);
  const request = parsePushRequest({ clientId, actions, schemaVersion: versions.client });
  if (request.clientId === SERVER_CLIENT_ID) throw forbiddenClient(request.clientId);
  checkPushVersion(versions.client, versions.server);
  const upgrade = versions.client < versions.server ? { from: versions.client, to: versions.server } : undefined;
  // The server's clock, not the client's claim (see ActionContext.time): read once, so a retry
  // with savepoints runs the actions with the same time as the first attempt.
  const time = Date.now();
  const writes = canWrite && createWriteCheck(canWrite, user);
  let savepointFrom = Number.POSITIVE_INFINITY;
  for (let attempt = 0; ; attempt++) {
    try {
      return await driver.transaction((tx) => pushOnce(tx, { definitions, user, savepointFrom, time, ...(writes && { writes }), ...(upgrade && { upgrade }) }, request.clientId, request.actions, commitChanges));
    } catch (error) {
      if (!(error instanceof NeedsSavepoints)) throw error;
      savepointFrom = attempt === 0 ? error.index : 0;
    }
  }
}

async function pushOnce(tx: SqlTransaction, run: RunActionsOptions, clientId: string, actions: readonly PushAction[], commitChanges: number): Promise<PushResult> {
  const { user, savepointFrom } = run;
  // The client's rejections from this push's first seq on are reported too (a retried push learns
  // what its first attempt rejected): read by the push's last statement, after this lock.
  const minSeq = actions[0]?.seq ?? null;
  const [client] = await tx.query<{ user_id: string; last_seq: number }>(LOCK_CLIENT_SQL, [clientId, user.id]);
  if (client!.user_id !== user.id) throw forbiddenClient(clientId);
  const lastSeq = client!.last_seq;

  const fresh = actions.filter((a) => a.seq > lastSeq);
  if (fresh.length === 0) {
    // Only a push with nothing new reports the head as it stands (one that commits reports its own
    // version), so only it reads it: with COMMIT right behind, in the round trip COMMIT needs anyway.
    const [head] = await tx.queryAndCommit<{ version: number; rejected: Rejection[] }>(HEAD_SQL, [clientId, minSeq]);
    return { response: { lastSeq, rejected: head!.rejected, version: head!.version }, commit: null };
  }
  // Indexes into `fresh`: the retry's savepointFrom refers to the same list, since nothing new ran.
  const outcomes = await runActions(tx, fresh, run);
  const rejected: Rejection[] = [];
  outcomes.forEach((outcome, i) => {
    if (!outcome.ok) {
      const a = fresh[i]!;
      // An older client may not be able to read its action back under its new code: say what it was.
      // The error is the action's own words; as stored (and so as every later answer reports it).
      rejected.push({ id: a.id, seq: a.seq, name: a.name, error: storableJson(outcome.error), ...(run.upgrade && { args: a.args }) });
    }
  });
  const newLastSeq = fresh[fresh.length - 1]!.seq;
  let committed: Awaited<ReturnType<typeof commitVersion>>;
  try {
    committed = await commitVersion(tx, clientId, newLastSeq, rejected, commitChanges, minSeq);
  } catch (error) {
    // An action without a savepoint swallowed a database error and returned as if fine.
    if (isAbortedError(error) && savepointFrom > 0) throw new NeedsSavepoints(0, error);
    throw error;
  }
  const { commit, earlier } = committed;
  return { response: { lastSeq: newLastSeq, rejected: [...earlier, ...rejected], version: commit.version }, commit };
}
