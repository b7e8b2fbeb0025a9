import { ErrorKind, TandemError } from '@tandem/core';
import type { Row } from '@tandem/core';
import { createSerialQueue } from '@tandem/core/sql';
import type { AssetFiles, CreateEngine, Engine, EngineOptions, EngineTx } from '../engine.ts';
import { TandemTx } from '../tandem-tx.ts';
import {
  APP_TABLES_SQL,
  CAPTURE_COLUMNS_SQL,
  CAPTURE_SCHEMA_SQL,
  CAPTURE_TRIGGERS_SQL,
  dropTouchSql,
  dropTriggerSql,
  installTouchSql,
  installTriggersSql,
  SYNCED_TABLES_SQL,
} from './capture-sql.ts';
import { SqliteConnection } from './connection.ts';
import { SQLITE_SQL } from './dialect-sql.ts';
import { SqliteError } from './error.ts';
import { loadSqlite } from './load-assets.ts';
import { tableColumns } from './row-json.ts';
import { tablesRead } from './tables-read.ts';
import { SqliteTxPort } from './tx.ts';
import type { CaptureState } from './tx.ts';

/** Loads and compiles SQLite's wasm ahead of the first engine (errors surface at createSqliteEngine). */
export function preloadSqlite(assetsUrl?: string, files?: AssetFiles): void {
  loadSqlite(assetsUrl, files).catch(() => {});
}

/**
 * sqlite-wasm in memory. Durability is the journal's job (see DESIGN "Durability"), so the engine
 * starts empty (no initdb: a connection opens in well under a millisecond once the wasm module is
 * loaded) or from `options.image`, a snapshot it deserializes.
 */
export const createSqliteEngine: CreateEngine = async (options: EngineOptions) => {
  const sqlite = await loadSqlite(options.assetsUrl, options.assetFiles);
  const image = options.image ? new Uint8Array(await options.image.arrayBuffer()) : null;
  return new SqliteEngine(SqliteConnection.open(sqlite, image));
};

class SqliteEngine implements Engine {
  readonly dialect = 'sqlite' as const;
  readonly name = 'sqlite' as const;
  readonly #connection: SqliteConnection;
  readonly #capture: CaptureState = { actionId: null, bypass: false, touched: new Set() };
  readonly #enqueue = createSerialQueue();
  #closing: Promise<void> | null = null;

  constructor(connection: SqliteConnection) {
    this.#connection = connection;
    // Per connection, and before anything writes: a restored image's triggers already call them.
    connection.defineFunction('tandem_action_id', () => this.#capture.actionId);
    connection.defineFunction('tandem_bypass', () => (this.#capture.bypass ? 1 : 0));
    // Tables without capture written in this transaction (see installTouchSql). A savepoint rolled
    // back keeps its tables noted: a live query then re-runs for nothing, which is only slower.
    connection.defineFunction('tandem_touch', (table) => (this.#capture.touched.add(String(table)), null), 1);
    connection.defineFunction('tandem_touched', () => (this.#capture.touched.size > 0 ? JSON.stringify([...this.#capture.touched]) : null));
    // LIKE as in PostgreSQL, which runs the same actions on the server: SQLite's ignores ASCII case.
    connection.exec('pragma case_sensitive_like = on');
  }

  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#run(async () => this.#connection.all<R>(sql, params));
  }

  read<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#run(async () => {
      this.#connection.assertReads(sql);
      return this.#connection.all<R>(sql, params);
    });
  }

  exec(sql: string): Promise<void> {
    return this.#run(async () => {
      try {
        this.#connection.exec(sql);
      } finally {
        this.#connection.forgetStatements();
      }
    });
  }

  transaction<T>(fn: (tx: EngineTx) => Promise<T>): Promise<T> {
    return this.#run(async () => {
      const connection = this.#connection;
      connection.run('begin');
      this.#capture.touched.clear();
      const port = new SqliteTxPort(connection, this.#capture);
      let result: T;
      try {
        result = await fn(new TandemTx(port, SQLITE_SQL));
      } catch (error) {
        port.close();
        this.#rollback();
        throw error;
      }
      port.close();
      const failure = port.failure;
      if (failure) {
        // As PostgreSQL's COMMIT of a failed transaction: it rolls back, and the caller learns why.
        this.#rollback();
        throw new SqliteError(`The transaction was rolled back: a statement in it failed (${messageOf(failure.error)}).`, 'SQLITE_ABORT', undefined, {
          cause: failure.error,
        });
      }
      try {
        connection.run('commit');
      } catch (error) {
        // A failed COMMIT (a deferred foreign key) leaves the transaction open.
        this.#rollback();
        throw error;
      } finally {
        this.#resetCapture();
      }
      return result;
    });
  }

