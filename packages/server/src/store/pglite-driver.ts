import { PGlite, types as pgTypes } from '@electric-sql/pglite';
import type { ParserOptions, Transaction } from '@electric-sql/pglite';
import { quoteIdent } from './quote.ts';
import { createSerialQueue } from './serial-queue.ts';
import type { SqlDriver, SqlTx } from './sql-driver.ts';
import { isoTimestamp, parseInt8 } from './value-parsers.ts';

export interface PgliteDriverOptions {
  /** A directory (persisted on disk) or `memory://` (tests). */
  dataDir: string;
  /** Schema to work in (its `search_path`); created when missing. */
  searchPath?: string;
}

const parsers: ParserOptions = {
  [pgTypes.INT8]: parseInt8,
  [pgTypes.NUMERIC]: (text) => text,
  [pgTypes.TIMESTAMP]: isoTimestamp,
  [pgTypes.TIMESTAMPTZ]: isoTimestamp,
  [pgTypes.DATE]: (text) => text,
  [pgTypes.BYTEA]: (text) => text,
};

/**
 * {@link SqlDriver} on an embedded PGlite: one connection, so every call (and every transaction,
 * whole) runs in one queue, one after another.
 */
export async function createPgliteDriver(options: PgliteDriverOptions): Promise<SqlDriver> {
  const pg = await PGlite.create({ dataDir: options.dataDir, parsers });
  const enqueue = createSerialQueue();
  if (options.searchPath) {
    const schema = quoteIdent(options.searchPath);
    // Outside a transaction, SET lasts for the session: PGlite's only one.
    await pg.exec(`create schema if not exists ${schema}; set search_path to ${schema}`);
  }

  let savepoints = 0;
  /**
   * `failed` is the scope's first failed statement: like the postgres driver, a scope whose
   * statement failed fails with that error even when fn caught it (Postgres aborted it anyway).
   */
  const txOf = (tx: Transaction, scope: { failed?: { error: unknown } } = {}): SqlTx => {
    const track = async <T>(job: () => Promise<T>): Promise<T> => {
      try {
        return await job();
      } catch (error) {
        scope.failed ??= { error };
        throw error;
      }
    };
    return {
      query: (text, params = []) => track(async () => (await tx.query(text, [...params])).rows as never),
      exec: (script) =>
        track(async () => {
          await tx.exec(script);
        }),
      async savepoint(fn) {
        const name = `tandem_sp_${++savepoints}`;
        const inner: { failed?: { error: unknown } } = {};
        await tx.exec(`savepoint ${name}`);
        try {
          const result = await fn(txOf(tx, inner));
          if (inner.failed) throw inner.failed.error;
          await tx.exec(`release savepoint ${name}`);
          return result;
        } catch (error) {
          await tx.exec(`rollback to savepoint ${name}; release savepoint ${name}`);
          throw inner.failed && isAbortedError(error) ? inner.failed.error : error;
        }
      },
    };
  };

  return {
    name: 'pglite',
    query: (text, params = []) => enqueue(async () => (await pg.query(text, [...params])).rows as never),
    exec: (script) =>
      enqueue(async () => {
        await pg.exec(script);
      }),
    transaction: (fn, txOptions = {}) =>
      enqueue(() =>
        pg.transaction(async (tx) => {
          if (txOptions.isolation === 'repeatable read' || txOptions.readOnly) {
            await tx.exec(`set transaction isolation level ${txOptions.isolation ?? 'read committed'}${txOptions.readOnly ? ' read only' : ''}`);
          }
          const scope: { failed?: { error: unknown } } = {};
          try {
            const result = await fn(txOf(tx, scope));
            if (scope.failed) throw scope.failed.error;
            return result;
          } catch (error) {
            throw scope.failed && isAbortedError(error) ? scope.failed.error : error;
          }
        }),
      ),
    listen: (channel, onPayload) =>
      enqueue(async () => {
        // Quoted, PGlite keeps the name's case (as pg_notify does) instead of folding it. The
        // function pg.listen returns unquotes the name and then folds it, missing mixed-case
        // channels, so unlisten is called with the quoted name again.
        const quoted = quoteIdent(channel);
        let active = true;
        const deliver = (payload: string): void => {
          if (active) onPayload(payload);
        };
        await pg.listen(quoted, deliver);
        return () => {
          active = false;
          return enqueue(() => pg.unlisten(quoted, deliver));
        };
      }),
    notify: (channel, payload) =>
      enqueue(async () => {
        await pg.query('select pg_notify($1, $2)', [channel, payload]);
      }),
    close: () => enqueue(() => pg.close()),
  };
}

/** "current transaction is aborted": says only that an earlier statement failed. */
function isAbortedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '25P02';
}
