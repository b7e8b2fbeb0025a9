import { PGlite, TransactionAbortedError } from '@electric-sql/pglite';
import type { PGliteOptions } from '@electric-sql/pglite';
import { ErrorKind, TandemError } from '@tandem/core';
import type { Row } from '@tandem/core';
import { CAPTURE_TRIGGER_NAMES, createSerialQueue, dropTriggersSql, postgresTextParsers } from '@tandem/core/sql';
import type { CreateEngine, Engine, EngineOptions, EngineTx } from '../engine.ts';
import { withStatement } from '../failed-statement.ts';
import { readOnlyRefusal } from '../read-only.ts';
import { TandemTx } from '../tandem-tx.ts';
import {
  APP_TABLES_SQL,
  CAPTURE_SCHEMA_INSTALL_SQL,
  CAPTURE_SCHEMA_MARK,
  CAPTURE_SCHEMA_MARK_SQL,
  CAPTURED_TABLES_SQL,
  dropTouchSql,
  installTouchSql,
  installTriggersSql,
  SYNCED_TABLES_SQL,
  TABLES_WITHOUT_ID_SQL,
  TOUCH_TRIGGER,
} from './capture-sql.ts';
import { PGLITE_SQL } from './dialect-sql.ts';
import { failingStatement } from './failing-statement.ts';
import { loadPgliteAssets } from './load-assets.ts';
import { startsAsRead } from './starts-as-read.ts';
import { relationNames } from './tables-read.ts';
import { PgliteTxPort } from './tx.ts';
import { PgliteWire } from './wire.ts';

/** read_only_sql_transaction: a write in a READ ONLY transaction. */
const READ_ONLY_SQLSTATE = '25006';

/**
 * PGlite in memory. Durability is the journal's job (see DESIGN "Durability"), so the engine starts
 * from `options.image` (a checkpoint or the shipped empty image, ~0.5 s) or runs initdb (~2 s).
 */
export const createPgliteEngine: CreateEngine = async (options: EngineOptions) => {
  const pgOptions: PGliteOptions = {
    dataDir: 'memory://',
    parsers: postgresTextParsers,
    ...(options.image ? { loadDataDir: options.image } : {}),
    ...(options.assetsUrl ? await loadPgliteAssets(options.assetsUrl, options.assetFiles) : {}),
  };
  const pg = await PGlite.create(pgOptions);
  return new PgliteEngine(pg);
};

class PgliteEngine implements Engine {
  readonly dialect = 'postgres' as const;
  readonly name = 'pglite' as const;
  readonly #pg: PGlite;
  // Statements and transactions go over the wire (one backend round trip per statement); PGlite's
  // own API only for DDL scripts, installCapture and snapshots. Both run only inside #run.
  readonly #wire: PgliteWire;
  readonly #enqueue = createSerialQueue();
  #closing: Promise<void> | null = null;

