/**
 * The write rule of a push: every channel an action's captured changes touch must be one the user
 * may write. The changes name the channels on both sides of a move (a row leaving a channel is a
 * delete there, arriving is an insert in the new one), so one check of the captured channels
 * covers writing into, out of and within a channel.
 */
import { ErrorKind, TandemError } from '@tandem/core';
import type { SqlTx } from '../store/sql-driver.ts';
import type { AuthUser, CanWrite } from './sync-store.ts';

/** One push's view of the rule: the user is fixed and each channel is asked about once. */
export interface WriteCheck {
  /** The first of `channels` the user may not write, if any. */
  denied(channels: readonly string[]): Promise<string | undefined>;
}

/**
 * Thrown by the app's `canWrite` hook: not a verdict on the action, so it must not become its
 * rejection; the push fails instead (500, the client retries) as a throwing `canRead` does.
 */
export class WriteRuleFailed extends Error {
  constructor(readonly cause: unknown) {
    super('canWrite threw');
  }
}

export function createWriteCheck(canWrite: CanWrite, user: AuthUser): WriteCheck {
  // Memoised per push: a channel's answer is the same for every action of it, and every attempt.
  const answers = new Map<string, Promise<boolean>>();
  const ask = (channel: string): Promise<boolean> => {
    let answer = answers.get(channel);
    if (!answer) {
      answer = Promise.resolve()
        .then(() => canWrite(user, channel))
        .then((ok) => ok === true, (error: unknown) => Promise.reject(new WriteRuleFailed(error)));
      answers.set(channel, answer);
    }
    return answer;
  };
  return {
    async denied(channels) {
      const allowed = await Promise.all(channels.map(ask));
      return channels.find((_, i) => !allowed[i]);
    },
  };
}

/** The rejection of an action that touched `channel`. */
export function forbiddenWrite(action: string, channel: string): TandemError {
  return new TandemError(ErrorKind.forbidden, `Action "${action}" was rolled back: you may not write to channel ${JSON.stringify(channel)}.`, { channel });
}

/** The channels one action's changes touched so far in this transaction. $1 action id. */
const ACTION_CHANNELS_SQL = `
select distinct channel from tandem_changes where txid = pg_current_xact_id() and action_id = $1
`;

/** Every (action, channel) pair the transaction's changes touched, for the check after a batch. */
const PUSH_CHANNELS_SQL = `
select distinct action_id, channel from tandem_changes where txid = pg_current_xact_id()
`;

export async function actionChannels(tx: SqlTx, actionId: string): Promise<string[]> {
  const rows = await tx.query<{ channel: string }>(ACTION_CHANNELS_SQL, [actionId]);
  return rows.map((r) => r.channel);
}

/** Channels touched so far in this transaction, by action id. */
export async function channelsByAction(tx: SqlTx): Promise<Map<string, string[]>> {
  const rows = await tx.query<{ action_id: string; channel: string }>(PUSH_CHANNELS_SQL);
  const byAction = new Map<string, string[]>();
  for (const { action_id, channel } of rows) {
    const list = byAction.get(action_id);
    if (list) list.push(channel);
    else byAction.set(action_id, [channel]);
  }
  return byAction;
}
