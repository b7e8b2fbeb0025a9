import type { Row } from '@tandem/core';
import { CAPTURE_TRIGGER_NAMES, quoteIdent, quoteLiteral } from '@tandem/core/sql';
import type { TxPort } from '../tx-port.ts';
import { OTHER_TRIGGERS_OR_RULES_SQL } from './capture-sql.ts';
import { WRITABLE_COLUMNS_SQL } from './revert-sql.ts';
import type { PgColumns } from './revert-sql.ts';
import type { PgliteWire } from './wire.ts';

const SET_TWO_LOCALS_SQL = 'select set_config($1, $2, true), set_config($3, $4, true)';

/** What is derived from the catalog, per connection, valid for one catalog version. */
interface CatalogCache {
  version: number;
  /** Writable columns per table. */
  columns: Map<string, PgColumns>;
  /** Per table: whether writing it fires triggers or rules besides Tandem's capture. */
  observed: Map<string, boolean>;
}
const catalogCache = new WeakMap<PgliteWire, CatalogCache>();

/**
 * One open PGlite transaction, as the port Tandem's bookkeeping (tandem-tx.ts) runs on. Lives only
 * inside Engine.transaction, which sends COMMIT/ROLLBACK on the same wire and then closes it.
 * Capture state lives in transaction-local settings (`tandem.action_id`, `tandem.bypass`), so a
 * rollback (to a savepoint, or whole) undoes it with the writes.
 *
 * Statements that need no answer of their own (BEGIN, an action's SAVEPOINT + set_config, its
 * RELEASE) are owed, not sent: they ride in front of the next statement, in its round trip (each
 * PGlite round trip costs ~0.1 ms beyond its statements, and a lone action paid six). A scope in
 * which no statement ran sends nothing at all.
 */
export class PgliteTxPort implements TxPort<PgColumns> {
  readonly #wire: PgliteWire;
  #savepoints = 0;
  // The action being captured, restored when a nested captureAs ends.
  #actionId = '';
  #closed = false;
  /** Owed statements (a simple-protocol script), sent in front of the next statement. */
  #owed: string;
  /** Round trips sent so far: a scope compares it to see whether any statement ran inside. */
  #sent = 0;

  /** `owed`: what the transaction starts owing (the engine's BEGIN). */
  constructor(wire: PgliteWire, owed = '') {
    this.#wire = wire;
    this.#owed = owed;
  }

  /**
   * Called by the engine when the transaction ends: the handle refuses every later call. Returns
   * what is still owed (sent in front of COMMIT) and whether anything was sent at all (if not,
   * there is no transaction to end).
   */
  close(): { owed: string; sent: boolean } {
    this.#closed = true;
    const owed = this.#owed;
    this.#owed = '';
    return { owed, sent: this.#sent > 0 };
  }

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#wire.query<R>(this.#open(sql), params, this.#take())).rows;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#wire.query(this.#open(sql), params, this.#take())).affectedRows ?? 0;
  }

  async exec(sql: string): Promise<void> {
    const owed = this.#take();
    await this.#wire.exec(owed ? `${owed};\n${this.#open(sql)}` : this.#open(sql));
  }

  #open(sql: string): string {
    if (this.#closed) throw new Error('Transaction is closed');
    return sql;
  }

  /** The owed script, now being sent (the call that takes it is one round trip). */
  #take(): string {
    if (this.#closed) return '';
    this.#sent++;
    const owed = this.#owed;
    this.#owed = '';
    return owed;
  }

