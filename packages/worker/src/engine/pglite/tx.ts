import { ErrorKind, TandemError } from '@tandem/core';
import type { Patch, PatchOp, Row } from '@tandem/core';
import { CAPTURE_TRIGGER_NAMES, quoteIdent, quoteLiteral } from '@tandem/core/sql';
import type { EngineTx, PendingAction, ServerRows } from '../engine.ts';
import { pendingAction, serverRowsExtent } from '../engine-rows.ts';
import { applyServerRows } from './server-rows.ts';
import { OTHER_TRIGGERS_OR_RULES_SQL } from './capture-sql.ts';
import { deleteRowSql, reinsertRowSql, restoreRowSql, WRITABLE_COLUMNS_SQL } from './revert-sql.ts';
import type { PgliteWire } from './wire.ts';

interface PatchRow {
  seq: number;
  action_id: string;
  table_name: string;
  row_id: string;
  op: PatchOp;
  old_row: Patch['oldRow'];
  new_row: Patch['newRow'];
}

const RECORD_PENDING_SQL = `with pending as (
  insert into tandem_pending (seq, id, name, args, time)
  select seq, id, name, args, time from jsonb_to_recordset($1::jsonb) as x(seq bigint, id text, name text, args jsonb, time bigint)
)
insert into tandem_meta (key, value) values ('client_seq', to_jsonb($2::bigint))
on conflict (key) do update set value = excluded.value`;

// The same writes as data-modifying CTEs; the outer select reads the patches of earlier statements.
const RECORD_BATCH_SQL = `with pending as (
  insert into tandem_pending (seq, id, name, args, time)
  select seq, id, name, args, time from jsonb_to_recordset($1::jsonb) as x(seq bigint, id text, name text, args jsonb, time bigint)
), meta as (
  insert into tandem_meta (key, value) values ('client_seq', to_jsonb($2::bigint))
  on conflict (key) do update set value = excluded.value
)
select array_agg(distinct table_name) as tables, max(seq) as last from tandem_patches where seq > $3`;

const SET_TWO_LOCALS_SQL = 'select set_config($1, $2, true), set_config($3, $4, true)';

/**
 * From this many rows on, a write that is no action switches triggers off even when only the
 * capture trigger would fire: its per-row call (a few µs, then it returns for the bypass) costs
 * more than the plan cache reset that switching causes (see #unobserved), measured at ~100 rows.
 */
const BULK_ROWS = 100;

// The pending actions travel as one jsonb array, so the statement returns one row however many.
const META_AND_PENDING_SQL = `select (select value from tandem_meta where key = $1) as meta,
  (select jsonb_agg(jsonb_build_object('seq', seq, 'id', id, 'name', name, 'args', args, 'time', time) order by seq) from tandem_pending) as pending`;


function pendingParams(actions: readonly PendingAction[]): [string, number] {
  return [JSON.stringify(actions.map((a) => ({ ...a, args: a.args ?? null }))), Math.max(...actions.map((a) => a.seq))];
}

/**
 * One open PGlite transaction as the runtime sees it. Lives only inside Engine.transaction, which
 * sends BEGIN and COMMIT/ROLLBACK on the same wire and then closes it.
 */

/** What is derived from the catalog, per connection, valid for one catalog version. */
interface CatalogCache {
  version: number;
  /** Writable columns per table. */
  columns: Map<string, { insert: string[]; update: string[] }>;
  /** Per table: whether writing it fires triggers or rules besides Tandem's capture. */
  observed: Map<string, boolean>;
}
const catalogCache = new WeakMap<PgliteWire, CatalogCache>();
export class PgliteTx implements EngineTx {
  readonly #wire: PgliteWire;
  #savepoints = 0;
  // The action being captured, restored when a nested captureAs ends.
  #actionId = '';
  #closed = false;

  constructor(wire: PgliteWire) {
    this.#wire = wire;
  }

