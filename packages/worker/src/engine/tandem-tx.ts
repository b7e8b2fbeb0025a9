import { ErrorKind, TandemError } from '@tandem/core';
import { quoteIdent } from '@tandem/core/sql';
import type { Patch, PatchOp, Row } from '@tandem/core';
import type { EngineTx, PendingAction, ServerRows } from './engine.ts';
import { pendingAction, serverRowsExtent } from './engine-rows.ts';
import { finalRowStates } from './final-row-states.ts';
import { nextTask } from './next-task.ts';
import type { DialectSql, TxPort } from './tx-port.ts';

/**
 * The captured patches after a seq, in order. Read inside a transaction (patchesSince), or on its
 * own by the live layer right after a commit (one read-only statement: on PGlite one round trip
 * where BEGIN, the SELECT and COMMIT are three).
 */
export const PATCHES_SINCE_SQL = 'select seq, action_id, table_name, row_id, op, old_row, new_row from tandem_patches where seq > $1 order by seq';

export interface PatchRow {
  seq: number;
  action_id: string;
  table_name: string;
  row_id: string;
  op: PatchOp;
  old_row: Patch['oldRow'];
  new_row: Patch['newRow'];
}

/**
 * From this many rows on, a write that is no action switches the app's triggers off even when only
 * the capture triggers would fire: their per-row calls (which return at once for the bypass) then
 * cost more than what switching costs the engine (see each port's bypassCapture), measured at ~100.
 */
const BULK_ROWS = 100;

/**
 * Tandem's bookkeeping in one open transaction, written once for every engine: pending actions,
 * meta, patches, revert and the server's rows, on top of the engine's {@link TxPort} and its
 * {@link DialectSql}. Each method costs the statements its dialect's SQL takes, no more: the hot
 * paths (recordBatch, readMetaAndPending) stay one statement where the dialect allows.
 */
export class TandemTx<Columns> implements EngineTx {
  readonly #port: TxPort<Columns>;
  readonly #sql: DialectSql<Columns>;

