import postgres from 'postgres';
import { isoTimestamp, OID, parseInt8, quoteIdent } from '@tandem/core/sql';
import type { SqlDriver, SqlTransaction, SqlTx } from './sql-driver.ts';
import { isAbortedError, transactionOver } from './sql-errors.ts';

export interface PostgresDriverOptions {
  /** e.g. `postgres://user:pass@host:5432/db` */
  url: string;
  /** Schema every connection works in (its `search_path`); tests use a fresh one each. */
  searchPath?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
}

type Sql = postgres.Sql<Record<string, never>>;
type Reserved = postgres.ReservedSql<Record<string, never>>;

// The driver's own json serializer stringifies strings again; callers (and PGlite) pass JSON text.
const jsonSerialize = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));
// A string keeps its microseconds; a number is ms since the epoch.
const timestampSerialize = (x: unknown): string =>
  x instanceof Date ? x.toISOString() : typeof x === 'number' ? new Date(x).toISOString() : String(x);
const text = (x: string): string => x;

const types = {
  int8: { to: OID.int8, from: [OID.int8], serialize: (x: unknown) => String(x), parse: parseInt8 },
  json: { to: OID.jsonb, from: [OID.json, OID.jsonb], serialize: jsonSerialize, parse: (x: string) => JSON.parse(x) as unknown },
  timestamp: { to: OID.timestamptz, from: [OID.timestamp, OID.timestamptz], serialize: timestampSerialize, parse: isoTimestamp },
  date: { to: OID.date, from: [OID.date], serialize: String, parse: text },
  bytea: { to: OID.bytea, from: [OID.bytea], serialize: (x: unknown) => (x instanceof Uint8Array ? `\\x${Buffer.from(x).toString('hex')}` : String(x)), parse: text },
};

/** Plain objects travel as JSON text (as PGlite sends them); everything else as the driver does. */
function param(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) return JSON.stringify(value);
  return value;
}

function statement(sql: Sql | Reserved, text: string, params: readonly unknown[] | undefined): postgres.PendingQuery<postgres.Row[]> {
  // With parameters: a named prepared statement, so repeats cost one round trip instead of two
  // (an unnamed statement with parameters is described first). Without: the simple protocol.
  return params && params.length > 0
    ? sql.unsafe(text, params.map(param) as postgres.ParameterOrJSON<never>[], { prepare: true })
    : sql.unsafe(text);
}

const rowsOf = <R>(result: postgres.RowList<postgres.Row[]>): R[] => [...(result as unknown as R[])];

async function run<R>(sql: Sql, text: string, params: readonly unknown[] | undefined): Promise<R[]> {
  return rowsOf<R>(await statement(sql, text, params));
}

/** {@link SqlDriver} on a PostgreSQL server through the `postgres` driver's connection pool. */
export function createPostgresDriver(urlOrOptions: string | PostgresDriverOptions): SqlDriver {
  const options = typeof urlOrOptions === 'string' ? { url: urlOrOptions } : urlOrOptions;
  const sql: Sql = postgres(options.url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    types,
    transform: { undefined: null },
    // "relation already exists, skipping" and friends are not the server's log to print.
    onnotice: () => undefined,
    connection: {
      application_name: 'tandem-server',
      ...(options.searchPath ? { search_path: quoteIdent(options.searchPath) } : {}),
    },
  }) as unknown as Sql;

  // sql.end() closes a reserved connection only once it is released, and a reservation asked for
  // after end() waits for the pool's destroy: so close() refuses new transactions at once, lets
  // those under way finish (as sql.begin's did), and only then ends the pool.
  let closing = false;
  const running = new Set<Promise<unknown>>();

  return {
    name: 'postgres',
    query: (text, params) => run(sql, text, params),
    exec: async (script) => {
      await sql.unsafe(script);
    },
    async transaction(fn, txOptions = {}) {
      if (closing) throw driverClosed();
      const mode = `isolation level ${txOptions.isolation ?? 'read committed'}${txOptions.readOnly ? ' read only' : ''}`;
      const transaction = (async () => runTransaction(await sql.reserve(), mode, fn))();
      running.add(transaction);
      try {
        return await transaction;
      } finally {
        running.delete(transaction);
      }
    },
    async listen(channel, onPayload) {
      const { unlisten } = await sql.listen(channel, onPayload);
      return async () => {
        await unlisten();
      };
    },
    async notify(channel, payload) {
      await sql.notify(channel, payload);
    },
    async close() {
      closing = true;
      const deadline = performance.now() + CLOSE_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(running), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
      clearTimeout(timer);
      await sql.end({ timeout: Math.max(0, deadline - performance.now()) / 1000 });
    },
  };
}

/** How long close() waits for statements and transactions under way before cutting connections. */
const CLOSE_TIMEOUT_MS = 5000;

/** As postgres.js rejects a query after end(): CONNECTION_ENDED, a transient error to callers. */
function driverClosed(): Error {
  return Object.assign(new Error('Tandem: the Postgres driver is closed (CONNECTION_ENDED).'), { code: 'CONNECTION_ENDED' });
}

/** The failed statements of one scope: the transaction itself, or one savepoint. */
interface Scope {
  failed?: { error: unknown };
}

