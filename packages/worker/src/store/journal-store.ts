import type { PullResponse } from '@tandem/core';

/**
 * Durable storage for the in-memory engine: an append-only journal of replayable records plus
 * engine checkpoints. Start-up = newest checkpoint + every journal record after its `seq`.
 *
 * Guarantees an implementation must give:
 * - `append(records)` writes all records in ONE storage transaction and resolves only when it is
 *   durable; record seqs are strictly increasing in append order. This is the group commit: the
 *   runtime hands it a whole batch of actions.
 * - `putCheckpoint` and `trimThrough` are separate transactions (one big one would block appends
 *   for the whole checkpoint); a crash between them leaves extra journal records that replay skips
 *   because their seq is ≤ the checkpoint's.
 */
export interface ActionRecord {
  kind: 'action';
  /** Action id, `${clientId}-${clientSeq}`. */
  id: string;
  clientSeq: number;
  name: string;
  args: unknown;
  time: number;
  /**
   * The tab's id for this call (`WorkerApi.run`'s callId): a tab retries a call under it after its
   * worker died, and the action it names must not run twice.
   */
  call?: string;
  /**
   * The schema version (number of migrations) the action was invoked under; absent in journals
   * written before versioning (= 0). Every record after a checkpoint has the same one: a migration
   * checkpoints before anything is journaled under the new version.
   */
  v?: number;
}

/**
 * Actions that failed in the engine. A batch's records are appended while its actions run (so the
 * journal write overlaps the engine work); the ones that then fail are voided before the batch
 * commits, and replay skips them.
 */
export interface VoidRecord {
  kind: 'void';
  ids: string[];
}

/**
 * One applied pull (the server's changes, snapshots, confirmations and rejections) for the given
 * channels. Replay runs the same rebase again: actions are deterministic, so it yields the same state.
 */
export interface SyncRecord {
  kind: 'sync';
  channels: string[];
  pull: PullResponse;
  /** A poke's changes: they apply only where every channel is at `from` (see `rebase`). */
  from?: number;
  /** The schema version its rows are shaped for, as {@link ActionRecord.v}. */
  v?: number;
}

/** Every record kind the journal can hold. */
export type JournalRecord = ActionRecord | VoidRecord | SyncRecord;

export interface JournalEntry {
  seq: number;
  record: JournalRecord;
}

export interface Checkpoint {
  /** Journal seq the image includes: replay starts after it. */
  seq: number;
  image: Blob;
  createdAt: number;
  /**
   * What produced the image: the schema version (number of migrations) as text; a hash of the
   * schema in checkpoints from before versioning. Informational: the image's own `tandem_meta`
   * holds its schema identity.
   */
  version: string;
}

export interface JournalStore {
  append(records: readonly JournalRecord[]): Promise<number[]>;
  readAfter(seq: number): Promise<JournalEntry[]>;
  /** Highest seq appended so far (0 when empty). */
  lastSeq(): Promise<number>;
  count(): Promise<number>;
  latestCheckpoint(): Promise<Checkpoint | undefined>;
  putCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** Deletes journal records with seq ≤ `seq` and checkpoints older than the newest. */
  trimThrough(seq: number): Promise<void>;
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  close(): void;
}
