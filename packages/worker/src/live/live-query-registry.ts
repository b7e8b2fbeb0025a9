import { computeRowDiff, diffState, ErrorKind, rowKeys, TandemError, toErrorData } from '@tandem/core';
import type { Dialect, DiffState, LiveBatch, Row, RowDiff, TandemErrorData } from '@tandem/core';
import type { CommitChanges } from '../actions/commit-changes.ts';
import { CHANGED_ROWS_MAX, changedRowsSql, isPlainFilter, mergeChangedRows } from './changed-rows.ts';
import type { MergedRows } from './changed-rows.ts';
import { columnKinds } from './column-kinds.ts';
import { analysePredicate } from './predicate.ts';
import { mayMatch } from './row-match.ts';
import type { BoundConjunct, ColumnKind } from './row-match.ts';

/** What the registry needs from an engine: run a read, and say which tables it reads. */
export interface LiveQuerySource {
  query(sql: string, params: readonly unknown[]): Promise<Row[]>;
  tablesRead(sql: string, params: readonly unknown[]): Promise<string[]>;
  /** For predicate-level invalidation: the engine's dialect and its own (catalogue-reading) query. */
  catalogue?: { dialect: Dialect; query(sql: string, params: unknown[]): Promise<Row[]> };
}

/** Tabs whose batches go out first (the ones that wrote): `posted` gets them once their queries re-ran. */
export interface FirstTabs {
  tabs: ReadonlySet<string>;
  posted: (batches: Map<string, LiveBatch>) => void;
}

/** A query that reads one table through AND-ed equalities: it re-runs only when a written row may meet them. */
interface RowFilter {
  table: string;
  conjuncts: BoundConjunct[];
}

interface LiveQuery {
  key: string;
  sql: string;
  params: readonly unknown[];
  tables: ReadonlySet<string>;
  /** null: re-run on every write to one of `tables` (table level). */
  filter: RowFilter | null;
  /** A plain filter (changed-rows.ts): a commit's rows are read back and merged instead of a re-run. */
  plain: boolean;
  rows: Row[];
  state: DiffState;
  subs: Set<string>;
}

interface Subscription {
  subId: string;
  tabId: string;
  query: LiveQuery;
}

/**
 * One registry for all tabs: subscriptions to the same (sql, params) share one evaluation. After a
 * commit, only the queries reading a changed table re-run, and each tab gets the diffs of all its
 * affected subscriptions in one batch, so it never renders a state that did not exist.
 */
export class LiveQueryRegistry {
  readonly #source: LiveQuerySource;
  readonly #queries = new Map<string, LiveQuery>();
  readonly #subs = new Map<string, Subscription>();
  readonly #evaluations = new Map<string, number>();
  readonly #kinds = new Map<string, Promise<Map<string, ColumnKind>>>();
  #nextSub = 0;

  constructor(source: LiveQuerySource) {
    this.#source = source;
  }

  get queryCount(): number {
    return this.#queries.size;
  }

  get subscriptionCount(): number {
    return this.#subs.size;
  }

