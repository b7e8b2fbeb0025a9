import { parse, protocol } from '@electric-sql/pglite';
import type { PGlite, Results } from '@electric-sql/pglite';

const { serialize } = protocol;

/** Command tags after which the parameter types PostgreSQL infers for a statement text may differ. */
const CATALOG_STABLE = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'BEGIN', 'START', 'COMMIT', 'SAVEPOINT', 'RELEASE', 'SET', 'SHOW', 'EXPLAIN', 'ROLLBACK']);
const MAX_CACHED_STATEMENTS = 1000;
const BEGIN_READ_ONLY = serialize.query('begin transaction read only');
const ROLLBACK = serialize.query('rollback');

/**
 * Statements sent to PGlite's backend as whole protocol messages, one `execProtocolRawSync` round
 * trip each, where `PGlite.query` makes six (Parse, Describe, Bind, Describe, Execute, Sync, one
 * call each) and `PGlite.exec` two (Query, Sync).
 *
 * - `query` prepares each statement text once as a named prepared statement (Parse + Describe: its
 *   parameter types) and from then on sends Bind + Describe + Execute + Sync in one round trip:
 *   no re-parsing, and PostgreSQL's plan cache skips planning (a generic plan once it is as good).
 *   Values are serialised by the parameter types PostgreSQL inferred, with PGlite's serializers,
 *   exactly as `PGlite.query` does. Prepared statements survive rollbacks and are revalidated by
 *   PostgreSQL when the catalog changes; still, after DDL (or a rollback that may undo DDL) every
 *   statement is deallocated and prepared afresh, so parameter and result types are never stale.
 * - `exec` sends one simple-protocol Query (a script), returning one result set per statement.
 *
 * PGlite's own mutexes are bypassed: the owner must not use the PGlite instance concurrently
 * (PgliteEngine runs everything through its serial queue). Overlapping calls on one wire (an
 * action doing `Promise.all` of queries) run one after another.
 */
export class PgliteWire {
  readonly #pg: PGlite;
  readonly #prepared = new Map<string, { name: string; types: readonly number[] }>();
  /** Prepared statements to deallocate before the next statement. */
  #stale: string[] = [];
  #nextName = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #catalogTouched = false;
  #catalogVersion = 0;
  /** The transaction status of the last ReadyForQuery: 'I' idle, 'T' in a block, 'E' failed block. */
  #status = 'I';

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  /**
   * One statement with positional parameters. `prefix`: a script (simple protocol, no parameters)
   * run just before it in the same round trip, e.g. the BEGIN and SAVEPOINT an open transaction
   * still owes (see PgliteTxPort); its results are not returned, and a failure in it fails the call.
   */
  query<R>(sql: string, params: readonly unknown[] = [], prefix = ''): Promise<Results<R>> {
    return this.#query<R>(sql, params, false, prefix);
  }

  /**
   * Whether the last round trip left a transaction block that refuses every statement until rolled
   * back (ReadyForQuery status 'E'): a failed statement that the caller caught.
   */
  get failedTransaction(): boolean {
    return this.#status === 'E';
  }

  /**
   * One statement, in a READ ONLY transaction of its own that is then rolled back: a write fails
   * (SQLSTATE 25006) and a setting it made (set_config, SET) is undone. BEGIN and ROLLBACK ride in
   * the statement's own round trip; the extended protocol takes exactly one statement, so nothing
   * can end the transaction and go on writing. Call it outside any transaction.
   */
  queryReadOnly<R>(sql: string, params: readonly unknown[] = []): Promise<Results<R>> {
    return this.#query<R>(sql, params, true);
  }

