import type { Dialect, Patch, Row } from '@tandem/core';

/**
 * The contract every local engine (PGlite in pglite/, sqlite-wasm in sqlite/) honours. The runtime
 * above it relies on exactly these guarantees and nothing engine-specific. An engine writes only
 * what differs by engine: its {@link EngineTx} is Tandem's bookkeeping (tandem-tx.ts) on the
 * engine's small transaction port and dialect SQL (tx-port.ts).
 *
 * - **One connection, serialised.** Calls never interleave: `query`/`exec` outside `transaction`
 *   wait for a running transaction to finish. Callers above also serialise, so the engine need not
 *   be fast at contention, only correct.
 * - **Transactions** are serializable by construction (there is one connection). `transaction(fn)`
 *   commits when `fn` resolves and rolls back, leaving no trace, when it throws. `savepoint(fn)` does
 *   the same for a nested scope inside a transaction: the runtime runs each action of a batch in its
 *   own savepoint, so one failing action rolls back only itself.
 * - **In memory.** The engine is not durable; durability is the journal's job. A fresh engine is
 *   created from a checkpoint (or the shipped empty image) and the journal is replayed on it.
 * - **Checkpoints.** `snapshot()` returns an image of the complete database (app tables, the
 *   `tandem_*` tables, triggers and sequences) such that `createEngine({ image })` yields a database
 *   in which every query returns what it returned before. It must not be called inside a transaction
 *   and must not be interleaved with writes (the runtime serialises it with them).
 * - **Capture.** After `installCapture(tables)`, every INSERT/UPDATE/DELETE on those tables inside a
 *   `captureAs(actionId)` scope appends a {@link Patch} row to `tandem_patches`; outside such a scope
 *   the write fails with an error that says writes go through actions.
 */
export interface Engine {
  readonly dialect: Dialect;
  readonly name: 'pglite' | 'sqlite';

  /**
   * Runs one statement with positional parameters ($1, $2… on every engine: SQLite binds $n by number
   * too). Tandem's own work (bookkeeping, migrations): it may write; a tab's SQL goes to {@link read}.
   */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs one statement that only reads (db.query, live queries). Anything that would change the
   * database or the connection (a write to any table, DDL, a transaction or savepoint, a setting,
   * PRAGMA, ATTACH, several statements) is refused before it changes anything, with an error that
   * says so (`readOnly: true` on it), so no write can happen outside an action and nothing can
   * change how a later action is captured.
   */
  read<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs a script of several statements without parameters (schema DDL). When one fails, the error
   * carries it as `statement` where the engine can tell (failed-statement.ts): schema errors name it.
   */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: EngineTx) => Promise<T>): Promise<T>;

  /** The tables a query reads, for live-query invalidation (from the engine's plan); refuses what {@link read} refuses. */
  tablesRead(sql: string, params?: readonly unknown[]): Promise<string[]>;

  /** Lists user tables eligible for sync: those with a text primary key column `id`. */
  syncedTables(): Promise<string[]>;
  /** Creates the tandem_* tables (idempotent) and capture triggers on `tables`. */
  installCapture(tables: readonly string[]): Promise<void>;

  snapshot(): Promise<Blob>;
  close(): Promise<void>;
}