  /** Evaluations per SQL text since start, for tests and benchmarks (unaffected queries must not re-run). */
  evaluations(): Record<string, number> {
    return Object.fromEntries(this.#evaluations);
  }

  async subscribe(tabId: string, sql: string, params: readonly unknown[]): Promise<{ subId: string; rows: Row[] }> {
    const key = `${sql}\u0000${JSON.stringify(params, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
    let query = this.#queries.get(key);
    if (!query) {
      let tables: string[];
      let rows: Row[];
      let filter: RowFilter | null;
      try {
        tables = await this.#source.tablesRead(sql, params);
        filter = await this.#rowFilter(sql, params, tables);
        rows = await this.#evaluate(sql, params);
      } catch (error) {
        throw liveQueryFailed(sql, error);
      }
      const plain = filter !== null && isPlainFilter(sql);
      query = { key, sql, params, tables: new Set(tables), filter, plain, rows, state: diffState(rows), subs: new Set() };
      this.#queries.set(key, query);
    }
    const subId = `s${++this.#nextSub}`;
    query.subs.add(subId);
    this.#subs.set(subId, { subId, tabId, query });
    return { subId, rows: query.rows };
  }

  /** Returns false when the subscription did not exist (already gone). */
  unsubscribe(subId: string, tabId?: string): boolean {
    const sub = this.#subs.get(subId);
    if (!sub || (tabId !== undefined && sub.tabId !== tabId)) return false;
    this.#subs.delete(subId);
    sub.query.subs.delete(subId);
    if (sub.query.subs.size === 0) this.#queries.delete(sub.query.key);
    return true;
  }

  /** Frees every subscription of a tab that went away; returns how many. */
  dropTab(tabId: string): number {
    let n = 0;
    for (const sub of [...this.#subs.values()]) {
      if (sub.tabId === tabId && this.unsubscribe(sub.subId)) n++;
    }
    return n;
  }

  /** Queries judged by their rows since start (the rest are table level), for tests. */
  get filteredCount(): number {
    let n = 0;
    for (const q of this.#queries.values()) if (q.filter) n++;
    return n;
  }

  /**
   * Re-runs the queries that the commit may have changed and returns, per tab, the batch of diffs
   * to send. A query reads a changed table; when it has a row filter and the commit's patches cover
   * its table, it re-runs only if one of their old or new rows may meet the filter (a row moving
   * into or out of its WHERE clause). Queries whose result did not change produce nothing.
   */
  async afterCommit(changes: CommitChanges, first?: FirstTabs): Promise<Map<string, LiveBatch>> {
    const byTab = new Map<string, LiveBatch>();
    if (changes.tables.size === 0) {
      first?.posted(byTab);
      return byTab;
    }
    const candidates = [...this.#queries.values()].filter((q) => intersects(q.tables, changes.tables));
    const rows = new CommitRows(changes);
    if (!first) {
      await this.#rerun(await narrow(candidates, rows), byTab, rows);
      return byTab;
    }
    // The writing tabs' queries first: their batches go out (and the action resolves) before the
    // other tabs' queries re-run. Every batch still comes from this one pass over one commit. A
    // writing tab with no query on the changed tables resolves before any row is read.
    const mine = (q: LiveQuery) => [...q.subs].some((subId) => first.tabs.has(this.#subs.get(subId)?.tabId ?? ''));
    await this.#rerun(await narrow(candidates.filter(mine), rows), byTab, rows);
    const firstBatches = new Map<string, LiveBatch>();
    for (const tabId of first.tabs) {
      const batch = byTab.get(tabId);
      if (batch) firstBatches.set(tabId, batch);
      byTab.delete(tabId);
    }
    first.posted(firstBatches);
    const others = candidates.filter((q) => !mine(q));
    // Let the resolved actions' replies leave first: the engine's calls are synchronous wasm that
    // would otherwise run in the same microtask flood, ahead of the reply's postMessage.
    if (others.length > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    await this.#rerun(await narrow(others, rows), byTab, rows);
    return byTab;
  }

  async #rerun(queries: readonly LiveQuery[], byTab: Map<string, LiveBatch>, commit: CommitRows): Promise<void> {
    const batchOf = (subId: string): LiveBatch => {
      const tabId = this.#subs.get(subId)!.tabId;
      let batch = byTab.get(tabId);
      if (!batch) byTab.set(tabId, (batch = { updates: [] }));
      return batch;
    };
    for (const query of queries) {
      let diff: RowDiff;
      try {
        const merged = query.plain ? await this.#readChanged(query, commit) : null;
        if (merged) {
          diff = merged.diff;
          query.rows = merged.rows;
          query.state = merged.state;
        } else {
          const rows = await this.#evaluate(query.sql, query.params);
          const state = diffState(rows);
          diff = computeRowDiff(query.state, state, rows);
          query.rows = rows;
          query.state = state;
        }
      } catch (error) {
        // It keeps its last result (the diffs of a later success start from it); its tabs hear why.
        const data: TandemErrorData = toErrorData(liveQueryFailed(query.sql, error));
        for (const subId of query.subs) (batchOf(subId).errors ??= []).push({ subId, error: data });
        continue;
      }
      if (diff.length === 0) continue;
      for (const subId of query.subs) batchOf(subId).updates.push({ subId, diff });
    }
  }

  /**
   * A plain filter's new result from the commit's rows: the written rows that may meet its WHERE
   * clause are read again through the query (by id) and merged into its last result. Null when
   * the commit offers no rows for its table, or too many: then it re-runs.
   */
  async #readChanged(query: LiveQuery, commit: CommitRows): Promise<MergedRows | null> {
    const f = query.filter!;
    const written = (await commit.get())?.get(f.table);
    if (!written) return null;
    const ids = new Set<string>();
    for (const row of written) {
      // Rows neither old nor new could meet: not in the result before, not after.
      if (!row || !mayMatch(row, f.conjuncts)) continue;
      if (typeof row.id !== 'string') return null;
      ids.add(row.id);
    }
    if (ids.size === 0 || ids.size > CHANGED_ROWS_MAX) return null;
    const dialect = this.#source.catalogue?.dialect;
    if (!dialect) return null;
    let fresh: Row[];
    try {
      fresh = await this.#evaluate(query.sql, query.params, changedRowsSql(query.sql, dialect, query.params.length, ids.size), [...ids]);
    } catch {
      // Whatever the engine refused in the wrapped text, the query itself re-runs (and reports its own error).
      return null;
    }
    const changed = new Set(rowKeys([...ids].map((id) => ({ id }))));
    return mergeChangedRows(query.rows, query.state, changed, fresh);
  }

  /** Analysed once per query: null (table level) unless the shape, the table and its column types all allow it. */
  async #rowFilter(sql: string, params: readonly unknown[], tables: readonly string[]): Promise<RowFilter | null> {
    const catalogue = this.#source.catalogue;
    if (!catalogue || tables.length !== 1) return null;
    const predicate = analysePredicate(sql, params);
    // The engine's plan must read exactly the table named in FROM (not a view over it, not another one).
    if (!predicate || predicate.table.toLowerCase() !== tables[0]!.toLowerCase()) return null;
    const table = tables[0]!;
    // Per table, once: the schema does not change under a running registry (migrations run before
    // it starts; a new version starts a new runtime).
    let pending = this.#kinds.get(table);
    if (!pending) {
      pending = columnKinds(catalogue.dialect, table, (q, p) => catalogue.query(q, p));
      this.#kinds.set(table, pending);
      pending.catch(() => this.#kinds.delete(table));
    }
    const kinds = await pending;
    if (kinds.size === 0) return null;
    const conjuncts: BoundConjunct[] = predicate.conjuncts.map((c) => {
      let kind = kinds.get(c.column);
      if (kind === undefined && !c.quoted) {
        const matches = [...kinds].filter(([name]) => name.toLowerCase() === c.column);
        kind = matches.length === 1 ? matches[0]![1] : undefined;
      }
      return { ...c, kind: kind ?? 'other' };
    });
    // Nothing any conjunct can judge: no point in loading rows for it.
    if (conjuncts.every((c) => c.kind === 'other')) return null;
    return { table, conjuncts };
  }

  /** Counted under the query's own text also when `run` (its changed rows) is what goes to the engine. */
  async #evaluate(sql: string, params: readonly unknown[], run = sql, more: readonly unknown[] = []): Promise<Row[]> {
    this.#evaluations.set(sql, (this.#evaluations.get(sql) ?? 0) + 1);
    return this.#source.query(run, more.length > 0 ? [...params, ...more] : params);
  }
}

/** The commit's old and new rows per table, read at most once, and only when a filtered query needs them. */
class CommitRows {
  readonly #changes: CommitChanges;
  #byTable: Promise<Map<string, (Row | null)[]> | null> | null = null;

  constructor(changes: CommitChanges) {
    this.#changes = changes;
  }

  /** null: the commit offers no rows, or they could not be read (table level for every query). */
  get(): Promise<Map<string, (Row | null)[]> | null> {
    const load = this.#changes.patches;
    if (!load) return Promise.resolve(null);
    return (this.#byTable ??= load().then(
      (patches) => {
        const byTable = new Map<string, (Row | null)[]>();
        for (const p of patches) {
          let list = byTable.get(p.table);
          if (!list) byTable.set(p.table, (list = []));
          // Old and new: a row leaving the WHERE clause changes the result as one entering it does.
          list.push(p.oldRow, p.newRow);
        }
        return byTable;
      },
      () => null,
    ));
  }
}

/** The candidates (reading a changed table) that may have changed: all but filtered ones no written row may meet. */
async function narrow(candidates: LiveQuery[], commit: CommitRows): Promise<LiveQuery[]> {
  if (!candidates.some((q) => q.filter)) return candidates;
  const rowsByTable = await commit.get();
  if (!rowsByTable) return candidates;
  return candidates.filter((q) => {
    const f = q.filter;
    if (!f) return true;
    // A changed table with no patch was written without capture: only table level is safe for it.
    const rows = rowsByTable.get(f.table);
    if (!rows) return true;
    return rows.some((row) => mayMatch(row, f.conjuncts));
  });
}

function liveQueryFailed(sql: string, error: unknown): TandemError {
  return new TandemError(ErrorKind.queryFailed, `Live query failed: ${(error as Error)?.message ?? String(error)}`, { sql });
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}