/**
 * One transaction on a connection reserved from the pool (`sql.begin` is not used: it waits for
 * BEGIN's answer before sending anything else, and for the last statement's before sending COMMIT).
 *
 * Statements go out in call order on the one connection and the server answers them in order, so
 * nothing needs to wait for BEGIN or SAVEPOINT: they are pipelined ahead of fn's first statements.
 * BEGIN has no way to fail on a live connection (and on a dead one, whatever follows it fails
 * too); should it fail all the same, statements issued once that is known are refused rather than
 * run outside a transaction.
 *
 * Like `sql.begin`, a scope (transaction or savepoint) whose statement failed fails with that error
 * even when fn caught it: Postgres aborted the transaction anyway.
 *
 * A connection that is gone (closed, reset) gets nothing more: no ROLLBACK (the server rolled back
 * when the session ended) and no release (the pool took it back when it closed; sending on it would
 * write to a null socket, which postgres.js throws outside any promise).
 */
async function runTransaction<T>(conn: Reserved, mode: string, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
  const root: Scope = {};
  const state: {
    /** The error that showed the connection is gone. */
    lost?: { error: unknown };
    beginFailed?: { error: unknown };
    /** Set once COMMIT or ROLLBACK is sent; settles (never rejects) when that is answered. */
    ending?: Promise<void>;
  } = {};
  let savepoints = 0;
  // A function, not a narrowed read: COMMIT's answer sets these while the transaction awaits it.
  const failure = (): { error: unknown } | undefined => root.failed ?? state.lost;

  // execute() hands the statement to the connection now (awaiting would hand it over a microtask
  // later), so statements go out in the order they are issued: COMMIT must follow the last one.
  const send = (query: postgres.PendingQuery<postgres.Row[]>, scope: Scope): Promise<postgres.RowList<postgres.Row[]>> =>
    query.execute().then(undefined, (error: unknown) => {
      scope.failed ??= { error };
      if (connectionLost(error)) state.lost ??= { error };
      throw error;
    });

  const usable = (): void => {
    if (state.ending) throw transactionOver();
    if (state.beginFailed) throw state.beginFailed.error;
    if (state.lost) throw state.lost.error;
  };

  send(conn.unsafe(`begin ${mode}`), root).catch((error: unknown) => {
    state.beginFailed = { error };
  });

  /** Ends the transaction with COMMIT or ROLLBACK unless it is over; the promise is COMMIT's result. */
  const end = (command: 'commit' | 'rollback'): Promise<postgres.RowList<postgres.Row[]>> | undefined => {
    if (state.ending || state.lost) return undefined;
    const sent = send(conn.unsafe(command), command === 'commit' ? root : {});
    state.ending = sent.then(
      () => undefined,
      () => undefined,
    );
    return sent;
  };

  const txOf = (scope: Scope): SqlTx => ({
    async query<R>(text: string, params?: readonly unknown[]) {
      usable();
      return rowsOf<R>(await send(statement(conn, text, params), scope));
    },
    async exec(script) {
      usable();
      await send(conn.unsafe(script), scope);
    },
    async savepoint(inner) {
      usable();
      const name = `tandem_sp_${++savepoints}`;
      const own: Scope = {};
      const opened = send(conn.unsafe(`savepoint ${name}`), own);
      opened.catch(() => undefined); // its failure is own.failed, checked below
      try {
        const result = await inner(txOf(own));
        await opened; // answered already unless inner sent nothing
        if (own.failed) throw own.failed.error;
        return result;
      } catch (error) {
        // A failed ROLLBACK TO leaves the transaction aborted: the enclosing scope fails with it.
        if (!state.ending && !state.lost) await send(conn.unsafe(`rollback to savepoint ${name}`), scope);
        throw own.failed && isAbortedError(error) ? own.failed.error : error;
      }
    },
  });

  const tx: SqlTransaction = {
    ...txOf(root),
    async queryAndCommit<R>(text: string, params?: readonly unknown[]) {
      usable();
      const result = send(statement(conn, text, params), root);
      result.catch(() => undefined); // awaited below, after COMMIT is sent
      // Right behind it, not after its answer: when the statement fails, the server answers this
      // COMMIT with ROLLBACK (the transaction is aborted), so nothing of it is committed.
      const committed = end('commit')!;
      try {
        const rows = rowsOf<R>(await result);
        expectCommitted(await committed);
        return rows;
      } catch (error) {
        await state.ending;
        throw error;
      }
    },
  };

  try {
    let value: T;
    try {
      value = await fn(tx);
      if (root.failed) throw root.failed.error;
    } catch (error) {
      await end('rollback')?.catch(() => undefined);
      throw root.failed && isAbortedError(error) ? root.failed.error : error;
    }
    const committed = end('commit');
    if (committed) {
      expectCommitted(await committed);
    } else {
      // COMMIT went out with queryAndCommit (which fn may not have awaited): its failure is root's.
      await state.ending;
      const failed = failure();
      if (failed) throw failed.error;
    }
    return value;
  } finally {
    await state.ending;
    if (!state.lost) conn.release();
  }
}

/** COMMIT of a transaction that some failure aborted is answered ROLLBACK, not an error. */
function expectCommitted({ command }: postgres.RowList<postgres.Row[]>): void {
  if (command !== 'COMMIT') throw new Error(`Tandem: the transaction was not committed (the server answered COMMIT with ${command}).`);
}

/**
 * The connection itself is gone (postgres.js's CONNECTION_CLOSED / _DESTROYED / _ENDED, or a socket
 * error such as ECONNRESET), as opposed to an error the server answered on a live connection.
 */
function connectionLost(error: unknown): boolean {
  if (error instanceof postgres.PostgresError || typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('CONNECTION_') || 'syscall' in error);
}