export interface EngineTx {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Nested scope: rolls back only its own writes when `fn` throws (then rethrows). */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** Writes to synced tables inside `fn` are captured as patches of `actionId`. */
  captureAs<T>(actionId: string, fn: () => Promise<T>): Promise<T>;
  /**
   * `savepoint` + `captureAs` in one, as cheaply as the engine allows: the hot path of every action
   * (one action = one scope, so a failing action rolls back only itself).
   */
  actionScope<T>(actionId: string, fn: () => Promise<T>): Promise<T>;
  /** Records accepted actions in `tandem_pending` and the client's last seq in `tandem_meta`, in one statement. */
  recordPending(actions: readonly PendingAction[]): Promise<void>;
  /** Tables with patches after `afterSeq`, and the highest patch seq (`afterSeq` when none). */
  changedTablesSince(afterSeq: number): Promise<{ tables: string[]; lastSeq: number }>;
  /**
   * A write batch's bookkeeping in one statement: {@link recordPending}(`actions`), then returns
   * what {@link changedTablesSince}(`afterSeq`) returns after it. With no actions it records nothing.
   * `patches`: the patches after `afterSeq` in capture order, when the engine read them in the same
   * statement (PGlite, up to PATCHES_IN_BATCH_MAX of them); absent otherwise.
   */
  recordBatch(actions: readonly PendingAction[], afterSeq: number): Promise<{ tables: string[]; lastSeq: number; patches?: Patch[] }>;
  /** Patches captured in this transaction with `seq` greater than `afterSeq`, in capture order. */
  patchesSince(afterSeq: number): Promise<{ seq: number; patch: Patch }[]>;
  /** Highest patch seq so far (0 when none). */
  lastPatchSeq(): Promise<number>;
  /** Applies patches in reverse (newest first) to undo them, without capturing. For rebase. */
  revert(patches: readonly Patch[]): Promise<void>;

  // Sync (rebase). None of these capture or refuse: they write the server's state, not an action's.
  /** Pending actions with seq > `afterSeq`, oldest first, at most `limit` (default all). */
  pendingActions(afterSeq?: number, limit?: number): Promise<PendingAction[]>;
  /** Deletes pending actions with seq ≤ `throughSeq` (confirmed or rejected) and their patches. */
  dropPending(throughSeq: number): Promise<void>;
  /** Deletes every captured patch (the rebase recaptures them by re-running pending actions). */
  clearPatches(): Promise<void>;
  /** Replaces whole channels' rows, then applies row changes (last change per row wins). */
  applyServerRows(rows: ServerRows): Promise<void>;
  /** Channels (values of each table's channel column) that pending actions' patches touch. */
  pendingChannels(channelColumns: Record<string, string>): Promise<string[]>;
  /** Sync bookkeeping in `tandem_meta` (JSON values), committed with the data it describes. */
  readMeta<T>(key: string): Promise<T | undefined>;
  /**
   * {@link readMeta}(`key`) and {@link pendingActions}() in one statement: every rebase starts with
   * both, on the path of a remote change becoming visible.
   */
  readMetaAndPending<T>(key: string): Promise<{ meta: T | undefined; pending: PendingAction[] }>;
  writeMeta(key: string, value: unknown): Promise<void>;
}

/** The server's state to write during a rebase (see {@link EngineTx.applyServerRows}). */
export interface ServerRows {
  replaceChannels: { table: string; column: string; channel: string; rows: Row[] }[];
  changes: { table: string; rowId: string; op: Patch['op']; row: Patch['newRow'] }[];
}

export interface PendingAction {
  seq: number;
  id: string;
  name: string;
  args: unknown;
  time: number;
}

export interface EngineOptions {
  /** A snapshot from {@link Engine.snapshot} or the shipped pre-initialised empty image. */
  image?: Blob;
  /**
   * Where the engine's own assets (wasm, data) live; defaults to the module's own location. With it,
   * a file missing or served wrong fails `createEngine` with `not_ready` naming it (engine-asset.ts).
   */
  assetsUrl?: string;
  /**
   * The engine's files under `assetsUrl` by their plain name (`pglite.wasm`), for a build that
   * renames them, e.g. with a content hash so they can be cached forever (the prebuilt bundle).
   * A file not listed keeps its plain name.
   */
  assetFiles?: AssetFiles;
}

/** The plain names of the engines' files, as their packages ship them. */
export type EngineAssetName = 'pglite.wasm' | 'pglite.data' | 'initdb.wasm' | 'sqlite3.wasm';
export type AssetFiles = Partial<Record<EngineAssetName, string>>;

export type CreateEngine = (options: EngineOptions) => Promise<Engine>;
