import { ErrorKind, TandemError, validateActionArgs } from '@tandem/core';
import type { ActionDefinitions, DebugCounters, Row, TandemConfig, WorkerStatus } from '@tandem/core';
import { Ledger, readLedgerState } from '../actions/ledger.ts';
import type { CreateEngine } from '../engine/engine.ts';
import { LiveQueryRegistry } from '../live/live-query-registry.ts';
import { TabFanout } from '../live/tab-fanout.ts';
import type { TabSink } from '../live/tab-fanout.ts';
import type { JournalStore } from '../store/journal-store.ts';
import { localOnlySyncStatus } from '../sync/sync-status.ts';
import { WorkerSync } from '../sync/worker-sync.ts';
import { legacySchemaVersion as schemaVersion, runtimeVersion } from './config-version.ts';
import { checkStoredDatabase, loadDefinitions, openEngine, recordIdentity } from './start-up.ts';

export interface RuntimeDeps {
  config: TandemConfig;
  store: JournalStore;
  createEngine: CreateEngine;
  /** Loads the app's action definitions (the generic worker imports `config.actionsUrl`). */
  loadActions: (url: string) => Promise<ActionDefinitions>;
  /** The shipped pre-initialised empty database, so a first visit skips initdb. */
  emptyImage?: () => Promise<Blob | undefined>;
  /** Overrides for tests and benchmarks. */
  checkpointIdleMs?: number;
  fetch?: typeof fetch;
  log?: (message: string) => void;
}

/**
 * The local database runtime of one worker, as its tabs see it: a facade over the ledger (every
 * change in order, durably: actions/), the live queries and tabs (live/) and the sync (sync/).
 */
export class TandemRuntime {
  readonly version: string;
  readonly clientId: string;
  readonly #ledger: Ledger;
  readonly #definitions: ActionDefinitions;
  readonly #live: LiveQueryRegistry;
  readonly #tabs: TabFanout;
  #sync: WorkerSync | null = null;

  private constructor(init: { version: string; clientId: string; definitions: ActionDefinitions; ledger: Ledger; live: LiveQueryRegistry; tabs: TabFanout }) {
    this.version = init.version;
    this.clientId = init.clientId;
    this.#definitions = init.definitions;
    this.#ledger = init.ledger;
    this.#live = init.live;
    this.#tabs = init.tabs;
  }

