import type { Transaction } from '@electric-sql/pglite';
import { createSerialQueue, postgresTextParsers, quoteIdent } from '@tandem/core/sql';
import { lockDataDir } from './data-dir-lock.ts';
import { isNewDataDir, pgliteEmptyImage } from './pglite-empty-image.ts';
import type { DataDirLock } from './data-dir-lock.ts';
import type { SqlDriver, SqlTransaction, SqlTx } from './sql-driver.ts';
import { isAbortedError, transactionOver } from './sql-errors.ts';

export interface PgliteDriverOptions {
  /** A directory (persisted on disk) or `memory://` (tests). */
  dataDir: string;
  /** Schema to work in (its `search_path`); created when missing. */
  searchPath?: string;
}

type PgliteModule = typeof import('@electric-sql/pglite');

/**
 * PGlite is an optional peer of @tandem/server: a server on Postgres never loads it, and need not
 * install it. Imported here, when the embedded store is first opened.
 */
async function loadPglite(): Promise<PgliteModule> {
  try {
    return await import('@electric-sql/pglite');
  } catch (error) {
    // Only the package itself missing; a broken install (a file inside it missing) keeps its own error.
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes("'@electric-sql/pglite'")) {
      throw new Error(
        'The embedded database needs @electric-sql/pglite, an optional peer dependency of @tandem/server: ' +
          'install it (`npm install @electric-sql/pglite`), or give the server a Postgres URL (database.url).',
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * {@link SqlDriver} on an embedded PGlite: one connection, so every call (and every transaction,
 * whole) runs in one queue, one after another.
 */
/** A directory on disk (a plain path or `file://`), as opposed to `memory://`, `idb://`…: those are locked. */
function diskPath(dataDir: string): string | null {
  if (dataDir.startsWith('file://')) return dataDir.slice('file://'.length);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) ? null : dataDir;
}

export async function createPgliteDriver(options: PgliteDriverOptions): Promise<SqlDriver> {
  const { PGlite } = await loadPglite();
  const dir = diskPath(options.dataDir);
  // Before PGlite touches the files: a second process must not even open them. A lock from
  // another host is watched for up to LOCK_STALE_MS before this resolves or refuses.
  const lock: DataDirLock | null = dir === null ? null : await lockDataDir(dir);
  let pg: InstanceType<PgliteModule['PGlite']>;
  try {
    // Under the lock: nobody else can initialise the directory between this look and the start.
    const image = isNewDataDir(dir) ? await pgliteEmptyImage() : undefined;
    pg = await PGlite.create({ dataDir: options.dataDir, parsers: postgresTextParsers, ...(image ? { loadDataDir: image } : {}) });
  } catch (error) {
    lock?.release();
    throw error;
  }
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
   * `over()` says the transaction has committed or is committing: nothing more may run in it.
   */
  const txOf = (tx: Transaction, scope: Scope, over: () => boolean): SqlTx => {
    const track = async <T>(job: () => Promise<T>): Promise<T> => {
      if (over()) throw transactionOver();
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
        if (over()) throw transactionOver();
        const name = `tandem_sp_${++savepoints}`;
        const inner: Scope = {};
        await tx.exec(`savepoint ${name}`);
        try {
          const result = await fn(txOf(tx, inner, over));
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

  /**
   * On PGlite's own transaction (outside one, PGlite syncs its file system after every statement),
   * with queryAndCommit honoured: once its statement has run, the callback returns while fn still
   * waits, so PGlite commits then and there (or rolls back when a statement failed), and that
   * outcome settles queryAndCommit as COMMIT's answer does on Postgres. There is no round trip to
   * save here (one in-process connection): the point is the same contract on both drivers.
   */
  async function runTransaction<T>(fn: (tx: SqlTransaction) => Promise<T>, txOptions: TransactionOptions): Promise<T> {
    const scope: Scope = {};
    let over = false;
    let fnResult: Promise<T> | undefined;
    let finalRan!: () => void;
    const finalDone = new Promise<void>((resolve) => {
      finalRan = resolve;
    });
    const ended: Promise<void> = pg.transaction(async (tx) => {
      if (txOptions.isolation === 'repeatable read' || txOptions.readOnly) {
        await tx.exec(`set transaction isolation level ${txOptions.isolation ?? 'read committed'}${txOptions.readOnly ? ' read only' : ''}`);
      }
      const handle: SqlTransaction = {
        ...txOf(tx, scope, () => over),
        async queryAndCommit<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
          if (over) throw transactionOver();
          over = true; // the last statement: none issued meanwhile may run after it
          let rows: R[];
          try {
            rows = (await tx.query<R>(text, [...params])).rows;
          } catch (error) {
            scope.failed ??= { error };
            finalRan();
            await ended.catch(() => undefined);
            throw error;
          }
          finalRan();
          try {
            await ended;
          } catch (error) {
            scope.failed ??= { error };
            throw error;
          }
          return rows;
        },
      };
      fnResult = fn(handle);
      fnResult.catch(() => undefined); // awaited below or after the transaction
      await Promise.race([fnResult, finalDone]);
      over = true;
      if (scope.failed) throw scope.failed.error;
    });
    let endFailure: { error: unknown } | undefined;
    try {
      await ended;
    } catch (error) {
      endFailure = { error };
    }
    if (!fnResult) throw endFailure!.error; // BEGIN failed: fn never ran
    let value: T;
    try {
      value = await fnResult;
    } catch (error) {
      throw scope.failed && isAbortedError(error) ? scope.failed.error : error;
    }
    if (scope.failed) throw scope.failed.error;
    if (endFailure) throw endFailure.error;
    return value;
  }

  return {
    name: 'pglite',
    query: (text, params = []) => enqueue(async () => (await pg.query(text, [...params])).rows as never),
    exec: (script) =>
      enqueue(async () => {
        await pg.exec(script);
      }),
    transaction: (fn, txOptions = {}) => enqueue(() => runTransaction(fn, txOptions)),
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
    close: () =>
      enqueue(async () => {
        try {
          await pg.close();
        } finally {
          lock?.release();
        }
      }),
  };
}

interface Scope {
  failed?: { error: unknown };
}

type TransactionOptions = NonNullable<Parameters<SqlDriver['transaction']>[1]>;
