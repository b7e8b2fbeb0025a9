import type { Change, ChannelCursor, PullResponse, PushAction, PushResponse, Rejection, TandemErrorData } from '@tandem/core';

/** What a pull needs from local state, read once the pushes are done. */
export interface PullState {
  /** The synced channels with the version each has reached (0 = never pulled). */
  cursors: ChannelCursor[];
  /** Lowest seq still pending, for the server's rejection report. */
  lowestPending: number | undefined;
}

/** What the sync loop needs from the runtime. It only ever reads durable (committed) state. */
export interface SyncHost {
  readonly clientId: string;
  /** This client's schema version (its number of migrations), sent with every request; absent = 0. */
  readonly schemaVersion?: number;
  /**
   * Pending actions with seq > `afterSeq`, oldest first, at most `limit`. The first thing on the
   * path of every change from one device to another: the runtime answers from the batches it
   * committed this session when it can, without reading the engine.
   */
  unpushed(afterSeq: number, limit: number): Promise<PushAction[]>;
  /** The cursors and lowest pending seq for the pull that follows the pushes. */
  pullState(): Promise<PullState>;
  /** The channels this client syncs. */
  channels(): string[];
  /** The synced channels with the version each has reached (0 = never pulled). */
  cursors(): Promise<ChannelCursor[]>;
  /** Stops syncing a channel the server refuses to let this user read. */
  dropChannel(channel: string): Promise<void>;
  /**
   * Rebases onto the server's changes, durably, in one step; returns the rejections it dropped.
   * `channels`: the ones the pull asked for (only those are now at `pull.version`).
   */
  applyPull(pull: PullResponse, channels: readonly string[]): Promise<Rejection[]>;
  /**
   * Applies a poke's changes (all of commit `version` in their channels) when every one of those
   * channels is at `version - 1`; returns the cursors afterwards, or null when it could not (the
   * caller pulls instead).
   */
  applyPoke(version: number, changes: Change[]): Promise<ChannelCursor[] | null>;
  /**
   * Confirms pushed actions with the push's own commit (`response.changes`) when every channel it
   * touched is at `version - 1`, rebasing as a pull would; returns the rejections it dropped, or null
   * when it could not (the caller pulls instead).
   */
  applyPushed(response: PushResponse & { changes: Change[] }): Promise<Rejection[] | null>;
  /**
   * Gives up on a pending action the server refuses to take (it never ran there): rolled back and
   * listed as a rejection with `error`, durably, never pushed. Null when it is no longer pending.
   */
  refuse(action: PushAction, error: TandemErrorData): Promise<Rejection | null>;
  pendingCount(): number;
}
