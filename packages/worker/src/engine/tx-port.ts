import type { Patch, Row } from '@tandem/core';
import type { PendingAction } from './engine.ts';

/**
 * What an engine supplies so that Tandem's bookkeeping (tandem-tx.ts) runs on it: a small
 * transaction port for what only the engine can do, and the SQL text that differs by dialect.
 * `Columns` is how the engine describes a table's writable columns to its own row-rebuilding SQL.
 */
export interface TxPort<Columns> {
  /** Runs one statement and returns its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs one statement for its effect and returns how many rows it inserted, updated or deleted. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs one statement that takes no parameters, as cheaply as the engine can. */
  exec(sql: string): Promise<void>;
  /** Nested scope: rolls back only its own writes when `fn` throws (then rethrows). */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** Writes to synced tables inside `fn` are captured as patches of `actionId` (a non-empty id). */
  captureAs<T>(actionId: string, fn: () => Promise<T>): Promise<T>;
  /** `savepoint` + `captureAs` in one, as cheaply as the engine allows: the hot path of every action. */
  actionScope<T>(actionId: string, fn: () => Promise<T>): Promise<T>;
  /** Whether writing any of `tables` fires triggers (or rules) besides Tandem's capture. */
  firesOtherTriggers(tables: Iterable<string>): Promise<boolean>;
  /**
   * Runs `fn` with capture bypassed (its writes are neither recorded nor refused) and, when
   * `triggersOff`, with the app's triggers off too: for writes that are no action (a revert, the
   * server's rows, which already hold every trigger's effect).
   */
  bypassCapture<T>(triggersOff: boolean, fn: () => Promise<T>): Promise<T>;
  /** Looks up tables' writable columns, each at most once per reader (an engine may cache longer). */
  columnsReader(): (table: string) => Promise<Columns>;
}

/** One statement with its parameters. */
export interface Statement {
  sql: string;
  params: readonly unknown[];
}

/**
 * Up to this many patches, a batch's bookkeeping statement returns them (where the dialect has
 * `recordBatch`): the live layer then has a small commit's rows without a read of its own after
 * COMMIT (one PGlite round trip, on the path of every same-tab update). A bigger batch's are read
 * after the commit, and only when a live query asks.
 */
export const PATCHES_IN_BATCH_MAX = 100;

/** The SQL of Tandem's bookkeeping that differs by dialect, with the parameters it takes. */
export interface DialectSql<Columns> {
  /** Records pending actions in tandem_pending and the highest seq as `client_seq` in tandem_meta. */
  recordPending(actions: readonly PendingAction[]): Statement[];
  /**
   * {@link recordPending} and then {@link changedTablesSql}(`afterSeq`) as ONE statement, read with
   * {@link readChangedTables}; null where the dialect cannot (SQLite has no data-modifying CTEs).
   * It may also return the patches themselves (`patches`, as {@link PATCHES_IN_BATCH_MAX} allows).
   */
  recordBatch: ((actions: readonly PendingAction[], afterSeq: number) => Statement) | null;
  /** Tables with patches after $1 and the highest seq among them. */
  changedTablesSql: string;
  readChangedTables(rows: readonly Row[], afterSeq: number): { tables: string[]; lastSeq: number; patches?: Patch[] };
  /** Deletes pending actions with seq ≤ $1 and their patches (in as few statements as the dialect can). */
  dropPendingSql: readonly string[];
  /** Distinct channels of the patches' rows, `channel` per row; $1: { table: channel column } as JSON. */
  pendingChannelsSql: string;
  /** One row: `meta` (the meta value of key $1) and `pending` (every pending action as one JSON array). */
  metaAndPendingSql: string;
  /** Upserts meta key $1 with value $2 (JSON text). */
  writeMetaSql: string;

  /** Writes the server's rows (no action). */
  serverRows: ServerRowsSql<Columns>;
  /** Applies patches in reverse (no action). */
  revert: RevertSql<Columns>;
}

export interface ServerRowsSql<Columns> {
  /** Deletes a table's rows whose `column` holds channel $1. */
  deleteChannelSql(table: string, column: string): string;
  deleteRows(table: string, ids: readonly string[]): Statement;
  upsertRows(table: string, columns: Columns, rows: readonly Row[]): Statement;
  /** Inserts rows that cannot conflict with any (see TandemTx.applyServerRows): no conflict check per row. */
  insertRows(table: string, columns: Columns, rows: readonly Row[]): Statement;
}

export interface RevertSql<Columns> {
  /** Undoes an insert. $1: row id. */
  undoInsertSql(table: string): string;
  undoDelete(table: string, columns: Columns, oldRow: Patch['oldRow']): Statement;
  undoUpdate(table: string, columns: Columns, oldRow: Patch['oldRow'], rowId: string): Statement;
}
