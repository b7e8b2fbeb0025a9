import type { ConnectionState } from './connection/connection-state.ts';
import type { TandemUpdate } from './update-feed.ts';
import type { ActionCallers, ActionDefinitions, DebugCounters, PendingActionInfo, Rejection, Row, SignIn, SignOut, SignOutResult, SyncStatus, TandemError, WorkerStatus } from '@tandem/core';

/** An open connection to the app's Tandem worker, as `openTandem()` gives it. */
export interface Tandem<A extends ActionDefinitions = ActionDefinitions> {
  readonly actions: ActionCallers<A>;
  readonly clientId: string;
  readonly tabId: string;
  /** Content hash of the code the worker runs for this tab (engine, schema, actions, sync). */
  readonly version: string;
  /** The local database's schema version: the number of migrations it has run. */
  readonly schemaVersion: number;
  /**
   * `ready`, or `reconnecting` while the worker died and a fresh one is being connected (calls
   * made meanwhile wait for it; calls that had no answer are retried there, an action never runs
   * twice), or `failed` when the fresh worker refused this tab for good (a newer version runs:
   * `onUpdate` fires too; or the schema or actions failed to load): calls fail with that error and
   * only a reload helps. Or `closed`.
   */
  readonly connection: ConnectionState;
  /** Called on every change of `connection`. Returns unsubscribe. */
  onConnection(fn: (state: ConnectionState) => void): () => void;
  /**
   * True once this tab is outdated: a newer version took the worker over (its calls now fail with
   * `update_required`), or the server needs a newer client. Reloading the page fixes it.
   */
  readonly updateAvailable: boolean;
  /**
   * Called once when this tab becomes outdated (at once if it already is): offer a reload. Nothing
   * is lost meanwhile: the worker finished and saved this tab's work before handing over.
   * Returns unsubscribe.
   */
  onUpdate(fn: (update: TandemUpdate) => void): () => void;
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<R[]>;
  /**
   * Calls `onChange` with the current rows, then after every committed change. Returns unsubscribe.
   * `onError` gets a `TandemError` (`kind`, `message`) when the query fails: at subscribe or when a
   * fresh worker refuses it (the query is then over), or when a re-run after a commit fails (it keeps
   * its last rows and updates again once it works). Without `onError` the failure is logged with
   * `console.error`.
   */
  live<R extends Row = Row>(sql: string, params: unknown[] | undefined, onChange: (rows: R[]) => void, onError?: (error: TandemError) => void): () => void;
  status(): Promise<WorkerStatus>;
  debug(): Promise<DebugCounters>;
  readonly sync: TandemSync;
  close(): void;
}

/** Sync with the server, as this tab sees it (the worker runs one sync loop for all tabs). */
export interface TandemSync {
  /** The latest status the worker broadcast (online, syncing, pending count, last error…). */
  readonly status: SyncStatus;
  /** Called now and on every change. Returns unsubscribe. */
  onStatus(fn: (status: SyncStatus) => void): () => void;
  /**
   * Called at once with the rejections still listed in `status.rejections` (not yet acknowledged,
   * perhaps found before this tab opened), then with new ones as they come; never twice with one.
   * Rejected actions were rolled back. Returns unsubscribe.
   */
  onRejected(fn: (rejections: Rejection[]) => void): () => void;
  /** Removes these rejections (by `id`) from the worker's durable list once the app has dealt with them. */
  acknowledgeRejections(ids: string[]): Promise<void>;
  /** The actions the server has not settled yet (`{ id, name, args, time }`), oldest first. */
  pending(): Promise<PendingActionInfo[]>;
  /**
   * Gives up on one pending action (one the server keeps refusing): its local effects are rolled
   * back, it is reported through `onRejected` as `discarded`, and it is never pushed.
   */
  discard(id: string): Promise<void>;
  /** Starts syncing more channels (persisted in the worker). */
  addChannels(channels: string[]): Promise<void>;
  /**
   * Gives the worker a fresh bearer token for the signed-in user (a refreshed one). Refused
   * (`unauthorized`) while signed out: use `signIn`. Without any `signIn` ever, the token alone is
   * used, as before sign-in existed (then nothing checks whose it is).
   */
  setToken(token: string): Promise<void>;
  /**
   * Signs `user` in with `token` and syncs. The local database belongs to the first user who signs
   * in (actions made before are theirs); another user is refused with `user_mismatch` and nothing
   * changes: sign out with `data: 'wipe'` first, or open one database per user (`name`).
   */
  signIn(session: SignIn): Promise<void>;
  /**
   * Stops syncing and forgets the token, in every tab. `{ data: 'keep' }`: the local data and the
   * pending actions stay for the same user's next `signIn`. `{ data: 'wipe' }`: the local database
   * is deleted (its unpushed actions too: `discarded` says how many) and every tab of it connects
   * again to a fresh, empty one (`connection` is `reconnecting` meanwhile), with a new client id.
   */
  signOut(options: SignOut): Promise<SignOutResult>;
  /** Push + pull now; resolves when done, rejects with the reason it failed. */
  now(): Promise<void>;
}
