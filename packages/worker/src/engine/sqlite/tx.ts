import { ErrorKind, TandemError } from '@tandem/core';
import type { Row } from '@tandem/core';
import type { TxPort } from '../tx-port.ts';
import { OTHER_TRIGGERS_SQL } from './capture-sql.ts';
import type { SqliteConnection } from './connection.ts';
import { SqliteError } from './error.ts';
import { TABLE_COLUMNS_SQL, tableColumns } from './row-json.ts';
import type { TableColumn } from './row-json.ts';

/** What the trigger functions tandem_action_id() and tandem_bypass() return; owned by the engine. */
export interface CaptureState {
  actionId: string | null;
  bypass: boolean;
  /** Tables without capture written in the open transaction (tandem_touch()). */
  touched: Set<string>;
}

/** The failure of a statement that the transaction has not rolled back past yet. */
interface Failure {
  error: unknown;
  /** SQLite itself rolled the whole transaction back (RAISE(ROLLBACK), ON CONFLICT ROLLBACK…). */
  lost: boolean;
}

/**
 * One open SQLite transaction, as the port Tandem's bookkeeping (tandem-tx.ts) runs on. Lives only
 * inside Engine.transaction, which sends BEGIN and COMMIT/ROLLBACK and then closes it. All work is
 * synchronous underneath; the methods are async only because the contract is.
 *
 * A failed statement poisons the transaction as in PostgreSQL: SQLite undoes only the statement,
 * but actions must behave the same on both engines (and on the server, which runs Postgres), so an
 * action that swallows a database error still fails. Later statements are refused until a
 * savepoint opened before the failure rolls back; COMMIT then rolls back instead.
 */
export class SqliteTxPort implements TxPort<readonly TableColumn[]> {
  readonly #connection: SqliteConnection;
  readonly #capture: CaptureState;
  #closed = false;
  #depth = 0;
  #failure: Failure | null = null;

  constructor(connection: SqliteConnection, capture: CaptureState) {
    this.#connection = connection;
    this.#capture = capture;
  }

  /** Called by the engine when the transaction ends: the handle refuses every later call. */
  close(): void {
    this.#closed = true;
  }

  /** Why the transaction must not commit, or null. */
  get failure(): Failure | null {
    return this.#failure;
  }

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#all<R>(sql, params);
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.#run(sql);
  }

  savepoint<T>(fn: () => Promise<T>): Promise<T> {
    return this.#scope(fn);
  }

  async actionScope<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    return this.#capturing(actionId, () => this.#scope(fn));
  }

  async captureAs<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    this.#assertUsable();
    return this.#capturing(actionId, fn);
  }

  async #capturing<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#capture.actionId;
    this.#capture.actionId = actionId;
    try {
      return await fn();
    } finally {
      this.#capture.actionId = previous;
    }
  }

  async #scope<T>(fn: () => Promise<T>): Promise<T> {
    this.#assertUsable();
    const name = `tandem_sp_${++this.#depth}`;
    try {
      this.#connection.run(`savepoint ${name}`);
      try {
        const result = await fn();
        // PostgreSQL's RELEASE fails after a failed statement that fn swallowed; so does this.
        if (this.#failure) throw this.#failure.error;
        this.#connection.run(`release ${name}`);
        return result;
      } catch (error) {
        this.#rollbackTo(name);
        throw error;
      }
    } finally {
      this.#depth--;
    }
  }

  #rollbackTo(name: string): void {
    if (this.#failure?.lost || !this.#connection.inTransaction) return;
    try {
      this.#connection.run(`rollback to ${name}`);
      this.#connection.run(`release ${name}`);
      // The savepoint was opened before any failure inside it (a failed transaction opens none).
      this.#failure = null;
    } catch (error) {
      // The transaction is beyond saving; the error that brought us here says why.
      this.#fail(error);
    }
  }

  /** Temporary triggers are not counted: they fire whether triggers are switched off or not. */
  async firesOtherTriggers(tables: Iterable<string>): Promise<boolean> {
    return [...tables].some((table) => this.#all<{ fires: number }>(OTHER_TRIGGERS_SQL, [table])[0]?.fires !== 0);
  }

  /**
   * Capture bypassed (tandem_bypass() returns 1), and with `triggersOff` every trigger off, as
   * PGlite's 'replica' role does: the server's rows already hold every trigger's effect, so
   * re-running app triggers would apply them twice.
   *
   * Switching triggers expires every prepared statement, so each one is prepared again at its next
   * use, which costs as much as the rest of a small rebase: tables with nothing but the capture
   * triggers, written a few rows at a time, keep them on, and the bypass makes them do nothing.
   */
  async bypassCapture<T>(triggersOff: boolean, fn: () => Promise<T>): Promise<T> {
    this.#assertUsable();
    const previous = this.#capture.bypass;
    this.#capture.bypass = true;
    if (triggersOff) this.#connection.setTriggersEnabled(false);
    try {
      return await fn();
    } finally {
      if (triggersOff) this.#connection.setTriggersEnabled(true);
      this.#capture.bypass = previous;
    }
  }

  /** Columns per table, generated ones included (for rebuilding rows from JSON), read once per reader. */
  columnsReader(): (table: string) => Promise<readonly TableColumn[]> {
    const columns = new Map<string, TableColumn[]>();
    return async (table) => {
      let cols = columns.get(table);
      if (!cols) {
        cols = tableColumns(this.#all<{ name: string; type: string | null; hidden: number }>(TABLE_COLUMNS_SQL, [table]));
        if (cols.length === 0) throw new TandemError(ErrorKind.internal, `No table "${table}" to write rows to.`);
        columns.set(table, cols);
      }
      return cols;
    };
  }

  #all<R extends Row = Row>(sql: string, params: readonly unknown[] = []): R[] {
    this.#assertUsable();
    try {
      return this.#connection.all<R>(sql, params);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /** Runs a statement and returns how many rows it changed. */
  #run(sql: string, params: readonly unknown[] = []): number {
    this.#assertUsable();
    try {
      return this.#connection.run(sql, params);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= { error, lost: false };
    if (!this.#connection.inTransaction) this.#failure.lost = true;
  }

  #assertUsable(): void {
    if (this.#closed) throw new Error('Transaction is closed');
    if (this.#failure) {
      // PostgreSQL's words, so the message reads the same on both engines.
      throw new SqliteError(
        `current transaction is aborted, commands ignored until end of transaction block (after: ${messageOf(this.#failure.error)})`,
        'SQLITE_ABORT',
        undefined,
        { cause: this.#failure.error },
      );
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
