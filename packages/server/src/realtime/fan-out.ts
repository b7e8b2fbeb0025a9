/**
 * Where a commit goes once it is durable: this instance's sockets at once, other instances through
 * the (coalesced) commit bus, whose remote commits land in the same local hub.
 */
import { randomUUID } from 'node:crypto';
import type { SqlDriver } from '../store/sql-driver.ts';
import type { CommitInfo } from '../sync/sync-store.ts';
import { createCommitBus } from './commit-bus.ts';
import type { CommitBus } from './commit-bus.ts';
import { PokeHub } from './poke-hub.ts';

export interface FanOutOptions {
  /** Share commits with other instances through this database's LISTEN/NOTIFY; omit for one instance. */
  driver?: SqlDriver;
  /** Notification channel (default `tandem_commits`); instances of one app must use the same one. */
  channel?: string;
  /** Identifies this instance in notifications so it can skip its own (default: random). */
  instanceId?: string;
  onError?(error: unknown): void;
}

export interface FanOut {
  readonly instanceId: string;
  readonly hub: PokeHub;
  /** Null when there is no driver to carry commits to other instances. */
  readonly bus: CommitBus | null;
  committed(commit: CommitInfo): void;
  close(): Promise<void>;
}

export async function createFanOut(options: FanOutOptions = {}): Promise<FanOut> {
  const instanceId = options.instanceId ?? randomUUID();
  const hub = new PokeHub(options.onError);
  const bus = options.driver
    ? await createCommitBus({
        driver: options.driver,
        instanceId,
        ...(options.channel !== undefined && { channel: options.channel }),
        ...(options.onError && { onError: options.onError }),
        onRemoteCommit: (m) => hub.publish(m.version, m.scope),
      })
    : null;
  return {
    instanceId,
    hub,
    bus,
    committed(commit) {
      hub.publish(commit.version, commit.channels, commit);
      bus?.publish(commit);
    },
    close: async () => {
      await bus?.close();
    },
  };
}
