/**
 * Carries commits between server instances over Postgres LISTEN/NOTIFY, coalesced.
 *
 * Why coalesced: a NOTIFY inside every push transaction serialises all commits on Postgres' global
 * notify queue lock (~600 commits/s ceiling). Here NOTIFY is sent after the commit, outside the
 * transaction, with at most one in flight; commits that arrive meanwhile are merged (union of
 * channels, max version) into the next one. Under load that is one NOTIFY per round trip, not per
 * commit; when idle, a commit is announced at once.
 */
import type { SqlDriver } from '../store/sql-driver.ts';
import type { CommitInfo } from '../sync/sync-store.ts';
import { MAX_PAYLOAD_BYTES, decodeCommitMessage, encodeCommitMessage } from './commit-payload.ts';
import type { CommitMessage } from './commit-payload.ts';

export const DEFAULT_NOTIFY_CHANNEL = 'tandem_commits';

export interface CommitBusOptions {
  driver: SqlDriver;
  instanceId: string;
  /** Postgres notification channel; instances that share it see each other's commits. */
  channel?: string;
  /** A commit from ANOTHER instance (our own notifications are ignored). */
  onRemoteCommit(message: CommitMessage): void;
  onError?(error: unknown): void;
}

export interface CommitBusStats {
  /** Commits handed to `publish`. */
  published: number;
  /** NOTIFY statements sent successfully. */
  notifies: number;
  /** NOTIFY statements that failed (those commits reach other instances with the next one). */
  failures: number;
  /** Notifications received from other instances. */
  received: number;
}

export interface CommitBus {
  publish(commit: Pick<CommitInfo, 'version' | 'channels'>): void;
  /** Resolves once every commit published so far has been sent (or has failed). */
  flush(): Promise<void>;
  readonly stats: Readonly<CommitBusStats>;
  /** Flushes, then stops listening. */
  close(): Promise<void>;
}

interface Pending {
  version: number;
  channels: Set<string>;
  /** Approximate payload size of `channels`, so a burst cannot grow the set without bound. */
  bytes: number;
  all: boolean;
}

export async function createCommitBus(options: CommitBusOptions): Promise<CommitBus> {
  const { driver, instanceId, onRemoteCommit } = options;
  const channel = options.channel ?? DEFAULT_NOTIFY_CHANNEL;
  const onError = options.onError ?? ((e: unknown) => console.error('[tandem] commit notification failed:', e));
  const stats: CommitBusStats = { published: 0, notifies: 0, failures: 0, received: 0 };
  let pending: Pending | null = null;
  let sending: Promise<void> | null = null;
  let closed = false;

  const unlisten = await driver.listen(channel, (payload) => {
    const message = decodeCommitMessage(payload);
    if (!message || message.instanceId === instanceId) return;
    stats.received++;
    onRemoteCommit(message);
  });

  async function drain(): Promise<void> {
    while (pending) {
      const next: Pending = pending;
      pending = null;
      const payload = encodeCommitMessage({ instanceId, version: next.version, scope: next.all ? 'all' : [...next.channels] });
      try {
        await driver.notify(channel, payload);
        stats.notifies++;
      } catch (e) {
        stats.failures++;
        onError(e);
      }
    }
    sending = null;
  }

  return {
    stats,
    publish(commit) {
      if (closed) return;
      stats.published++;
      const p: Pending = (pending ??= { version: 0, channels: new Set(), bytes: 0, all: false });
      p.version = Math.max(p.version, commit.version);
      if (!p.all) {
        for (const c of commit.channels) {
          if (p.channels.has(c)) continue;
          p.channels.add(c);
          p.bytes += c.length + 3;
        }
        // Past the payload limit it would degrade to "all" anyway: stop collecting.
        if (p.bytes > MAX_PAYLOAD_BYTES) {
          p.all = true;
          p.channels.clear();
        }
      }
      sending ??= drain();
    },
    async flush() {
      while (sending) await sending;
    },
    async close() {
      if (closed) return;
      closed = true;
      while (sending) await sending;
      await unlisten();
    },
  };
}
