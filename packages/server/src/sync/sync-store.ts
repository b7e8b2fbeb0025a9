import type { ActionDefinitions, Change, PullRequest, PullResponse, PushAction, PushResponse } from '@tandem/core';

/** Who a request acts for, as the auth hook resolved it. `id` is stable per user. */
export interface AuthUser {
  id: string;
  [claim: string]: unknown;
}

/** Table → its channel column (e.g. `{ todos: 'list_id' }`). Every synced table must have one. */
export type ChannelColumns = Record<string, string>;

export interface SyncStoreOptions {
  /** The app's schema SQL (the same the worker runs); applied once when its tables are missing. */
  schema: string;
  channels: ChannelColumns;
  actions: ActionDefinitions;
  /** Changes per pull response before it is cut (`more: true`); default SYNC_LIMITS.pullChanges. */
  pullLimit?: number;
  /**
   * A commit with at most this many changes returns them in {@link CommitInfo.changes}, so pokes
   * carry them and subscribers skip their pull (default 100; 0 = never; at most
   * SYNC_LIMITS.pokeChanges).
   */
  commitChanges?: number;
}

/** What one commit touched, for pokes (local sockets and, through NOTIFY, other instances). */
export interface CommitInfo {
  version: number;
  channels: string[];
  /** The client whose push this was (`server` for an invoke): its own socket is not poked. */
  clientId: string;
  /** Every change of the commit in capture order, when it is small (see `commitChanges`). */
  changes?: Change[];
}

/**
 * The server's sync state on top of a {@link SqlDriver}: app tables with capture triggers, the
 * change log with gap-free commit versions, per-client processed seqs and rejections.
 */
export interface SyncStore {
  /**
   * Runs `actions` (those above the client's last processed seq, in order) in ONE transaction, each
   * in its own savepoint with `ctx.user = user`, `ctx.server = true`. A throwing action is recorded
   * as rejected with its error (never retried); the client's last seq is stored in the same
   * transaction, so a repeated push changes nothing. A client id belongs to the first user that
   * pushed with it: another user gets `forbidden`.
   */
  push(clientId: string, user: AuthUser, actions: readonly PushAction[]): Promise<{ response: PushResponse; commit: CommitInfo | null }>;
  /** Changes after each cursor up to one consistent version; snapshots for cursor 0 / too-old cursors. */
  pull(request: PullRequest, user: AuthUser): Promise<PullResponse>;
  /** Runs one action as the server itself (jobs, agents, admin scripts); it syncs like any other. */
  invoke(name: string, args: unknown, user: AuthUser): Promise<{ result: unknown; commit: CommitInfo }>;
  /** Current head version. */
  head(): Promise<number>;
  /** Drops change-log entries at or below `version`; clients behind it get a snapshot (reset). */
  compact(version: number): Promise<void>;
}
