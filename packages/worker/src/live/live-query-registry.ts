import { computeRowDiff, diffState, ErrorKind, TandemError, toErrorData } from '@tandem/core';
import type { DiffState, LiveBatch, Row, RowDiff, TandemErrorData } from '@tandem/core';

/** What the registry needs from an engine: run a read, and say which tables it reads. */
export interface LiveQuerySource {
  query(sql: string, params: readonly unknown[]): Promise<Row[]>;
  tablesRead(sql: string, params: readonly unknown[]): Promise<string[]>;
}

interface LiveQuery {
  key: string;
  sql: string;
  params: readonly unknown[];
  tables: ReadonlySet<string>;
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
      try {
        tables = await this.#source.tablesRead(sql, params);
        rows = await this.#evaluate(sql, params);
      } catch (error) {
        throw liveQueryFailed(sql, error);
      }
      query = { key, sql, params, tables: new Set(tables), rows, state: diffState(rows), subs: new Set() };
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

  /**
   * Re-runs the queries that read any of `changedTables` and returns, per tab, the batch of diffs
   * to send. Queries whose result did not change produce nothing.
   */
  async afterCommit(changedTables: ReadonlySet<string>): Promise<Map<string, LiveBatch>> {
    const byTab = new Map<string, LiveBatch>();
    if (changedTables.size === 0) return byTab;
    const batchOf = (subId: string): LiveBatch => {
      const tabId = this.#subs.get(subId)!.tabId;
      let batch = byTab.get(tabId);
      if (!batch) byTab.set(tabId, (batch = { updates: [] }));
      return batch;
    };
    for (const query of this.#queries.values()) {
      if (!intersects(query.tables, changedTables)) continue;
      let diff: RowDiff;
      try {
        const rows = await this.#evaluate(query.sql, query.params);
        const state = diffState(rows);
        diff = computeRowDiff(query.state, state, rows);
        query.rows = rows;
        query.state = state;
      } catch (error) {
        // It keeps its last result (the diffs of a later success start from it); its tabs hear why.
        const data: TandemErrorData = toErrorData(liveQueryFailed(query.sql, error));
        for (const subId of query.subs) (batchOf(subId).errors ??= []).push({ subId, error: data });
        continue;
      }
      if (diff.length === 0) continue;
      for (const subId of query.subs) batchOf(subId).updates.push({ subId, diff });
    }
    return byTab;
  }

  async #evaluate(sql: string, params: readonly unknown[]): Promise<Row[]> {
    this.#evaluations.set(sql, (this.#evaluations.get(sql) ?? 0) + 1);
    return this.#source.query(sql, params);
  }
}

function liveQueryFailed(sql: string, error: unknown): TandemError {
  return new TandemError(ErrorKind.queryFailed, `Live query failed: ${(error as Error)?.message ?? String(error)}`, { sql });
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}