  constructor(pg: PGlite) {
    this.#pg = pg;
    this.#wire = new PgliteWire(pg);
  }

  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#run(async () => (await this.#wire.query<R>(sql, params)).rows);
  }

  read<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#run(async () => (await this.#readOnly<R>(sql, params)).rows);
  }

  exec(sql: string): Promise<void> {
    return this.#run(async () => {
      try {
        await this.#pg.exec(sql);
      } catch (error) {
        throw withStatement(error, await failingStatement(this.#pg, sql, error));
      } finally {
        this.#wire.forgetStatements();
      }
    });
  }

  transaction<T>(fn: (tx: EngineTx) => Promise<T>): Promise<T> {
    // As PGlite's transaction(): commits on resolve, rolls back on throw, refuses the handle after.
    // BEGIN is owed, not sent: it rides with the first statement (see PgliteTxPort).
    return this.#run(async () => {
      const wire = this.#wire;
      const port = new PgliteTxPort(wire, 'begin');
      let result: T;
      try {
        result = await fn(new TandemTx(port, PGLITE_SQL));
      } catch (error) {
        if (port.close().sent) {
          try {
            await wire.exec('rollback');
          } catch {
            // fn's error says why; a connection that cannot even roll back fails the next BEGIN.
          }
        }
        throw error;
      }
      const { owed, sent } = port.close();
      // Nothing was sent: no transaction was begun, so none to commit.
      if (!sent) return result;
      // COMMIT of a transaction that a failed statement aborted rolls it back instead.
      let results;
      try {
        results = await wire.exec(owed ? `${owed};\ncommit` : 'commit');
      } catch (error) {
        // An owed statement failed, so the script stopped before COMMIT: the block is still open.
        await wire.exec('rollback').catch(() => undefined);
        throw error;
      }
      if (results[results.length - 1]?.command === 'ROLLBACK') throw new TransactionAbortedError();
      return result;
    });
  }

  tablesRead(sql: string, params: readonly unknown[] = []): Promise<string[]> {
    return this.#run(async () => {
      // EXPLAIN plans with the real parameters and runs nothing; read-only all the same, as the query it plans.
      const result = await this.#readOnly<{ 'QUERY PLAN': unknown }>(`explain (format json) ${sql}`, params, sql);
      return relationNames(result.rows.map((r) => r['QUERY PLAN']));
    });
  }

  syncedTables(): Promise<string[]> {
    return this.#run(async () => (await this.#pg.query<{ name: string }>(SYNCED_TABLES_SQL)).rows.map((r) => r.name));
  }

  installCapture(tables: readonly string[]): Promise<void> {
    const wanted = [...new Set(tables)];
    return this.#run(() =>
      this.#pg.transaction(async (tx) => {
        const missing = (await tx.query<{ name: string }>(TABLES_WITHOUT_ID_SQL, [wanted])).rows.map((r) => r.name);
        if (missing.length > 0) {
          throw new TandemError(
            ErrorKind.schemaError,
            `Cannot capture writes to ${missing.map((t) => `"${t}"`).join(', ')}: a synced table must exist in schema public and have a text primary key column "id".`,
            { tables: missing },
          );
        }
        const [held] = (await tx.query<{ mark: string | null }>(CAPTURE_SCHEMA_MARK_SQL)).rows;
        if (held?.mark !== CAPTURE_SCHEMA_MARK) await tx.exec(CAPTURE_SCHEMA_INSTALL_SQL);
        const current = (await tx.query<{ name: string }>(CAPTURED_TABLES_SQL, [[...CAPTURE_TRIGGER_NAMES]])).rows.map((r) => r.name);
        // "Exactly those tables": a table dropped from the synced set must stop refusing writes.
        const stale = current.filter((t) => !wanted.includes(t));
        // Every other app table notes its writes for live queries instead (tandem_touch).
        const apps = (await tx.query<{ name: string; touched: boolean }>(APP_TABLES_SQL, [TOUCH_TRIGGER])).rows;
        const touch = apps.filter((t) => !wanted.includes(t.name) && !t.touched).map((t) => installTouchSql(t.name));
        const untouch = apps.filter((t) => wanted.includes(t.name) && t.touched).map((t) => dropTouchSql(t.name));
        const script = [...stale.map(dropTriggersSql), ...untouch, ...wanted.map(installTriggersSql), ...touch].join('\n');
        if (script) await tx.exec(script);
      }).finally(() => this.#wire.forgetStatements()),
    );
  }

  snapshot(): Promise<Blob> {
    return this.#run(async () => {
      // Flushes everything into the data files first, so a restore replays no WAL (faster) and, on
      // an image built with small WAL segments, the WAL written since the last snapshot is dropped.
      await this.#pg.exec('checkpoint');
      // 'none': gzip in the worker stalls it for seconds (DESIGN "Durability"); IndexedDB stores it raw.
      return this.#pg.dumpDataDir('none');
    });
  }

  close(): Promise<void> {
    // Queued behind work already accepted, which still runs; anything later is refused.
    this.#closing ??= this.#enqueue(() => this.#pg.close());
    return this.#closing;
  }

  /** `text` (which is `sql`, or EXPLAIN of it) as a read: see PgliteWire.queryReadOnly. */
  async #readOnly<R>(text: string, params: readonly unknown[], sql = text) {
    if (!startsAsRead(sql)) throw readOnlyRefusal(sql, 'not be a query (SELECT, WITH, VALUES or TABLE)');
    try {
      return await this.#wire.queryReadOnly<R>(text, params);
    } catch (error) {
      if ((error as { code?: unknown }).code === READ_ONLY_SQLSTATE) throw readOnlyRefusal(sql, `write (${(error as Error).message})`);
      // The extended protocol takes one statement: PostgreSQL's words for more are less clear than ours.
      if (/multiple commands/.test((error as Error).message)) throw readOnlyRefusal(sql, 'run several statements');
      throw error;
    }
  }

  #run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new TandemError(ErrorKind.closed, 'The database engine is closed.'));
    return this.#enqueue(job);
  }
}