  constructor(port: TxPort<Columns>, sql: DialectSql<Columns>) {
    this.#port = port;
    this.#sql = sql;
  }

  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#port.query<R>(sql, params);
  }

  savepoint<T>(fn: () => Promise<T>): Promise<T> {
    return this.#port.savepoint(fn);
  }

  async captureAs<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    assertActionId(actionId, 'captureAs');
    return this.#port.captureAs(actionId, fn);
  }

  async actionScope<T>(actionId: string, fn: () => Promise<T>): Promise<T> {
    assertActionId(actionId, 'actionScope');
    return this.#port.actionScope(actionId, fn);
  }

  async recordPending(actions: readonly PendingAction[]): Promise<void> {
    if (actions.length === 0) return;
    for (const { sql, params } of this.#sql.recordPending(actions)) await this.#port.run(sql, params);
  }

  async recordBatch(actions: readonly PendingAction[], afterSeq: number): Promise<{ tables: string[]; lastSeq: number; patches?: Patch[] }> {
    const combined = this.#sql.recordBatch;
    if (actions.length === 0 || !combined) {
      await this.recordPending(actions);
      return this.changedTablesSince(afterSeq);
    }
    const { sql, params } = combined(actions, afterSeq);
    return this.#sql.readChangedTables(await this.#port.query(sql, params), afterSeq);
  }

  async changedTablesSince(afterSeq: number): Promise<{ tables: string[]; lastSeq: number }> {
    return this.#sql.readChangedTables(await this.#port.query(this.#sql.changedTablesSql, [afterSeq]), afterSeq);
  }

  async patchesSince(afterSeq: number): Promise<{ seq: number; patch: Patch }[]> {
    return (await this.#port.query<PatchRow & Row>(PATCHES_SINCE_SQL, [afterSeq])).map(patchOf);
  }

  async lastPatchSeq(): Promise<number> {
    const [row] = await this.#port.query<{ seq: number }>('select coalesce(max(seq), 0) as seq from tandem_patches');
    return row?.seq ?? 0;
  }

  async revert(patches: readonly Patch[]): Promise<void> {
    if (patches.length === 0) return;
    const sql = this.#sql.revert;
    const columnsOf = this.#port.columnsReader();
    // Undoing patches restores rows; it is no new write for app triggers to react to.
    await this.#unobserved(new Set(patches.map((p) => p.table)), patches.length, async () => {
      for (let i = patches.length - 1; i >= 0; i--) {
        const patch = patches[i]!;
        let affected: number;
        if (patch.op === 'insert') {
          affected = await this.#port.run(sql.undoInsertSql(patch.table), [patch.rowId]);
        } else {
          const columns = await columnsOf(patch.table);
          const { sql: text, params } =
            patch.op === 'delete' ? sql.undoDelete(patch.table, columns, patch.oldRow) : sql.undoUpdate(patch.table, columns, patch.oldRow, patch.rowId);
          affected = await this.#port.run(text, params);
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
    const rows = await this.#port.query<PendingAction & Row>(
      `select seq, id, name, args, time from tandem_pending where seq > $1 order by seq${limit !== undefined ? ' limit $2' : ''}`,
      limit !== undefined ? [afterSeq, limit] : [afterSeq],
    );
    return rows.map(pendingAction);
  }

  async dropPending(throughSeq: number): Promise<void> {
    for (const sql of this.#sql.dropPendingSql) await this.#port.run(sql, [throughSeq]);
  }

  async clearPatches(): Promise<void> {
    await this.#port.exec('delete from tandem_patches');
  }

  /**
   * Applies the server's state with a constant number of statements per table, however many rows:
   * channels are replaced wholesale, then each row takes its LAST change (changes carry full rows,
   * so the last one is the row's state at the pull's version). Rows travel as one JSON array per
   * statement. Capture is bypassed: this is no action, and must not be refused.
   */
  async applyServerRows(rows: ServerRows): Promise<void> {
    if (rows.replaceChannels.length === 0 && rows.changes.length === 0) return;
    const sql = this.#sql.serverRows;
    const run = ({ sql: text, params }: { sql: string; params: readonly unknown[] }) => this.#port.run(text, params);
    const columnsOf = this.#port.columnsReader();
    const { tables, count } = serverRowsExtent(rows, BULK_ROWS);
    await this.#unobserved(tables, count, async () => {
      const fresh = await this.#freshTables(rows.replaceChannels);
      for (const [i, { table, column, channel, rows: channelRows }] of rows.replaceChannels.entries()) {
        // A snapshot's statements are bulk (~50 ms per 10k rows) and the engine's calls synchronous:
        // between them the worker handles what tabs sent meanwhile. A tab that opens during a first
        // sync then has its live query in place when the rows commit, instead of connecting only
        // after everything that follows the commit (the journal append of those rows: B10).
        if (i > 0) await nextTask();
        if (fresh.has(table)) {
          // Nothing to delete, and nothing to conflict with: the table was empty, a row lies in one
          // channel, and each channel comes once with ids unique (the server's primary key).
          if (channelRows.length > 0) await run(sql.insertRows(table, await columnsOf(table), channelRows));
          continue;
        }
        await this.#port.run(sql.deleteChannelSql(table, column), [channel]);
        if (channelRows.length > 0) await run(sql.upsertRows(table, await columnsOf(table), channelRows));
      }
      for (const [table, { deletes, upserts }] of finalRowStates(rows.changes)) {
        if (deletes.length > 0) await run(sql.deleteRows(table, deletes));
        if (upserts.length > 0) await run(sql.upsertRows(table, await columnsOf(table), upserts));
      }
    });
  }

  /**
   * The tables whose channels a pull replaces that are empty now, each channel named once: a new
   * client's first pull (B10), or a table's first rows. Their rows go in with plain inserts, no
   * delete and no conflict check per row (upserting 100k rows cost ~20% more than inserting them).
   */
  async #freshTables(replace: ServerRows['replaceChannels']): Promise<Set<string>> {
    const byTable = new Map<string, { channels: Set<string>; entries: number }>();
    for (const { table, channel } of replace) {
      const t = byTable.get(table) ?? { channels: new Set<string>(), entries: 0 };
      t.channels.add(channel);
      t.entries++;
      byTable.set(table, t);
    }
    const fresh = new Set<string>();
    for (const [table, { channels, entries }] of byTable) {
      if (channels.size !== entries) continue;
      if ((await this.#port.query(`select 1 as one from ${quoteIdent(table)} limit 1`)).length === 0) fresh.add(table);
    }
    return fresh;
  }

  async pendingChannels(channelColumns: Record<string, string>): Promise<string[]> {
    const rows = await this.#port.query<{ channel: unknown }>(this.#sql.pendingChannelsSql, [JSON.stringify(channelColumns)]);
    // SQLite's ->> gives numbers for numeric JSON, Postgres's gives text; channels are strings.
    return rows.map((r) => String(r.channel));
  }

  async readMeta<T>(key: string): Promise<T | undefined> {
    const [row] = await this.#port.query<{ value: T }>('select value from tandem_meta where key = $1', [key]);
    return row?.value ?? undefined;
  }

  async readMetaAndPending<T>(key: string): Promise<{ meta: T | undefined; pending: PendingAction[] }> {
    const [row] = await this.#port.query<{ meta: T | null; pending: PendingAction[] | string | null }>(this.#sql.metaAndPendingSql, [key]);
    // An aggregated JSON array comes parsed from Postgres (jsonb) and as text from SQLite.
    const pending = typeof row?.pending === 'string' ? (JSON.parse(row.pending) as PendingAction[]) : (row?.pending ?? []);
    return { meta: row?.meta ?? undefined, pending: pending.map(pendingAction) };
  }

  async writeMeta(key: string, value: unknown): Promise<void> {
    await this.#port.run(this.#sql.writeMetaSql, [key, JSON.stringify(value ?? null)]);
  }

  /**
   * Runs `fn`, which writes `rows` rows of `tables` and is no action, with capture bypassed; the
   * app's triggers go off too when the tables have any, or when the write is bulk.
   */
  async #unobserved<T>(tables: Iterable<string>, rows: number, fn: () => Promise<T>): Promise<T> {
    const triggersOff = rows >= BULK_ROWS || (await this.#port.firesOtherTriggers(tables));
    return this.#port.bypassCapture(triggersOff, fn);
  }
}

function assertActionId(actionId: string, method: string): void {
  if (typeof actionId !== 'string' || actionId === '') {
    throw new TandemError(ErrorKind.internal, `${method} needs a non-empty action id.`);
  }
}

/** A row of PATCHES_SINCE_SQL as a patch. */
export function patchOf(r: PatchRow): { seq: number; patch: Patch } {
  return { seq: r.seq, patch: { actionId: r.action_id, table: r.table_name, rowId: r.row_id, op: r.op, oldRow: r.old_row, newRow: r.new_row } };
}
