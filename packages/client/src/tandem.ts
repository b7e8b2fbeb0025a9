import type { ActionCallers, ActionDefinitions, DebugCounters, Rejection, Row, SyncStatus, WorkerStatus } from '@tandem/core';

/** An open connection to the app's Tandem worker, as `openTandem()` gives it. */
export interface Tandem<A extends ActionDefinitions = ActionDefinitions> {
  readonly actions: ActionCallers<A>;
  readonly clientId: string;
  readonly tabId: string;
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Calls `onChange` with the current rows, then after every committed change. Returns unsubscribe. */
  live<R extends Row = Row>(sql: string, params: unknown[] | undefined, onChange: (rows: R[]) => void): () => void;
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
  /** Called when the server rejected local actions (they have been rolled back). Returns unsubscribe. */
  onRejected(fn: (rejections: Rejection[]) => void): () => void;
  /** Starts syncing more channels (persisted in the worker). */
  addChannels(channels: string[]): Promise<void>;
  /** Gives the worker a new bearer token (e.g. after sign-in). */
  setToken(token: string): Promise<void>;
  /** Push + pull now; resolves when done, rejects with the reason it failed. */
  now(): Promise<void>;
}
