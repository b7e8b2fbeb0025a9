import type { PushAction, TandemErrorData } from '@tandem/core';
import type { SyncHost } from '../sync/sync-host.ts';

/**
 * A SyncHost over an in-memory outbox, for tests of the sync loop: a pull settles what it
 * acknowledges (`lastSeq`), a refusal takes the action out and is recorded.
 */
export function memorySyncHost(clientId: string, schemaVersion?: number) {
  const pending: PushAction[] = [];
  const refused: { id: string; error: TandemErrorData }[] = [];
  const host: SyncHost = {
    clientId,
    ...(schemaVersion !== undefined ? { schemaVersion } : {}),
    channels: () => ['l1'],
    unpushed: async (after, limit) => pending.filter((a) => a.seq > after).slice(0, limit),
    pullState: async () => ({ cursors: [{ channel: 'l1', cursor: 0 }], lowestPending: pending[0]?.seq }),
    cursors: async () => [{ channel: 'l1', cursor: 0 }],
    applyPull: async (pull) => {
      pending.splice(0, pending.filter((p) => p.seq <= pull.lastSeq).length);
      return [];
    },
    applyPoke: async () => null,
    applyPushed: async () => null,
    pendingCount: () => pending.length,
    dropChannel: async () => undefined,
    refuse: async (action, error) => {
      const at = pending.findIndex((p) => p.id === action.id);
      if (at === -1) return null;
      pending.splice(at, 1);
      refused.push({ id: action.id, error });
      return { id: action.id, seq: action.seq, name: action.name, error, args: action.args };
    },
  };
  return {
    host,
    pending,
    refused,
    /** Queues action `seq` (`add { title: t<seq> }` unless `patch` says otherwise). */
    add(seq: number, patch: Partial<PushAction> = {}) {
      pending.push({ id: `${clientId}-${seq}`, seq, name: 'add', args: { title: `t${seq}` }, time: 1, ...patch });
    },
  };
}
