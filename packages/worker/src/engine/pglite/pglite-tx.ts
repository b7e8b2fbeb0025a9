import type { Transaction } from '@electric-sql/pglite';
import { ErrorKind, TandemError } from '@tandem/core';
import type { Patch, PatchOp, Row } from '@tandem/core';
import type { EngineTx, PendingAction } from '../engine.ts';
import { deleteRowSql, reinsertRowSql, restoreRowSql, WRITABLE_COLUMNS_SQL } from './revert-sql.ts';
import { quoteIdent } from './quote-ident.ts';

interface PatchRow {
  seq: number;
  action_id: string;
  table_name: string;
  row_id: string;
  op: PatchOp;
  old_row: Patch['oldRow'];
  new_row: Patch['newRow'];
}

/** One open PGlite transaction as the runtime sees it. Lives only inside Engine.transaction. */
export class PgliteTx implements EngineTx {
  readonly #tx: Transaction;
  #savepoints = 0;
  // The action being captured, restored when a nested captureAs ends.
  #actionId = '';

  constructor(tx: Transaction) {
    this.#tx = tx;
  }

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.#tx.query<R>(sql, [...params])).rows;
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
    await this.#tx.exec(`savepoint ${name}${onEnter}`);
    try {
      const result = await fn();
      // RELEASE fails when fn swallowed a database error; the catch then undoes the scope.
      await this.#tx.exec(`release savepoint ${name}${onRelease}`);
      return result;
    } catch (error) {
      try {
        // Rolling back to the savepoint also undoes settings made after it (the capture id).
        await this.#tx.exec(`rollback to savepoint ${name}; release savepoint ${name}`);
      } catch {
        // The transaction is beyond saving; the original error says why, and the enclosing
        // transaction() rolls everything back when it propagates.
      }
      throw error;
    }
  }

  async recordPending(actions: readonly PendingAction[]): Promise<void> {
    if (actions.length === 0) return;
    await this.#tx.query(
      `with pending as (
         insert into tandem_pending (seq, id, name, args, time)
         select seq, id, name, args, time from jsonb_to_recordset($1::jsonb) as x(seq bigint, id text, name text, args jsonb, time bigint)
       )
       insert into tandem_meta (key, value) values ('client_seq', to_jsonb($2::bigint))
       on conflict (key) do update set value = excluded.value`,
      [JSON.stringify(actions.map((a) => ({ ...a, args: a.args ?? null }))), Math.max(...actions.map((a) => a.seq))],
    );
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
    const columns = new Map<string, { insert: string[]; update: string[] }>();
    const columnsOf = async (table: string): Promise<{ insert: string[]; update: string[] }> => {
      let cols = columns.get(table);
      if (!cols) {
        const rows = await this.query<{ name: string; alwaysIdentity: boolean }>(WRITABLE_COLUMNS_SQL, [quoteIdent(table)]);
        cols = { insert: rows.map((r) => r.name), update: rows.filter((r) => !r.alwaysIdentity).map((r) => r.name) };
        columns.set(table, cols);
      }
      return cols;
    };

    await this.#setLocal('tandem.bypass', 'on');
    let succeeded = false;
    try {
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
      succeeded = true;
    } finally {
      try {
        await this.#setLocal('tandem.bypass', 'off');
      } catch (error) {
        if (succeeded) throw error;
      }
    }
  }

  async #affected(sql: string, params: unknown[]): Promise<number> {
    return (await this.#tx.query(sql, params)).affectedRows ?? 0;
  }

  async #setLocal(name: string, value: string): Promise<void> {
    await this.#tx.query('select set_config($1, $2, true)', [name, value]);
  }
}

/** A SQL string literal; standard_conforming_strings is on, so only quotes need doubling. */
function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new TandemError(ErrorKind.internal, 'A SQL literal cannot contain NUL.');
  return `'${value.replaceAll("'", "''")}'`;
}