  /** Start-up: newest checkpoint (or the empty image + schema), then replay the journal after it. */
  static async start(deps: RuntimeDeps): Promise<TandemRuntime> {
    const { config, store } = deps;
    const log = deps.log ?? (() => {});
    // Independent reads side by side: on a small database they are most of a cold start (B9b).
    const [version, schemaV, definitions, storedSchema, storedEngine, storedClientId, checkpoint] = await Promise.all([
      runtimeVersion(config, config.actionsUrl),
      schemaVersion(config),
      loadDefinitions(deps.loadActions, config.actionsUrl),
      store.getMeta<string>('schemaVersion'),
      store.getMeta<string>('engine'),
      store.getMeta<string>('clientId'),
      store.latestCheckpoint(),
    ]);
    const stored = { schemaVersion: storedSchema, engine: storedEngine, clientId: storedClientId };
    checkStoredDatabase(config, stored, schemaV);
    const t0 = performance.now();
    const { engine, from } = await openEngine(config, deps, checkpoint);
    const clientId = await recordIdentity(store, stored, schemaV, config.engine ?? 'pglite');
    const ledgerState = await readLedgerState(engine);
    log(`engine ready from ${from} in ${(performance.now() - t0).toFixed(0)} ms`);

    const live = new LiveQueryRegistry({
      query: (sql, params) => engine.query(sql, params),
      tablesRead: (sql, params) => engine.tablesRead(sql, params),
    });
    const tabs = new TabFanout(live, log);
    const ledger = new Ledger({
      ...ledgerState,
      engine,
      store,
      definitions,
      channelColumns: config.channels ?? {},
      clientId,
      schemaVersion: schemaV,
      checkpointSeq: checkpoint?.seq ?? 0,
      checkpointEvery: config.checkpointEvery ?? 500,
      checkpointIdleMs: deps.checkpointIdleMs ?? 1500,
      publish: (changed) => tabs.publish(changed),
      log,
    });
    const runtime = new TandemRuntime({ version, clientId, definitions, ledger, live, tabs });
    await ledger.replay(checkpoint?.seq ?? 0);
    if (config.sync) {
      runtime.#sync = await WorkerSync.start({
        url: config.sync.url,
        clientId,
        ledger,
        store,
        tabs,
        channels: config.sync.channels ?? [],
        channelColumns: config.channels ?? {},
        token: config.sync.token,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        log,
      });
    }
    return runtime;
  }

  /** Validates, queues and commits one action; resolves with its result once it is durable. */
  async run(name: string, args: unknown): Promise<unknown> {
    this.#assertOpen();
    const validArgs = await validateActionArgs(this.#definitions, name, args);
    return this.#ledger.submit(name, validArgs);
  }

  /** A read that sees only durable state (it runs between batches). */
  query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    this.#assertOpen();
    return this.#ledger.task(async () => {
      try {
        return await this.#ledger.engine.query(sql, params);
      } catch (error) {
        throw new TandemError(ErrorKind.queryFailed, `Query failed: ${(error as Error).message}`, { sql });
      }
    });
  }

  addTab(tabId: string, sink: TabSink): void {
    this.#tabs.add(tabId, sink);
  }

  /** Frees a tab's subscriptions (its Web Lock was released: the tab is gone). */
  dropTab(tabId: string): Promise<number> {
    return this.#ledger.task(async () => this.#tabs.drop(tabId));
  }

  subscribe(tabId: string, sql: string, params: readonly unknown[]): Promise<{ subId: string; rows: Row[] }> {
    this.#assertOpen();
    return this.#ledger.task(() => this.#live.subscribe(tabId, sql, params));
  }

  unsubscribe(tabId: string, subId: string): Promise<void> {
    return this.#ledger.task(async () => {
      this.#live.unsubscribe(subId, tabId);
    });
  }

  /** Snapshot the engine and trim the journal it covers. Serialised with writes. */
  checkpoint(): Promise<void> {
    return this.#ledger.checkpoint();
  }

  async status(): Promise<WorkerStatus> {
    const ledger = this.#ledger;
    const pendingActions = await ledger.task(() => ledger.countPending());
    return {
      ready: !ledger.closed,
      engine: ledger.engine.name,
      clientId: this.clientId,
      version: this.version,
      schemaVersion: 0,
      pendingActions,
      journalRecords: ledger.journalSeq - ledger.lastCheckpointSeq,
      lastCheckpointSeq: ledger.lastCheckpointSeq,
      tabs: this.#tabs.size,
      liveQueries: this.#live.queryCount,
      subscriptions: this.#live.subscriptionCount,
      lastError: ledger.lastError,
      sync: this.#sync?.status() ?? localOnlySyncStatus(pendingActions),
    };
  }

  /** Adds channels to sync; persisted, so they keep syncing after a restart. */
  async addChannels(channels: string[]): Promise<void> {
    this.#assertOpen();
    if (!this.#sync) throw new TandemError(ErrorKind.invalidRequest, 'This database is local-only: give openTandem() a `sync: { url }` config to sync channels.');
    await this.#sync.addChannels(channels);
  }

  setSyncToken(token: string): void {
    this.#assertOpen();
    this.#sync?.setToken(token);
  }

  syncNow(): Promise<void> {
    this.#assertOpen();
    if (!this.#sync) return Promise.reject(new TandemError(ErrorKind.invalidRequest, 'This database is local-only: there is no server to sync with.'));
    return this.#sync.syncNow();
  }

  debug(): DebugCounters {
    return { liveEvaluations: this.#live.evaluations(), ...this.#ledger.counters, pokesApplied: this.#sync?.pokesApplied ?? 0 };
  }

  get actionNames(): string[] {
    return Object.keys(this.#definitions);
  }

  async close(): Promise<void> {
    if (this.#ledger.closed) return;
    this.#sync?.stop();
    await this.#ledger.close();
  }

  #assertOpen(): void {
    if (this.#ledger.closed) throw new TandemError(ErrorKind.closed, 'This Tandem runtime is closed.');
  }
}