  #query<R>(sql: string, params: readonly unknown[], readOnly: boolean, prefix = ''): Promise<Results<R>> {
    return this.#serial(async () => {
      await this.#closeStale();
      let statement = this.#prepared.get(sql);
      if (!statement) {
        if (this.#prepared.size >= MAX_CACHED_STATEMENTS) this.#forget();
        await this.#closeStale();
        const name = `tandem_${++this.#nextName}`;
        const describe = [serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()];
        // The prefix goes first, before the Parse: a statement that fails to parse (an unknown
        // table) must fail inside the savepoint the prefix opens, not before it exists.
        const described = await this.#send(prefix ? [serialize.query(prefix), ...describe] : describe, sql, params);
        if (prefix) this.#noteCommands(parse.parseResults(described, this.#pg.parsers));
        prefix = '';
        statement = { name, types: parse.parseDescribeStatementResults(described) };
        this.#prepared.set(sql, statement);
      }
      const values = this.#serializeParams(params, statement.types);
      const run = [serialize.bind({ statement: statement.name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()];
      // After Sync, the ROLLBACK runs whether the statement failed or not. A prefix that fails
      // leaves the transaction aborted, so the statement after it fails too (nothing runs half).
      const messages = await this.#send(readOnly ? [BEGIN_READ_ONLY, ...run, ROLLBACK] : prefix ? [serialize.query(prefix), ...run] : run, sql, params);
      const results = parse.parseResults(messages, this.#pg.parsers);
      if (readOnly) return results[results.length - 2] as Results<R>;
      this.#noteCommands(results);
      return results[results.length - 1] as Results<R>;
    });
  }

  /** A script of statements without parameters (simple protocol): one result set per statement. */
  exec(sql: string): Promise<Results[]> {
    return this.#serial(async () => {
      await this.#closeStale();
      const results = parse.parseResults(await this.#send([serialize.query(sql)], sql, undefined), this.#pg.parsers);
      this.#noteCommands(results);
      return results;
    });
  }

  /** Prepare every statement afresh (after DDL run through another path). */
  forgetStatements(): void {
    this.#forget();
  }

  /**
   * Changes whenever the catalog may have changed (DDL, a rollback that may undo DDL): what callers
   * derived from the catalog (a table's columns) is stale once it moves.
   */
  get catalogVersion(): number {
    return this.#catalogVersion;
  }

  #forget(): void {
    this.#catalogVersion++;
    for (const { name } of this.#prepared.values()) this.#stale.push(name);
    this.#prepared.clear();
  }

  async #closeStale(): Promise<void> {
    if (this.#stale.length === 0) return;
    const names = this.#stale;
    this.#stale = [];
    // Best effort: a statement that cannot be closed only costs memory.
    await this.#pg.execProtocolStream(concat([...names.map((name) => serialize.close({ type: 'S', name })), serialize.sync()]), {
      syncToFs: false,
      throwOnError: false,
    });
  }

  #serializeParams(params: readonly unknown[], types: readonly number[]): (string | null)[] {
    const serializers = this.#pg.serializers;
    return params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serializer = serializers[types[i]!];
      return serializer ? serializer(param) : (param as { toString(): string }).toString();
    });
  }

  async #send(parts: Uint8Array[], sql: string, params: readonly unknown[] | undefined) {
    const message = parts.length === 1 ? parts[0]! : concat(parts);
    try {
      const r = await this.#pg.execProtocolStream(message, { syncToFs: false });
      this.#noteStatus(r);
      return r;
    } catch (error) {
      // A statement that failed inside a block leaves it aborted; outside one, PGlite is idle again.
      this.#status = this.#pg.isInTransaction() ? 'E' : 'I';
      // As PGlite.query annotates its errors.
      if (error && typeof error === 'object') Object.assign(error, { query: sql, params: params ? [...params] : undefined });
      throw error;
    }
  }

  #noteStatus(messages: readonly { name: string }[]): void {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (m.name === 'readyForQuery') {
        this.#status = (m as { name: string; status: string }).status;
        return;
      }
    }
  }

  #noteCommands(results: readonly Results[]): void {
    for (const r of results) {
      const command = r.command;
      if (command === undefined || (CATALOG_STABLE.has(command) && !(command === 'ROLLBACK' && this.#catalogTouched))) {
        if (command === 'COMMIT') this.#catalogTouched = false;
        continue;
      }
      // DDL (the catalog changed), or a rollback that may have undone DDL.
      this.#forget();
      this.#catalogTouched = command !== 'ROLLBACK' && command !== 'COMMIT';
    }
  }

  #serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(job, job);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

/** Protocol messages in one buffer: one round trip, run by the backend in order. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const message = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    message.set(p, offset);
    offset += p.length;
  }
  return message;
}
