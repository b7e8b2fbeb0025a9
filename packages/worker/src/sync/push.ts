import { ErrorKind, jsonByteLength, refusedAction, SYNC_LIMITS, toErrorData } from '@tandem/core';
import type { PushAction, PushResponse, Rejection, TandemErrorData } from '@tandem/core';
import type { SyncHost } from './sync-host.ts';
import type { SyncTransport } from './sync-transport.ts';

export interface PushResult {
  answers: PushResponse[];
  /** Actions the server refused to take at all (never run there): rolled back and listed here. */
  refused: Rejection[];
}

export interface PushHooks {
  /** The server processed every action up to `seq`: a later failure does not send them again. */
  pushed(seq: number): void;
  /**
   * About to send `actions` (null: answered): returns the ones to send, which stop before the first
   * one the app is discarding. The server skips a seq at or below one it has processed, so an action
   * must never be passed over and sent later: everything behind it waits.
   */
  sending(actions: readonly PushAction[] | null): readonly PushAction[];
}

/**
 * Pushes the outbox in order, after seq `after`, `batch` actions at a time. No single action can
 * stop the ones behind it: a batch over the server's body limit is halved until the action that
 * is too large stands alone, and an action the server refuses by index (a name or args it will
 * never accept) is given up on. Those two never ran on the server and never will, so they are
 * rolled back and reported as rejections (`host.refuse`), and the push goes on. Anything else
 * (offline, 5xx, 401, 403, a new server version) stops the push, to be retried as it is.
 */
export async function push(transport: SyncTransport, host: SyncHost, after: number, batch: number, hooks: PushHooks): Promise<PushResult> {
  let limit = batch;
  let through = after;
  const result: PushResult = { answers: [], refused: [] };
  for (;;) {
    const unpushed = await host.unpushed(through, limit);
    const fitted = withinBody(unpushed);
    const actions = unpushed.length === 0 ? unpushed : hooks.sending(fitted);
    if (actions.length === 0) break;
    let response;
    try {
      response = await transport.push({ clientId: host.clientId, actions: [...actions], ...(host.schemaVersion !== undefined ? { schemaVersion: host.schemaVersion } : {}) });
    } catch (error) {
      const data = toErrorData(error);
      const blamed = data.kind === ErrorKind.tooLarge ? (actions.length === 1 ? 0 : null) : refusedAction(data);
      if (data.kind === ErrorKind.tooLarge && blamed === null) {
        limit = Math.max(1, Math.floor(actions.length / 2));
        continue;
      }
      if (blamed === null || blamed >= actions.length) throw error;
      // The ones before it were fine: they go first, in order; the next round blames it at index 0.
      if (blamed > 0) {
        limit = blamed;
        continue;
      }
      const rejection = await refuse(host, actions[0]!, data, error);
      if (rejection) result.refused.push(rejection);
      limit = batch;
      continue;
    } finally {
      hooks.sending(null);
    }
    result.answers.push(response);
    // Processed means applied, rejected or skipped as a duplicate: resume after the last one sent.
    through = actions[actions.length - 1]!.seq;
    hooks.pushed(through);
    // Held back by a discard: the rest waits for its release. Read short: nothing more to send.
    if (actions.length < fitted.length || (fitted.length === unpushed.length && unpushed.length < limit)) break;
  }
  return result;
}

async function refuse(host: SyncHost, action: PushAction, data: TandemErrorData, error: unknown): Promise<Rejection | null> {
  const verdict: TandemErrorData = {
    kind: data.kind,
    message: `The sync server will not take action "${action.name}" (${action.id}), so it was rolled back: ${data.message}`,
    details: { action: action.name, ...(data.details !== undefined ? { server: data.details } : {}) },
  };
  const rejection = await host.refuse(action, verdict);
  if (rejection) return rejection;
  // Gone already (the app discarded it meanwhile, which reported it): the next round does not see
  // it. Were it still there, it would be sent again forever: fail the push as it came.
  const again = await host.unpushed(action.seq - 1, 1);
  if (again[0]?.id === action.id) throw error;
  return null;
}

/**
 * The batch's first actions whose JSON fits in half the server's default body limit (at least one).
 * A body over the limit gets a 413, but a server may answer it before reading the body and close
 * the connection, which a browser can report as a reset, not a 413: a failure the loop would
 * retry forever with the same batch. Half leaves room for a server configured lower, whose 413s
 * still halve the batch.
 */
function withinBody(actions: readonly PushAction[]): readonly PushAction[] {
  const budget = SYNC_LIMITS.body / 2;
  let bytes = 0;
  for (let i = 0; i < actions.length; i++) {
    bytes += jsonByteLength(actions[i]) + 1;
    if (bytes > budget && i > 0) return actions.slice(0, i);
  }
  return actions;
}
