import { ErrorKind, TandemError } from '@tandem/core';
import type { Patch, PatchOp, Row } from '@tandem/core';
import type { EngineTx, PendingAction, ServerRows } from '../engine.ts';
import { pendingAction, serverRowsExtent } from '../engine-rows.ts';
import { OTHER_TRIGGERS_SQL } from './capture-sql.ts';
import type { SqliteConnection } from './connection.ts';
import { SqliteError } from './error.ts';
import { deleteRowSql, reinsertRowSql, restoreRowSql } from './revert-sql.ts';
import { rowsAsJson, TABLE_COLUMNS_SQL, tableColumns } from './row-json.ts';
import type { TableColumn } from './row-json.ts';
import { applyServerRows } from './server-rows.ts';

/** What the trigger functions tandem_action_id() and tandem_bypass() return; owned by the engine. */
export interface CaptureState {
  actionId: string | null;
  bypass: boolean;
}

interface PatchRow {
  seq: number;
  action_id: string;
  table_name: string;
  row_id: string;
  op: PatchOp;
  old_row: Patch['oldRow'];
  new_row: Patch['newRow'];
}

// SQLite has no data-modifying CTEs: the pending rows and the client seq are two statements.
const RECORD_PENDING_SQL = `insert into tandem_pending (seq, id, name, args, time)
select value ->> 0, value ->> 1, value ->> 2, nullif(value -> 3, 'null'), value ->> 4 from json_each($1)`;
const RECORD_CLIENT_SEQ_SQL = `insert into tandem_meta (key, value) values ('client_seq', $1)
on conflict (key) do update set value = excluded.value`;
// `m.value` straight from the table keeps its declared type, so the meta value reads back exactly
// as readMeta's does; the pending actions come as one JSON array (a computed column is plain text).
const META_AND_PENDING_SQL = `select m.value as meta,
  (select json_group_array(json_object('seq', seq, 'id', id, 'name', name, 'args', json(args), 'time', time) order by seq) from tandem_pending) as pending
from (select $1 as key) k left join tandem_meta m on m.key = k.key`;
/**
 * From this many rows on, a write that is no action switches triggers off even when only the
 * capture triggers would run: their per-row calls then cost more than re-preparing the statements
 * that switching expires (see #unobserved).
 */
const BULK_ROWS = 100;
const CHANGED_TABLES_SQL = 'select table_name, max(seq) as last from tandem_patches where seq > $1 group by table_name order by table_name';

/** The failure of a statement that the transaction has not rolled back past yet. */
interface Failure {
  error: unknown;
  /** SQLite itself rolled the whole transaction back (RAISE(ROLLBACK), ON CONFLICT ROLLBACK…). */
  lost: boolean;
}

/**
 * One open SQLite transaction as the runtime sees it. Lives only inside Engine.transaction, which
 * sends BEGIN and COMMIT/ROLLBACK and then closes it. All work is synchronous underneath; the
 * methods are async only because the contract is.
 *
 * A failed statement poisons the transaction as in PostgreSQL: SQLite undoes only the statement,
 * but actions must behave the same on both engines (and on the server, which runs Postgres), so an
 * action that swallows a database error still fails. Later statements are refused until a
 * savepoint opened before the failure rolls back; COMMIT then rolls back instead.
 */
export class SqliteTx implements EngineTx {
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

  savepoint<T>(fn: () => Promise<T>): Promise<T> {
    return this.#scope(fn);
  }

