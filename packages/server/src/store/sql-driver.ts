/**
 * The server's connection to its database: PostgreSQL through the `postgres` driver, or an
 * embedded PGlite stored on disk. Everything above it (change log, push, pull) is plain Postgres SQL
 * written once; a driver only moves statements and rows.
 *
 * Contract (checked by `sql-driver.conformance.ts` on both adapters):
 * - `query` runs one statement with `$1…` parameters outside any transaction (autocommit).
 * - `exec` runs a multi-statement script without parameters (simple protocol).
 * - `transaction(fn)` runs `fn` on one connection inside BEGIN … COMMIT at the given isolation
 *   (default read committed); it rolls back and rethrows when `fn` throws. Transactions may run
 *   concurrently (Postgres) or one after another (PGlite, one connection): callers must not rely on
 *   either. BEGIN may travel with fn's first statements rather than be waited for on its own.
 * - `tx.queryAndCommit` runs the transaction's last statement and commits right behind it (one
 *   round trip for both on Postgres). Once it is called the transaction is over: later statements
 *   are refused, and `transaction` neither rolls back nor commits again, whatever fn does next.
 * - A statement that fails inside a transaction fails the whole transaction (Postgres aborted it),
 *   even when `fn` catches the error: `transaction` then rejects with that statement's error. To go
 *   on after a failure, run the statements in `tx.savepoint(fn)`, which rolls back to the savepoint
 *   and rethrows when `fn` throws or one of its statements failed.
 * - Values come back JSON-shaped: int8 as number when safe, jsonb parsed, timestamps as ISO strings.
 * - `listen(channel, fn)` delivers NOTIFY payloads sent by any connection (and other server
 *   processes, for Postgres); `notify` sends one outside any transaction.
 */
export interface SqlDriver {
  readonly name: 'postgres' | 'pglite';
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>, options?: { isolation?: 'read committed' | 'repeatable read'; readOnly?: boolean }): Promise<T>;
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

export interface SqlTx {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  exec(sql: string): Promise<void>;
  /** Runs `fn` inside a SAVEPOINT; rolls back to it and rethrows when fn throws or a statement in it failed. */
  savepoint<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
}

/** The transaction itself (a savepoint gets a plain {@link SqlTx}: only the transaction commits). */
export interface SqlTransaction extends SqlTx {
  /**
   * Runs `sql` as the transaction's last statement and COMMIT right behind it, without waiting for
   * the statement's answer in between; resolves with its rows once committed. When the statement
   * fails nothing is committed (COMMIT of an aborted transaction rolls back) and this rejects with
   * the statement's error; when COMMIT itself fails, with COMMIT's.
   */
  queryAndCommit<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}
