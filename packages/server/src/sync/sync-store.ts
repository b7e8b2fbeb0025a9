import type { ActionDefinitions, Migration, PullRequest, PullResponse, PushAction, PushResponse } from '@tandem/core';

/** Who a request acts for, as the auth hook resolved it. `id` is stable per user. */
export interface AuthUser {
  id: string;
  [claim: string]: unknown;
}

/**
 * May `user` change rows of `channel`? Asked for every channel an action in a push touched (see
 * {@link SyncStore.push}); the HTTP app's `canWrite` option, defaulting to its `canRead`.
 */
export type CanWrite = (user: AuthUser, channel: string) => boolean | Promise<boolean>;

/** Table → its channel column (e.g. `{ todos: 'list_id' }`). Every synced table must have one. */
export type ChannelColumns = Record<string, string>;

export interface SyncStoreOptions {
  /**
   * The app's base schema SQL (the same the worker runs), frozen once shipped: it runs only on a
   * database Tandem has not set up yet, when its tables are missing. Change the schema with
   * `migrations`.
   */
  schema: string;
  channels: ChannelColumns;
  actions: ActionDefinitions;
  /**
   * The app's migrations (`defineMigrations([...])`, the list the worker gets from the actions
   * module), oldest first. At start the database runs the steps it has not run; their number is
   * the server's schema version, which clients must match to pull (see {@link SyncStore.schemaVersion}).
   */
  migrations?: readonly Migration[];
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
  /**
   * Every change of the commit in capture order, when it is small (see `commitChanges`): the JSON
   * text of a `Change[]` as Postgres wrote it, so pokes splice it without a parse and stringify.
   * Its changes lie in exactly `channels`.
   */
  changesJson?: string;
}

/**
 * The server's sync state on top of a {@link SqlDriver}: app tables with capture triggers, the
 * change log with gap-free commit versions, per-client processed seqs and rejections.
 */
export interface SyncStore {
  /**
   * The number of migrations: the schema version clients are served at. A push from an older
   * client runs with its args upgraded (each action's `upgrade` hook); a newer client's push and any
   * other client's pull are refused (`server_outdated`, `update_required`).
   */
  readonly schemaVersion: number;
  /**
   * Runs `actions` (those above the client's last processed seq, in order) in ONE transaction, each
   * in its own savepoint with `ctx.user = user`, `ctx.server = true`. A throwing action is recorded
   * as rejected with its error (never retried); the client's last seq is stored in the same
   * transaction, so a repeated push changes nothing. A client id belongs to the first user that
   * pushed with it: another user gets `forbidden`.
   *
   * `schemaVersion` is the client's (as on the wire: absent means 0). Below the server's, each
   * action's args go through `upgradeActionArgs`; an action it refuses, or one this server no
   * longer has, is rejected like a throwing one (`upgrade_rejected`, `unknown_action`, with its
   * args). Above the server's, the push is refused with `server_outdated` and nothing runs.
   *
   * `ctx.time` is the server's clock at this push (one value for all its actions), the action's
   * own `time` is `ctx.clientTime`. With `canWrite`, an action whose captured changes touch a
   * channel (before or after a row's move) the user may not write is rolled back and rejected
   * `forbidden` with `details.channel`; later actions still run. Without it nothing is checked
   * (the HTTP app always passes its rule, defaulting to `canRead`).
   */
  push(
    clientId: string,
    user: AuthUser,
    actions: readonly PushAction[],
    schemaVersion?: number,
    canWrite?: CanWrite,
  ): Promise<{ response: PushResponse; commit: CommitInfo | null }>;
  /**
   * Changes after each cursor up to one consistent version; snapshots for cursor 0 / too-old cursors.
   * Only for a client at the server's schema version (`request.schemaVersion`, absent = 0): an older
   * one gets `update_required`, a newer one `server_outdated`.
   */
  pull(request: PullRequest, user: AuthUser): Promise<PullResponse>;
  /** {@link pull} as the JSON text of its response (what HTTP sends), snapshots built as text by the database. */
  pullJson(request: PullRequest, user: AuthUser): Promise<string>;
  /** Runs one action as the server itself (jobs, agents, admin scripts); it syncs like any other. */
  invoke(name: string, args: unknown, user: AuthUser): Promise<{ result: unknown; commit: CommitInfo }>;
  /** Current head version. */
  head(): Promise<number>;
  /** Drops change-log entries at or below `version`; clients behind it get a snapshot (reset). */
  compact(version: number): Promise<void>;
}
