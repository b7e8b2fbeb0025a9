import type { Database, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { ErrorKind, TandemError } from '@tandem/core';
import type { Row } from '@tandem/core';
import { withStatement } from '../failed-statement.ts';
import { readOnlyRefusal } from '../read-only.ts';
import { SqliteError } from './error.ts';
import { bindValue, columnKind, readValue } from './values.ts';
import type { ColumnKind } from './values.ts';

interface Statement {
  pointer: number;
  /** For parameter index i + 1, the position in the caller's params array. */
  sources: number[];
  /** How many params the caller must pass. */
  arity: number;
  /** Result column names and kinds; null until first read, refreshed when SQLite re-prepares. */
  columns: { names: string[]; kinds: ColumnKind[] } | null;
  /** SQLite's re-prepare count when `columns` was read. */
  prepares: number;
}

// Cached statements beyond this are finalized oldest-first: SQL built with literals must not
// grow the cache without bound.
const MAX_CACHED_STATEMENTS = 256;
const SQLITE_HEADER = 'SQLite format 3\0';
// Authorizer action codes a read may compile to: SQLITE_READ, SQLITE_SELECT, SQLITE_FUNCTION, SQLITE_RECURSIVE.
const READ_CODES = new Set([20, 21, 31, 33]);
const SQLITE_SELECT = 21;

/**
 * One SQLite connection over the C API, synchronous. Statements are prepared once per SQL text and
 * kept: SQLite re-prepares a kept statement by itself when the schema changes, and the column
 * metadata is re-read when it does. Not re-entrant across engines: the engine serialises calls.
 */
export class SqliteConnection {
  readonly #sqlite: Sqlite3Static;
  readonly #db: Database;
  readonly #pointer: number;
  readonly #statements = new Map<string, Statement>();
  /** SQL texts vetted by {@link assertReads}: true, or why the statement is no read. */
  readonly #vetted = new Map<string, true | string>();
  /** Set while {@link assertReads} prepares: what the authorizer saw. */
  #vetting: { selects: number; denied: string | null } | null = null;

  /** Opens an in-memory database, empty or restored from `image` (from {@link export}). */
  static open(sqlite: Sqlite3Static, image: Uint8Array | null): SqliteConnection {
    const db = new sqlite.oo1.DB(':memory:');
    const connection = new SqliteConnection(sqlite, db);
    if (image) {
      try {
        connection.#restore(image);
      } catch (error) {
        db.close();
        throw error;
      }
    }
    return connection;
  }

  private constructor(sqlite: Sqlite3Static, db: Database) {
    this.#sqlite = sqlite;
    this.#db = db;
    this.#pointer = db.pointer as number;
    // Installed once (setting one expires every prepared statement); it judges only while vetting.
    const rc = sqlite.capi.sqlite3_set_authorizer(this.#pointer, (_p, code, arg1) => this.#authorize(code, arg1), 0);
    if (rc !== sqlite.capi.SQLITE_OK) throw this.#error(rc);
  }

  /** A JS function callable from SQL (triggers included); at most one argument, not deterministic. */
  defineFunction(name: string, fn: (arg?: unknown) => string | number | null, arity: 0 | 1 = 0): void {
    // innocuous: triggers may call it whatever trusted_schema says; it only touches JS state.
    this.#db.createFunction({ name, arity, deterministic: false, innocuous: true, xFunc: (_ctx: number, arg?: unknown) => fn(arg) });
  }

  /**
   * Throws, before anything runs, unless `sql` is one statement that only reads: compiled with an
   * authorizer that allows nothing but reading tables, selecting and calling functions (so no
   * write, DDL, PRAGMA, ATTACH/DETACH, transaction or savepoint), and that SQLite calls read-only.
   * The verdict is kept per SQL text (until {@link forgetStatements}): one extra prepare per text.
   */
  assertReads(sql: string): void {
    let verdict = this.#vetted.get(sql);
    if (verdict === undefined) {
      verdict = this.#vet(sql);
      if (this.#vetted.size >= MAX_CACHED_STATEMENTS) this.#vetted.clear();
      this.#vetted.set(sql, verdict);
    }
    if (verdict !== true) throw readOnlyRefusal(sql, verdict);
  }

  #vet(sql: string): true | string {
    const { capi } = this.#sqlite;
    const seen = (this.#vetting = { selects: 0, denied: null });
    let prepared: { pointer: number; more: boolean };
    try {
      prepared = this.#prepareFirst(sql, 0);
    } catch (error) {
      if (seen.denied) return seen.denied;
      throw error;
    } finally {
      this.#vetting = null;
    }
    try {
      if (prepared.more) return 'run several statements';
      if (capi.sqlite3_stmt_readonly(prepared.pointer) === 0 || seen.selects === 0) return 'not be a query (SELECT, WITH or VALUES)';
      return true;
    } finally {
      capi.sqlite3_finalize(prepared.pointer);
    }
  }

  /** SQLite's authorizer: while vetting, anything but reading is denied and remembered. */
  #authorize(code: number, arg1: string | 0): number {
    const seen = this.#vetting;
    if (!seen) return 0;
    if (code === SQLITE_SELECT) seen.selects++;
    if (READ_CODES.has(code)) return 0;
    seen.denied ??= `${AUTHORIZER_ACTIONS[code] ?? `do action ${code}`}${arg1 ? ` (${arg1})` : ''}`;
    return this.#sqlite.capi.SQLITE_DENY;
  }

  /** Runs one statement and returns its rows as plain JSON objects. */
  all<R extends Row = Row>(sql: string, params: readonly unknown[] = []): R[] {
    return this.#execute(this.#cached(sql), params, sql) as R[];
  }

  /** Like {@link all}, without keeping the prepared statement (one-off SQL such as EXPLAIN). */
  once<R extends Row = Row>(sql: string, params: readonly unknown[] = []): R[] {
    const statement = this.#prepare(sql, 0);
    try {
      return this.#execute(statement, params, sql) as R[];
    } finally {
      this.#sqlite.capi.sqlite3_finalize(statement.pointer);
    }
  }

  /** Runs one statement and returns how many rows it inserted, updated or deleted. */
  run(sql: string, params: readonly unknown[] = []): number {
    this.all(sql, params);
    return this.#sqlite.capi.sqlite3_changes(this.#pointer);
  }

  /**
   * Runs a script of statements without parameters, one after another as sqlite3_exec does, but
   * keeping track of where it is: a failure names its statement (`statement` on the error).
   */
  exec(script: string): void {
    const { capi, wasm } = this.#sqlite;
    const stack = wasm.pstack.pointer;
    const [scriptPointer, scriptBytes] = wasm.allocCString(script, true);
    const end = scriptPointer + scriptBytes;
    try {
      const [ppStmt, pzTail] = wasm.pstack.allocPtr(2) as [number, number];
      let sql = scriptPointer;
      while (sql < end) {
        const rc = capi.sqlite3_prepare_v3(this.#pointer, sql, end - sql, 0, ppStmt, pzTail);
        if (rc !== capi.SQLITE_OK) {
          const statement = this.#statementAt(wasm.cstrToJs(sql) ?? '');
          throw withStatement(this.#error(rc, statement), statement);
        }
        const pointer = wasm.peekPtr(ppStmt);
        const tail = wasm.peekPtr(pzTail);
        if (pointer) {
          try {
            let step: number;
            while ((step = capi.sqlite3_step(pointer)) === capi.SQLITE_ROW);
            if (step !== capi.SQLITE_DONE) {
              const statement = new TextDecoder().decode(wasm.heap8u().slice(sql, tail)).trim();
              throw withStatement(this.#error(step, statement), statement);
            }
          } finally {
            capi.sqlite3_finalize(pointer);
          }
        }
        if (tail <= sql) break;
        sql = tail;
      }
    } finally {
      wasm.dealloc(scriptPointer);
      wasm.pstack.restore(stack);
    }
  }

  /** The first statement of `rest` (up to the `;` that completes it, as SQLite's own parser sees it). */
  #statementAt(rest: string): string {
    for (let i = rest.indexOf(';'); i !== -1; i = rest.indexOf(';', i + 1)) {
      const candidate = rest.slice(0, i + 1);
      if (this.#sqlite.capi.sqlite3_complete(candidate)) return candidate.trim();
    }
    return rest.trim();
  }

  /** True while a transaction is open: false after SQLite itself rolled one back. */
  get inTransaction(): boolean {
    return this.#sqlite.capi.sqlite3_get_autocommit(this.#pointer) === 0;
  }

  /**
   * Switches every trigger off or on, for writes that are no action (the server's rows, reverse
   * patches), as PGlite's session_replication_role = replica does. SQLite then expires prepared
   * statements, which re-prepare on their next use.
   */
  setTriggersEnabled(enabled: boolean): void {
    const { capi } = this.#sqlite;
    const rc = capi.sqlite3_db_config(this.#pointer, capi.SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled ? 1 : 0, 0);
    if (rc !== capi.SQLITE_OK) throw this.#error(rc);
  }

  /** The whole database file, for {@link open}. */
  export(): Uint8Array<ArrayBuffer> {
    return this.#sqlite.capi.sqlite3_js_db_export(this.#pointer);
  }

  /** Finalizes kept statements (after DDL scripts, so stale plans do not pile up). */
  forgetStatements(): void {
    this.#vetted.clear();
    for (const statement of this.#statements.values()) this.#sqlite.capi.sqlite3_finalize(statement.pointer);
    this.#statements.clear();
  }

  close(): void {
    this.forgetStatements();
    this.#db.close();
  }

  #restore(image: Uint8Array): void {
    const { capi, wasm } = this.#sqlite;
    if (image.byteLength < 100 || new TextDecoder().decode(image.subarray(0, 16)) !== SQLITE_HEADER) {
      throw new TandemError(ErrorKind.internal, 'The image is not an SQLite database (was it made by another engine?).');
    }
    // sqlite3_malloc'd: SQLite owns the copy from here (FREEONCLOSE), also when deserialize fails.
    const pointer = wasm.allocFromTypedArray(image);
    const rc = capi.sqlite3_deserialize(
      this.#pointer,
      'main',
      pointer,
      image.byteLength,
      image.byteLength,
      capi.SQLITE_DESERIALIZE_FREEONCLOSE | capi.SQLITE_DESERIALIZE_RESIZEABLE,
    );
    if (rc !== capi.SQLITE_OK) throw this.#error(rc);
    // Deserialize reads nothing yet: a damaged image should fail here, not at the first query.
    this.once('select count(*) from sqlite_schema');
  }

  #cached(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement) {
      // Most recently used last, so eviction takes the least recently used.
      this.#statements.delete(sql);
    } else {
      statement = this.#prepare(sql, this.#sqlite.capi.SQLITE_PREPARE_PERSISTENT);
      if (this.#statements.size >= MAX_CACHED_STATEMENTS) {
        const [oldest, evicted] = this.#statements.entries().next().value!;
        this.#statements.delete(oldest);
        this.#sqlite.capi.sqlite3_finalize(evicted.pointer);
      }
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  #prepare(sql: string, flags: number): Statement {
    const { pointer, more } = this.#prepareFirst(sql, flags);
    try {
      if (more) {
        // Running only the first statement silently would lose the others; exec() is for scripts.
        throw new SqliteError('query() runs one statement; the SQL holds more (use exec() for scripts).', 'SQLITE_MISUSE', sql);
      }
      return { pointer, ...this.#parameters(pointer, sql), columns: null, prepares: 0 };
    } catch (error) {
      this.#sqlite.capi.sqlite3_finalize(pointer);
      throw error;
    }
  }

  /** Prepares the first statement of `sql`; `more`: statements follow it. */
  #prepareFirst(sql: string, flags: number): { pointer: number; more: boolean } {
    const { capi, wasm } = this.#sqlite;
    const stack = wasm.pstack.pointer;
    const [sqlPointer, sqlBytes] = wasm.allocCString(sql, true);
    let pointer: number;
    let rest: string;
    try {
      const [ppStmt, pzTail] = wasm.pstack.allocPtr(2) as [number, number];
      const rc = capi.sqlite3_prepare_v3(this.#pointer, sqlPointer, sqlBytes, flags, ppStmt, pzTail);
      if (rc !== capi.SQLITE_OK) throw this.#error(rc, sql);
      pointer = wasm.peekPtr(ppStmt);
      const tail = wasm.peekPtr(pzTail);
      rest = tail < sqlPointer + sqlBytes ? (wasm.cstrToJs(tail) ?? '') : '';
    } finally {
      wasm.dealloc(sqlPointer);
      wasm.pstack.restore(stack);
    }
    if (!pointer) throw new SqliteError('The SQL holds no statement.', 'SQLITE_MISUSE', sql);
    try {
      return { pointer, more: rest.trim() !== '' && this.#holdsStatement(rest) };
    } catch (error) {
      capi.sqlite3_finalize(pointer);
      throw error;
    }
  }

  /** Whether SQL left after the first statement is more than comments and semicolons. */
  #holdsStatement(sql: string): boolean {
    const { capi, wasm } = this.#sqlite;
    const stack = wasm.pstack.pointer;
    try {
      const ppStmt = wasm.pstack.allocPtr();
      if (capi.sqlite3_prepare_v3(this.#pointer, sql, -1, 0, ppStmt, null) !== capi.SQLITE_OK) return true;
      const pointer = wasm.peekPtr(ppStmt);
      if (!pointer) return false;
      capi.sqlite3_finalize(pointer);
      return true;
    } finally {
      wasm.pstack.restore(stack);
    }
  }

  /**
   * Where each parameter's value comes from. Callers write Postgres's `$1, $2` (actions are
   * portable between engines), which SQLite takes as *named* parameters numbered by first
   * appearance: `set b = $2 where id = $1` would bind the wrong way round by position. So `$n`
   * binds params[n - 1] by its name; `?` and `?NNN` bind by their index.
   */
  #parameters(pointer: number, sql: string): { sources: number[]; arity: number } {
    const { capi } = this.#sqlite;
    const count = capi.sqlite3_bind_parameter_count(pointer);
    const sources: number[] = [];
    let dollar = false;
    let question = false;
    for (let i = 1; i <= count; i++) {
      const name = capi.sqlite3_bind_parameter_name(pointer, i);
      const numbered = name === null || /^\?\d+$/.test(name);
      const match = numbered ? null : /^\$([1-9]\d*)$/.exec(name!);
      if (numbered) {
        question = true;
        sources.push(i - 1);
      } else if (match) {
        dollar = true;
        sources.push(Number(match[1]) - 1);
      } else {
        throw new SqliteError(`Parameter ${name} is not supported: write $1, $2… (or ?).`, 'SQLITE_MISUSE', sql);
      }
    }
    if (dollar && question) throw new SqliteError('The SQL mixes $n and ? parameters; use one style.', 'SQLITE_MISUSE', sql);
    return { sources, arity: sources.length === 0 ? 0 : Math.max(...sources) + 1 };
  }

  #execute(statement: Statement, params: readonly unknown[], sql: string): Row[] {
    const { capi } = this.#sqlite;
    const pointer = statement.pointer;
    if (params.length !== statement.arity) {
      throw new SqliteError(`The statement takes ${statement.arity} parameters, but ${params.length} were given.`, 'SQLITE_RANGE', sql);
    }
    try {
      for (let i = 0; i < statement.sources.length; i++) {
        const rc = bindValue(this.#sqlite, pointer, i + 1, params[statement.sources[i]!]);
        if (rc !== capi.SQLITE_OK) throw this.#error(rc, sql);
      }
      const rows: Row[] = [];
      let rc = capi.sqlite3_step(pointer);
      if (rc === capi.SQLITE_ROW) {
        const { names, kinds } = this.#columns(statement);
        const jsonbText = (blob: Uint8Array) => this.#jsonbText(blob);
        do {
          const row: Row = {};
          for (let c = 0; c < names.length; c++) setColumn(row, names[c]!, readValue(this.#sqlite, pointer, c, kinds[c]!, jsonbText));
          rows.push(row);
        } while ((rc = capi.sqlite3_step(pointer)) === capi.SQLITE_ROW);
      }
      if (rc !== capi.SQLITE_DONE) throw this.#error(rc, sql);
      return rows;
    } finally {
      capi.sqlite3_reset(pointer);
      // Frees bound strings and blobs now rather than at the next use of the statement.
      (capi.sqlite3_clear_bindings as (stmt: number) => number)(pointer);
    }
  }

  /** Column names and kinds, read again only after SQLite re-prepared the statement. */
  #columns(statement: Statement): { names: string[]; kinds: ColumnKind[] } {
    const { capi } = this.#sqlite;
    const prepares = capi.sqlite3_stmt_status(statement.pointer, capi.SQLITE_STMTSTATUS_REPREPARE, 0);
    if (statement.columns === null || prepares !== statement.prepares) {
      const count = capi.sqlite3_column_count(statement.pointer);
      const names: string[] = [];
      const kinds: ColumnKind[] = [];
      for (let c = 0; c < count; c++) {
        names.push(capi.sqlite3_column_name(statement.pointer, c));
        kinds.push(columnKind(capi.sqlite3_column_decltype(statement.pointer, c)));
      }
      statement.columns = { names, kinds };
      statement.prepares = prepares;
    }
    return statement.columns;
  }

  /** JSON text of an SQLite JSONB blob (what jsonb() stores), or null when it is not JSONB. */
  #jsonbText(blob: Uint8Array): string | null {
    try {
      const [row] = this.all<{ text: string | null }>('select json(?1) as text', [blob]);
      return row?.text ?? null;
    } catch {
      return null;
    }
  }

  #error(rc: number, sql?: string): SqliteError {
    const { capi } = this.#sqlite;
    const code = capi.sqlite3_extended_errcode(this.#pointer) || rc;
    return new SqliteError(capi.sqlite3_errmsg(this.#pointer), capi.sqlite3_js_rc_str(code) ?? `SQLITE_${code}`, sql);
  }
}

/** What the authorizer's action codes a read may not compile to mean, as "this statement would …". */
const AUTHORIZER_ACTIONS: Record<number, string> = {
  1: 'create an index', 2: 'create a table', 3: 'create a temporary index', 4: 'create a temporary table', 5: 'create a temporary trigger',
  6: 'create a temporary view', 7: 'create a trigger', 8: 'create a view', 9: 'delete rows', 10: 'drop an index', 11: 'drop a table',
  12: 'drop a temporary index', 13: 'drop a temporary table', 14: 'drop a temporary trigger', 15: 'drop a temporary view', 16: 'drop a trigger',
  17: 'drop a view', 18: 'insert rows', 19: 'run a PRAGMA', 22: 'begin or end a transaction', 23: 'update rows', 24: 'ATTACH a database',
  25: 'DETACH a database', 26: 'alter a table', 27: 'reindex', 28: 'analyze', 29: 'create a virtual table', 30: 'drop a virtual table',
  32: 'open or end a savepoint',
};

function setColumn(row: Row, name: string, value: unknown): void {
  // Assigning '__proto__' would replace the row's prototype instead of adding a column.
  if (name === '__proto__') Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}
