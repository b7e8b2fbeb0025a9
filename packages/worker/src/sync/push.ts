import { ErrorKind, toErrorData } from '@tandem/core';
import type { PushResponse } from '@tandem/core';
import type { SyncHost } from './sync-host.ts';
import type { SyncTransport } from './sync-transport.ts';

/**
 * Pushes the outbox in order, after seq `after`, `batch` actions at a time; `pushed` hears of each
 * batch the server processed, so a later failure does not send it again. Returns the answers.
 */
export async function push(transport: SyncTransport, host: SyncHost, after: number, batch: number, pushed: (seq: number) => void): Promise<PushResponse[]> {
  let limit = batch;
  let through = after;
  const answers: PushResponse[] = [];
  for (;;) {
    const actions = await host.unpushed(through, limit);
    if (actions.length === 0) break;
    let response;
    try {
      response = await transport.push({ clientId: host.clientId, actions, ...(host.schemaVersion !== undefined ? { schemaVersion: host.schemaVersion } : {}) });
    } catch (error) {
      // Big args can make a batch exceed the server's body limit: send fewer at a time.
      if (toErrorData(error).kind === ErrorKind.tooLarge && limit > 1) {
        limit = Math.max(1, Math.floor(limit / 2));
        continue;
      }
      throw error;
    }
    answers.push(response);
    // Processed means applied, rejected or skipped as a duplicate: resume after the last one sent.
    through = actions[actions.length - 1]!.seq;
    pushed(through);
    if (actions.length < limit) break;
  }
  return answers;
}