  tablesRead(sql: string, params: readonly unknown[] = []): Promise<string[]> {
    return this.#run(async () => {
      this.#connection.assertReads(sql);
      return tablesRead(this.#connection, sql, params);
    });
  }

  syncedTables(): Promise<string[]> {
    return this.#run(async () => this.#connection.all<{ name: string }>(SYNCED_TABLES_SQL).map((r) => r.name));
  }

  installCapture(tables: readonly string[]): Promise<void> {
    const wanted = [...new Set(tables)];
    return this.#run(async () => {
      const connection = this.#connection;
      connection.run('begin');
      try {
        // One statement for every table's columns and one script for every trigger: on a new
        // database's cold wasm and JS each statement costs far more than its SQL (issue 17, B9d).
        const columns = new Map<string, { name: string; type: string | null; hidden: number }[]>();
        for (const row of connection.all<{ table: string; name: string; type: string | null; hidden: number }>(CAPTURE_COLUMNS_SQL, [JSON.stringify(wanted)])) {
          let list = columns.get(row.table);
          if (!list) columns.set(row.table, (list = []));
          list.push(row);
        }
        const missing = wanted.filter((table) => !columns.get(table)?.some((c) => c.name === 'id' && c.hidden === 0));
        if (missing.length > 0) {
          throw new TandemError(
            ErrorKind.schemaError,
            `Cannot capture writes to ${missing.map((t) => `"${t}"`).join(', ')}: a synced table must be an ordinary table and have a text primary key column "id".`,
            { tables: missing },
          );
        }
        // "Exactly those tables": a table dropped from the synced set must stop refusing writes,
        // and a table whose columns changed gets triggers that list the new ones.
        const stale = connection.all<{ name: string }>(CAPTURE_TRIGGERS_SQL).map((r) => dropTriggerSql(r.name));
        // Every other app table notes its writes for live queries instead (tandem_touch).
        const apps = connection.all<{ name: string; touched: number }>(APP_TABLES_SQL);
        const touch = apps.filter((t) => !wanted.includes(t.name) && !t.touched).map((t) => installTouchSql(t.name));
        const untouch = apps.filter((t) => wanted.includes(t.name) && t.touched).map((t) => dropTouchSql(t.name));
        const install = wanted.map((table) => installTriggersSql(table, tableColumns(columns.get(table)!)));
        connection.exec([CAPTURE_SCHEMA_SQL, ...stale, ...untouch, ...touch, ...install].join('\n'));
        connection.run('commit');
      } catch (error) {
        this.#rollback();
        throw error;
      } finally {
        connection.forgetStatements();
      }
    });
  }

  snapshot(): Promise<Blob> {
    return this.#run(async () => new Blob([this.#connection.export()]));
  }

  close(): Promise<void> {
    // Queued behind work already accepted, which still runs; anything later is refused.
    this.#closing ??= this.#enqueue(async () => this.#connection.close());
    return this.#closing;
  }

  /** Rolls back the open transaction, if SQLite has not already done so itself. */
  #rollback(): void {
    try {
      if (this.#connection.inTransaction) this.#connection.run('rollback');
    } catch {
      // The error that brought us here says why; a connection that cannot roll back fails the next BEGIN.
    } finally {
      this.#resetCapture();
    }
  }

  /** Capture state never outlives its transaction, whatever a leaked scope did. */
  #resetCapture(): void {
    this.#capture.actionId = null;
    this.#capture.bypass = false;
    this.#capture.touched.clear();
  }

  #run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new TandemError(ErrorKind.closed, 'The database engine is closed.'));
    return this.#enqueue(job);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