  /** Called by the engine when the transaction ends: the handle refuses every later call. */
  close(): void {
    this.#closed = true;
  }

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#wire.query<R>(this.#open(sql), params)).rows;
  }

  #open(sql: string): string {
    if (this.#closed) throw new Error('Transaction is closed');
    return sql;
  }

  #exec(sql: string): Promise<unknown> {
    return this.#wire.exec(this.#open(sql));
  }

  savepoint<T>(fn: () => Promise<T>): Promise<T> {
    return this.#savepointScope('', '', fn);
  }

  async actionScope<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    if (typeof actionId !== 'string' || actionId === '') {
      throw new TandemError(ErrorKind.internal, 'actionScope needs a non-empty action id.');
    }
    // The capture setting rides in the savepoint's own exec: this runs per action, and two
    // simple-protocol round trips beat four extended-protocol ones.
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

  /** A savepoint around `fn`, with extra statements run in the same exec as SAVEPOINT and RELEASE. */
  async #savepointScope<T>(onEnter: string, onRelease: string, fn: () => Promise<T>): Promise<T> {
    const name = `tandem_sp_${++this.#savepoints}`;
    await this.#exec(`savepoint ${name}${onEnter}`);
    try {
      const result = await fn();
      // RELEASE fails when fn swallowed a database error; the catch then undoes the scope.
      await this.#exec(`release savepoint ${name}${onRelease}`);
      return result;
    } catch (error) {
      try {
        // Rolling back to the savepoint also undoes settings made after it (the capture id).
        await this.#exec(`rollback to savepoint ${name}; release savepoint ${name}`);
      } catch {
        // The transaction is beyond saving; the original error says why, and the enclosing
        // transaction() rolls everything back when it propagates.
      }
      throw error;
    }
  }

  async recordPending(actions: readonly PendingAction[]): Promise<void> {
    if (actions.length === 0) return;
    await this.query(RECORD_PENDING_SQL, pendingParams(actions));
  }

  async recordBatch(actions: readonly PendingAction[], afterSeq: number): Promise<{ tables: string[]; lastSeq: number }> {
    if (actions.length === 0) return this.changedTablesSince(afterSeq);
    const [row] = await this.query<{ tables: string[] | null; last: number | null }>(RECORD_BATCH_SQL, [...pendingParams(actions), afterSeq]);
    return { tables: row?.tables ?? [], lastSeq: row?.last ?? afterSeq };
  }

  async changedTablesSince(afterSeq: number): Promise<{ tables: string[]; lastSeq: number }> {
    const [row] = await this.query<{ tables: string[] | null; last: number | null }>(
      'select array_agg(distinct table_name) as tables, max(seq) as last from tandem_patches where seq > $1',
      [afterSeq],
    );
    return { tables: row?.tables ?? [], lastSeq: row?.last ?? afterSeq };
  }

  async captureAs<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    if (typeof actionId !== 'string' || actionId === '') {
      throw new TandemError(ErrorKind.internal, 'captureAs needs a non-empty action id.');
    }
    const previous = this.#actionId;
    await this.#setLocal('tandem.action_id', actionId);
    this.#actionId = actionId;
    let succeeded = false;
    try {
      const result = await fn();
      succeeded = true;
      return result;
    } finally {
      this.#actionId = previous;
      try {
        await this.#setLocal('tandem.action_id', previous);
      } catch (error) {
        // After a failed statement the transaction refuses everything until rolled back, which
        // also discards the setting; reporting that instead of fn's error would hide the cause.
        if (succeeded) throw error;
      }
    }
  }

  async patchesSince(afterSeq: number): Promise<{ seq: number; patch: Patch }[]> {
    const rows = await this.query<PatchRow & Row>(
      'select seq, action_id, table_name, row_id, op, old_row, new_row from tandem_patches where seq > $1 order by seq',
      [afterSeq],
    );
    return rows.map((r) => ({
      seq: r.seq,
      patch: { actionId: r.action_id, table: r.table_name, rowId: r.row_id, op: r.op, oldRow: r.old_row, newRow: r.new_row },
    }));
  }

  async lastPatchSeq(): Promise<number> {
    const [row] = await this.query<{ seq: number }>('select coalesce(max(seq), 0) as seq from tandem_patches');
    return row?.seq ?? 0;
  }

  async revert(patches: readonly Patch[]): Promise<void> {
    if (patches.length === 0) return;
    const columnsOf = this.#columnsReader();

    // Undoing patches restores rows; it is no new write for app triggers to react to.
    await this.#unobserved(new Set(patches.map((p) => p.table)), patches.length, async () => {
      for (let i = patches.length - 1; i >= 0; i--) {
        const patch = patches[i]!;
        let affected: number;
        if (patch.op === 'insert') {
          affected = await this.#affected(deleteRowSql(patch.table), [patch.rowId]);
        } else if (patch.op === 'delete') {
          affected = await this.#affected(reinsertRowSql(patch.table, (await columnsOf(patch.table)).insert), [JSON.stringify(patch.oldRow)]);
        } else {
          affected = await this.#affected(restoreRowSql(patch.table, (await columnsOf(patch.table)).update), [JSON.stringify(patch.oldRow), patch.rowId]);
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
    const rows = await this.query<PendingAction & Row>(
      `select seq, id, name, args, time from tandem_pending where seq > $1 order by seq${limit !== undefined ? ' limit $2' : ''}`,
      limit !== undefined ? [afterSeq, limit] : [afterSeq],
    );
    return rows.map(pendingAction);
  }

  async dropPending(throughSeq: number): Promise<void> {
    await this.query(
      `with dropped as (delete from tandem_pending where seq <= $1 returning id)
       delete from tandem_patches where action_id in (select id from dropped)`,
      [throughSeq],
    );
  }

  async clearPatches(): Promise<void> {
    await this.#exec('delete from tandem_patches');
  }

  async applyServerRows(rows: ServerRows): Promise<void> {
    if (rows.replaceChannels.length === 0 && rows.changes.length === 0) return;
    const { tables, count } = serverRowsExtent(rows, BULK_ROWS);
    await this.#unobserved(tables, count, () => applyServerRows((sql, params) => this.query(sql, params), this.#columnsReader(), rows));
  }

  async pendingChannels(channelColumns: Record<string, string>): Promise<string[]> {
    const rows = await this.query<{ channel: string }>(
      `select distinct coalesce(p.new_row ->> c.col, p.old_row ->> c.col) as channel
       from tandem_patches p join jsonb_each_text($1::jsonb) as c(tbl, col) on c.tbl = p.table_name
       where coalesce(p.new_row ->> c.col, p.old_row ->> c.col) is not null`,
      [JSON.stringify(channelColumns)],
    );
    return rows.map((r) => r.channel);
  }

  async readMeta<T>(key: string): Promise<T | undefined> {
    const [row] = await this.query<{ value: T }>('select value from tandem_meta where key = $1', [key]);
    return row?.value ?? undefined;
  }

  async readMetaAndPending<T>(key: string): Promise<{ meta: T | undefined; pending: PendingAction[] }> {
    const [row] = await this.query<{ meta: T | null; pending: PendingAction[] | null }>(META_AND_PENDING_SQL, [key]);
    return { meta: row?.meta ?? undefined, pending: (row?.pending ?? []).map(pendingAction) };
  }

  async writeMeta(key: string, value: unknown): Promise<void> {
    await this.query(
      'insert into tandem_meta (key, value) values ($1, $2::jsonb) on conflict (key) do update set value = excluded.value',
      [key, JSON.stringify(value ?? null)],
    );
  }

  /** Writable columns per table (for rebuilding rows from JSON), read once per table per call. */
  #columnsReader(): (table: string) => Promise<{ insert: string[]; update: string[] }> {
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

  /** Whether writing any of `tables` fires a trigger or rule besides Tandem's capture. */
  async #observed(tables: Iterable<string>): Promise<boolean> {
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
   * Runs `fn`, which writes `rows` rows of `tables`, with capture bypassed and ordinary triggers and
   * rules off ('replica'): for writes that are not an action (reverting patches, applying the
   * server's rows). The server's rows already hold every trigger's effect, and are consistent as a
   * whole, not row by row (a foreign key check would see a child before its parent), so app and
   * foreign key triggers must not run. Both settings are transaction-local.
   *
   * Changing session_replication_role resets PostgreSQL's whole plan cache, so every statement
   * after it plans again (the live queries a remote change re-runs too): it costs more than the
   * rebase's statements themselves. So tables with nothing but the capture trigger, written a few
   * rows at a time, keep the role, and the capture trigger returns at once for the bypass.
   */
  async #unobserved<T>(tables: Iterable<string>, rows: number, fn: () => Promise<T>): Promise<T> {
    const replica = rows >= BULK_ROWS || (await this.#observed(tables));
    // One statement each way: this wraps every pulled or poked change, on the path of a remote edit
    // becoming visible, where each round trip counts.
    if (replica) await this.query(SET_TWO_LOCALS_SQL, ['tandem.bypass', 'on', 'session_replication_role', 'replica']);
    else await this.#setLocal('tandem.bypass', 'on');
    let succeeded = false;
    try {
      const result = await fn();
      succeeded = true;
      return result;
    } finally {
      try {
        if (replica) await this.query(SET_TWO_LOCALS_SQL, ['session_replication_role', 'origin', 'tandem.bypass', 'off']);
        else await this.#setLocal('tandem.bypass', 'off');
      } catch (error) {
        // After a failed statement the transaction refuses everything; fn's error says why.
        if (succeeded) throw error;
      }
    }
  }

  async #affected(sql: string, params: unknown[]): Promise<number> {
    return (await this.#wire.query(this.#open(sql), params)).affectedRows ?? 0;
  }

  async #setLocal(name: string, value: string): Promise<void> {
    await this.query('select set_config($1, $2, true)', [name, value]);
  }
}