  #owe(script: string): void {
    this.#owed = this.#owed ? `${this.#owed};\n${script}` : script;
  }

  savepoint<T>(fn: () => Promise<T>): Promise<T> {
    return this.#savepointScope('', '', fn);
  }

  async actionScope<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    // The capture setting rides with the savepoint: this runs per action.
    const previous = this.#actionId;
    this.#actionId = actionId;
    try {
      return await this.#savepointScope(
        `; select set_config('tandem.action_id', ${quoteLiteral(actionId)}, true)`,
        `; select set_config('tandem.action_id', ${quoteLiteral(previous)}, true)`,
        fn,
      );
    } finally {
      this.#actionId = previous;
    }
  }

  /** A savepoint around `fn`, with extra statements run with SAVEPOINT and RELEASE. */
  async #savepointScope<T>(onEnter: string, onRelease: string, fn: () => Promise<T>): Promise<T> {
    const name = `tandem_sp_${++this.#savepoints}`;
    const owedBefore = this.#owed;
    const sentBefore = this.#sent;
    this.#owe(`savepoint ${name}${onEnter}`);
    // Nothing ran inside: the savepoint was never sent, and there is nothing to release or undo.
    const unsent = () => {
      if (this.#sent !== sentBefore) return false;
      this.#owed = owedBefore;
      return true;
    };
    try {
      const result = await fn();
      if (unsent()) return result;
      const release = `release savepoint ${name}${onRelease}`;
      // fn swallowed a database error: RELEASE fails (the transaction refuses everything), and the
      // catch undoes the scope. Known now from the last ReadyForQuery, so a RELEASE that may fail
      // is sent at once; one that cannot is owed, and rides with the next statement.
      if (this.#wire.failedTransaction) await this.exec(release);
      else this.#owe(release);
      return result;
    } catch (error) {
      if (unsent()) throw error;
      try {
        // Rolling back to the savepoint also undoes settings made after it (the capture id).
        await this.exec(`rollback to savepoint ${name}; release savepoint ${name}`);
      } catch {
        // The transaction is beyond saving; the original error says why, and the enclosing
        // transaction() rolls everything back when it propagates.
      }
      throw error;
    }
  }

  async captureAs<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#actionId;
    await this.#setLocal('tandem.action_id', actionId);
    this.#actionId = actionId;
    return restoring(fn, async () => {
      this.#actionId = previous;
      await this.#setLocal('tandem.action_id', previous);
    });
  }

  /** Whether writing any of `tables` fires a trigger or rule besides Tandem's capture. */
  async firesOtherTriggers(tables: Iterable<string>): Promise<boolean> {
    const { observed } = this.#catalog();
    for (const table of tables) {
      let fires = observed.get(table);
      if (fires === undefined) {
        const [row] = await this.query<{ fires: boolean }>(OTHER_TRIGGERS_OR_RULES_SQL, [quoteIdent(table), [...CAPTURE_TRIGGER_NAMES]]);
        fires = row?.fires ?? true;
        observed.set(table, fires);
      }
      if (fires) return true;
    }
    return false;
  }

  /**
   * Capture bypassed (`tandem.bypass`), and with `triggersOff` ordinary triggers and rules off
   * too ('replica'): the server's rows are consistent as a whole, not row by row (a foreign key
   * check would see a child before its parent), so app and foreign key triggers must not run.
   * Both settings are transaction-local.
   *
   * Changing session_replication_role resets PostgreSQL's whole plan cache, so every statement
   * after it plans again (the live queries a remote change re-runs too): it costs more than the
   * rebase's statements themselves. So tables with nothing but the capture trigger, written a few
   * rows at a time, keep the role, and the capture trigger returns at once for the bypass.
   */
  async bypassCapture<T>(triggersOff: boolean, fn: () => Promise<T>): Promise<T> {
    // One statement each way: this wraps every pulled or poked change, on the path of a remote edit
    // becoming visible, where each round trip counts.
    if (triggersOff) await this.query(SET_TWO_LOCALS_SQL, ['tandem.bypass', 'on', 'session_replication_role', 'replica']);
    else await this.#setLocal('tandem.bypass', 'on');
    return restoring(fn, async () => {
      if (triggersOff) await this.query(SET_TWO_LOCALS_SQL, ['session_replication_role', 'origin', 'tandem.bypass', 'off']);
      else await this.#setLocal('tandem.bypass', 'off');
    });
  }

  columnsReader(): (table: string) => Promise<PgColumns> {
    const { columns } = this.#catalog();
    return async (table) => {
      let cols = columns.get(table);
      if (!cols) {
        const rows = await this.query<{ name: string; alwaysIdentity: boolean }>(WRITABLE_COLUMNS_SQL, [quoteIdent(table)]);
        cols = { insert: rows.map((r) => r.name), update: rows.filter((r) => !r.alwaysIdentity).map((r) => r.name) };
        columns.set(table, cols);
      }
      return cols;
    };
  }

  #catalog(): CatalogCache {
    // Kept per connection until the catalog moves: a catalog query costs more than the upsert it
    // serves, on the path of every pulled change.
    let cache = catalogCache.get(this.#wire);
    if (!cache || cache.version !== this.#wire.catalogVersion) {
      cache = { version: this.#wire.catalogVersion, columns: new Map(), observed: new Map() };
      catalogCache.set(this.#wire, cache);
    }
    return cache;
  }

  async #setLocal(name: string, value: string): Promise<void> {
    await this.query('select set_config($1, $2, true)', [name, value]);
  }
}

/**
 * Runs `fn`, then `restore` whatever happened. A failing `restore` is reported only when `fn`
 * succeeded: after a failed statement the transaction refuses everything until rolled back (which
 * also discards the settings), and reporting that instead of fn's error would hide the cause.
 */
async function restoring<T>(fn: () => Promise<T>, restore: () => Promise<void>): Promise<T> {
  let succeeded = false;
  try {
    const result = await fn();
    succeeded = true;
    return result;
  } finally {
    try {
      await restore();
    } catch (error) {
      if (succeeded) throw error;
    }
  }
}