  async actionScope<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    assertActionId(actionId, 'actionScope');
    return this.#capturing(actionId, () => this.#scope(fn));
  }

  async captureAs<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    assertActionId(actionId, 'captureAs');
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

  async recordPending(actions: readonly PendingAction[]): Promise<void> {
    if (actions.length === 0) return;
    this.#run(RECORD_PENDING_SQL, [JSON.stringify(actions.map((a) => [a.seq, a.id, a.name, a.args ?? null, a.time]))]);
    this.#run(RECORD_CLIENT_SEQ_SQL, [Math.max(...actions.map((a) => a.seq))]);
  }

  async recordBatch(actions: readonly PendingAction[], afterSeq: number): Promise<{ tables: string[]; lastSeq: number }> {
    await this.recordPending(actions);
    return this.changedTablesSince(afterSeq);
  }

  async changedTablesSince(afterSeq: number): Promise<{ tables: string[]; lastSeq: number }> {
    const rows = this.#all<{ table_name: string; last: number }>(CHANGED_TABLES_SQL, [afterSeq]);
    return { tables: rows.map((r) => r.table_name), lastSeq: rows.reduce((max, r) => Math.max(max, r.last), afterSeq) };
  }

  async patchesSince(afterSeq: number): Promise<{ seq: number; patch: Patch }[]> {
    const rows = this.#all<PatchRow & Row>(
      'select seq, action_id, table_name, row_id, op, old_row, new_row from tandem_patches where seq > $1 order by seq',
      [afterSeq],
    );
    return rows.map((r) => ({
      seq: r.seq,
      patch: { actionId: r.action_id, table: r.table_name, rowId: r.row_id, op: r.op, oldRow: r.old_row, newRow: r.new_row },
    }));
  }

  async lastPatchSeq(): Promise<number> {
    const [row] = this.#all<{ seq: number }>('select coalesce(max(seq), 0) as seq from tandem_patches');
    return row?.seq ?? 0;
  }

  async revert(patches: readonly Patch[]): Promise<void> {
    if (patches.length === 0) return;
    const columnsOf = this.#columnsReader();
    this.#unobserved(new Set(patches.map((p) => p.table)), patches.length, () => {
      for (let i = patches.length - 1; i >= 0; i--) {
        const patch = patches[i]!;
        let affected: number;
        if (patch.op === 'insert') {
          affected = this.#run(deleteRowSql(patch.table), [patch.rowId]);
        } else {
          const columns = columnsOf(patch.table).filter((c) => c.writable);
          const row = rowsAsJson([patch.oldRow ?? {}], columns);
          affected =
            patch.op === 'delete'
              ? this.#run(reinsertRowSql(patch.table, columns), [row])
              : this.#run(restoreRowSql(patch.table, columns), [row, patch.rowId]);
        }
        // Reverse patches must meet exactly the rows they were captured on; anything else means
        // the database diverged from its patches, and going on would corrupt it silently.
        if (affected !== 1) {
          throw new TandemError(ErrorKind.internal, `Cannot revert ${patch.op} of "${patch.table}" row ${JSON.stringify(patch.rowId)}: the row is not as captured.`, { patch });
        }
      }
    });
  }

  async pendingActions(afterSeq = 0, limit?: number): Promise<PendingAction[]> {
    const rows = this.#all<PendingAction & Row>(
      `select seq, id, name, args, time from tandem_pending where seq > $1 order by seq${limit !== undefined ? ' limit $2' : ''}`,
      limit !== undefined ? [afterSeq, limit] : [afterSeq],
    );
    return rows.map(pendingAction);
  }

  async dropPending(throughSeq: number): Promise<void> {
    this.#run('delete from tandem_patches where action_id in (select id from tandem_pending where seq <= $1)', [throughSeq]);
    this.#run('delete from tandem_pending where seq <= $1', [throughSeq]);
  }

  async clearPatches(): Promise<void> {
    this.#run('delete from tandem_patches');
  }

  async applyServerRows(rows: ServerRows): Promise<void> {
    if (rows.replaceChannels.length === 0 && rows.changes.length === 0) return;
    const columnsOf = this.#columnsReader();
    const { tables, count } = serverRowsExtent(rows, BULK_ROWS);
    this.#unobserved(tables, count, () => applyServerRows((sql, params) => this.#run(sql, params), columnsOf, rows));
  }

  async pendingChannels(channelColumns: Record<string, string>): Promise<string[]> {
    // The column name becomes a quoted JSON path key ($."name"), whatever characters it holds.
    const rows = this.#all<{ channel: unknown }>(
      `select distinct channel from (
         select coalesce(p.new_row ->> ('$.' || json_quote(c.value)), p.old_row ->> ('$.' || json_quote(c.value))) as channel
         from tandem_patches p join json_each($1) c on c.key = p.table_name
       ) where channel is not null`,
      [JSON.stringify(channelColumns)],
    );
    // ->> gives numbers for numeric JSON; Postgres's ->> gives text, and channels are strings.
    return rows.map((r) => String(r.channel));
  }

  async readMeta<T>(key: string): Promise<T | undefined> {
    const [row] = this.#all<{ value: T }>('select value from tandem_meta where key = $1', [key]);
    return row?.value ?? undefined;
  }

  async readMetaAndPending<T>(key: string): Promise<{ meta: T | undefined; pending: PendingAction[] }> {
    const [row] = this.#all<{ meta: T | null; pending: string }>(META_AND_PENDING_SQL, [key]);
    return { meta: row?.meta ?? undefined, pending: (JSON.parse(row?.pending ?? '[]') as PendingAction[]).map(pendingAction) };
  }

  async writeMeta(key: string, value: unknown): Promise<void> {
    this.#run('insert into tandem_meta (key, value) values ($1, json($2)) on conflict (key) do update set value = excluded.value', [
      key,
      JSON.stringify(value ?? null),
    ]);
  }

  /** Columns per table (for rebuilding rows from JSON), read once per table per call. */
  #columnsReader(): (table: string) => TableColumn[] {
    const columns = new Map<string, TableColumn[]>();
    return (table) => {
      let cols = columns.get(table);
      if (!cols) {
        cols = tableColumns(this.#all<{ name: string; type: string | null; hidden: number }>(TABLE_COLUMNS_SQL, [table]));
        if (cols.length === 0) throw new TandemError(ErrorKind.internal, `No table "${table}" to write rows to.`);
        columns.set(table, cols);
      }
      return cols;
    };
  }

  /**
   * Runs `fn`, which writes `rows` rows of `tables`, with capture bypassed and every trigger off,
   * for writes that are no action (reverting patches, applying the server's rows), as PGlite's
   * 'replica' role does: the server's rows already hold every trigger's effect, so re-running app
   * triggers would apply them twice.
   *
   * Switching triggers expires every prepared statement, so each one is prepared again at its next
   * use, which costs as much as the rest of a small rebase: tables with nothing but the capture
   * triggers, written a few rows at a time, keep them on, and the bypass makes them do nothing.
   */
  #unobserved<T>(tables: Iterable<string>, rows: number, fn: () => T): T {
    this.#assertUsable();
    const off = rows >= BULK_ROWS || [...tables].some((table) => this.#all<{ fires: number }>(OTHER_TRIGGERS_SQL, [table])[0]?.fires !== 0);
    const previous = this.#capture.bypass;
    this.#capture.bypass = true;
    if (off) this.#connection.setTriggersEnabled(false);
    try {
      return fn();
    } finally {
      if (off) this.#connection.setTriggersEnabled(true);
      this.#capture.bypass = previous;
    }
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


function assertActionId(actionId: string, method: string): void {
  if (typeof actionId !== 'string' || actionId === '') {
    throw new TandemError(ErrorKind.internal, `${method} needs a non-empty action id.`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
