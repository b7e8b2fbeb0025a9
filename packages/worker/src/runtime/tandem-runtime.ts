import { defineActions, ErrorKind, TandemError, toErrorData, validateActionArgs } from '@tandem/core';
import type { ActionDefinitions, Change, ChannelCursor, DebugCounters, LiveMessage, PullResponse, PushAction, PushResponse, Rejection, RejectionMessage, Row, SyncStatusMessage, TandemConfig, TandemErrorData, WorkerStatus } from '@tandem/core';
import type { CreateEngine, Engine } from '../engine/engine.ts';
import { LiveQueryRegistry } from '../live/live-query-registry.ts';
import type { ActionRecord, JournalStore, SyncRecord } from '../store/journal-store.ts';
import { CURSORS_META_KEY, rebase } from '../actions/rebase.ts';
import type { Cursors } from '../actions/rebase.ts';
import type { PullState } from '../sync/sync-client.ts';
import { SyncClient } from '../sync/sync-client.ts';
import { createHttpTransport } from '../sync/sync-transport.ts';
import { executeAction } from '../actions/action-executor.ts';
import { Checkpointer } from '../actions/checkpointer.ts';
import { runtimeVersion, schemaVersion } from './config-version.ts';
import { Scheduler } from '../actions/scheduler.ts';
import { schemaFailed } from './schema-error.ts';
import { localOnlySyncStatus } from '../sync/sync-status.ts';

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

interface WriteItem {
  record: ActionRecord;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type TabSink = (message: LiveMessage | SyncStatusMessage | RejectionMessage) => void;

const REPLAY_CHUNK = 500;

/**
 * The local database runtime of one worker: engine + journal + actions + live queries.
 * Invariant: visible ⇒ durable. A batch's journal records are durable before its engine
 * transaction commits, and live queries and action promises see it only after that. The server's
 * changes are the exception: journaled right after they are visible (see #applyPullNow).
 */
export class TandemRuntime {
  readonly version: string;
  readonly clientId: string;
  readonly #engine: Engine;
  readonly #store: JournalStore;
  readonly #definitions: ActionDefinitions;
  readonly #live: LiveQueryRegistry;
  readonly #scheduler: Scheduler<WriteItem>;
  readonly #checkpointer: Checkpointer;
  readonly #tabs = new Map<string, TabSink>();
  readonly #schemaVersion: string;
  readonly #log: (message: string) => void;
  #clientSeq: number;
  /** Highest patch seq seen: the next batch's changed tables are the patches after it. */
  #patchSeq: number;
  /** The engine's sync cursors as of its last commit (only rebases move them). */
  #cursors: Cursors;
  /**
   * Actions committed this session and not yet acknowledged by the server, oldest first: pushes
   * read them here rather than from the engine. Complete for seqs above `#unpushedFloor` (actions
   * journaled by earlier sessions are only in the engine).
   */
  readonly #unpushed: PushAction[] = [];
  #unpushedFloor = Number.POSITIVE_INFINITY;
  #journalSeq: number;
  #lastCheckpointSeq: number;
  #lastError: TandemErrorData | null = null;
  #counters = { actionsRun: 0, batchesCommitted: 0, checkpoints: 0, pokesApplied: 0 };
  /** The engine holds server changes whose journal append failed, and no checkpoint has them yet. */
  #journalBehind = false;
  readonly #config: TandemConfig;
  #sync: SyncClient | null = null;
  /** Channels this client syncs (durable in the journal store's meta). */
  #channels: string[] = [];
  #syncToken: string | undefined;
  /** Channels the server refused to let this user read (not re-added automatically). */
  readonly #refusedChannels = new Set<string>();
  /** Kept in memory: the status line of every tab shows it after each write. */
  #pendingCount = 0;
  #closed = false;

  private constructor(init: {
    version: string;
    schemaVersion: string;
    clientId: string;
    engine: Engine;
    store: JournalStore;
    definitions: ActionDefinitions;
    clientSeq: number;
    patchSeq: number;
    cursors: Cursors;
    checkpointSeq: number;
    checkpointEvery: number;
    checkpointIdleMs: number;
    log: (message: string) => void;
    config: TandemConfig;
  }) {
    this.version = init.version;
    this.#config = init.config;
    this.#syncToken = init.config.sync?.token;
    this.#schemaVersion = init.schemaVersion;
    this.clientId = init.clientId;
    this.#engine = init.engine;
    this.#store = init.store;
    this.#definitions = init.definitions;
    this.#clientSeq = init.clientSeq;
    this.#patchSeq = init.patchSeq;
    this.#cursors = init.cursors;
    this.#journalSeq = init.checkpointSeq;
    this.#lastCheckpointSeq = init.checkpointSeq;
    this.#log = init.log;
    this.#live = new LiveQueryRegistry({
      query: (sql, params) => this.#engine.query(sql, params),
      tablesRead: (sql, params) => this.#engine.tablesRead(sql, params),
    });
    this.#scheduler = new Scheduler((batch) => this.#commitBatch(batch, true));
    this.#checkpointer = new Checkpointer({
      every: init.checkpointEvery,
      idleMs: init.checkpointIdleMs,
      run: () => this.checkpoint(),
      idleSince: () => (this.#scheduler.busy ? null : this.#scheduler.lastActivity),
    });
  }

  /** Start-up: newest checkpoint (or the empty image + schema), then replay the journal after it. */
  static async start(deps: RuntimeDeps): Promise<TandemRuntime> {
    const { config, store } = deps;
    const log = deps.log ?? (() => {});
    // Independent reads side by side: on a small database they are most of a cold start (B9b).
    const [version, schemaV, definitions, storedSchema, storedEngine, storedClientId, checkpoint] = await Promise.all([
      runtimeVersion(config),
      schemaVersion(config),
      loadDefinitions(deps.loadActions, config.actionsUrl),
      store.getMeta<string>('schemaVersion'),
      store.getMeta<string>('engine'),
      store.getMeta<string>('clientId'),
      store.latestCheckpoint(),
    ]);
    const engineName = config.engine ?? 'pglite';
    if (storedSchema !== undefined && storedEngine !== undefined && storedEngine !== engineName) {
      // Checkpoints are engine images: a PGlite data dir means nothing to SQLite and vice versa.
      throw new TandemError(
        ErrorKind.schemaError,
        `The local database "${config.name ?? 'tandem'}" was created with the ${storedEngine} engine, not ${engineName}. Open it with engine: '${storedEngine}', or give the ${engineName} database its own \`name\` (it starts empty and syncs from the server).`,
        { stored: storedEngine, given: engineName },
      );
    }
    if (storedSchema !== undefined && storedSchema !== schemaV) {
      throw new TandemError(
        ErrorKind.schemaError,
        `The local database "${config.name ?? 'tandem'}" was created with a different schema. Tandem cannot migrate local data yet: open it under a new \`name\` (its data starts empty) or clear this site's data.`,
        { stored: storedSchema, given: schemaV },
      );
    }
    const t0 = performance.now();
    const image = checkpoint?.image ?? (await deps.emptyImage?.().catch(() => undefined));
    const engine = await deps.createEngine(image ? { image } : {});
    const wanted = config.engine ?? 'pglite';
    if (engine.name !== wanted) {
      await engine.close();
      throw new TandemError(
        ErrorKind.invalidRequest,
        `config.engine is '${wanted}', but this Tandem worker was built with the ${engine.name} engine. Use a worker that offers '${wanted}' (the prebuilt tandem-worker.js offers both), or set engine: '${engine.name}'.`,
      );
    }
    if (!checkpoint) {
      try {
        await engine.exec(config.schema);
      } catch (error) {
        await engine.close();
        throw schemaFailed(engine.name, error);
      }
      await engine.installCapture(await engine.syncedTables());
    }
    // Recorded only once the engine runs this schema: a start that failed (missing wasm, a schema
    // error) must not tie the local database to that engine or schema, so a fixed config starts clean.
    let clientId = storedClientId;
    if (!clientId) {
      clientId = randomId();
      await store.setMeta('clientId', clientId);
    }
    if (storedSchema === undefined) await store.setMeta('schemaVersion', schemaV);
    if (storedEngine === undefined) await store.setMeta('engine', engineName);
    const { clientSeq, patchSeq, cursors } = await engine.transaction(async (tx) => ({
      clientSeq: Number((await tx.readMeta<number>('client_seq')) ?? 0),
      patchSeq: await tx.lastPatchSeq(),
      cursors: (await tx.readMeta<Cursors>(CURSORS_META_KEY)) ?? {},
    }));
    log(`engine ready from ${checkpoint ? `checkpoint @${checkpoint.seq}` : image ? 'empty image' : 'initdb'} in ${(performance.now() - t0).toFixed(0)} ms`);

    const runtime = new TandemRuntime({
      version,
      schemaVersion: schemaV,
      clientId,
      engine,
      store,
      definitions,
      clientSeq,
      patchSeq,
      cursors,
      checkpointSeq: checkpoint?.seq ?? 0,
      checkpointEvery: config.checkpointEvery ?? 500,
      checkpointIdleMs: deps.checkpointIdleMs ?? 1500,
      log,
      config,
    });
    await runtime.#replay(checkpoint?.seq ?? 0);
    runtime.#unpushedFloor = runtime.#clientSeq;
    runtime.#pendingCount = await runtime.#countPending();
    if (config.sync) {
      const stored = (await store.getMeta<string[]>('syncChannels')) ?? [];
      runtime.#channels = [...new Set([...stored, ...(config.sync.channels ?? [])])];
      if (runtime.#channels.length !== stored.length) await store.setMeta('syncChannels', runtime.#channels);
      runtime.#startSync(config.sync.url, deps.fetch);
    }
    return runtime;
  }

  async #replay(afterSeq: number): Promise<void> {
    const entries = await this.#store.readAfter(afterSeq);
    const voided = new Set<string>();
    for (const { record } of entries) if (record.kind === 'void') record.ids.forEach((id) => voided.add(id));
    const t0 = performance.now();
    for (let i = 0; i < entries.length; i += REPLAY_CHUNK) {
      const chunk = entries.slice(i, i + REPLAY_CHUNK);
      const items: WriteItem[] = [];
      for (const { record } of chunk) {
        if (record.kind === 'sync') {
          // In journal order: the actions before it first, then the same rebase as when it was pulled.
          await this.#commitBatch(items.splice(0), false);
          await this.#applyPullNow(record, false);
          continue;
        }
        if (record.kind !== 'action') continue;
        // New invocations must continue after every journaled one, or their ids would collide.
        this.#clientSeq = Math.max(this.#clientSeq, record.clientSeq);
        if (voided.has(record.id)) continue;
        items.push({
          record,
          resolve: () => {},
          reject: (error) => {
            // Actions are deterministic, so a journaled action failing on replay means one is not.
            this.#lastError = toErrorData(error);
            this.#log(`replay: action ${record.id} (${record.name}) failed: ${this.#lastError.message}`);
          },
        });
      }
      await this.#commitBatch(items, false);
      this.#journalSeq = chunk[chunk.length - 1]!.seq;
      this.#checkpointer.recordsSince += chunk.length;
    }
    if (entries.length) this.#log(`replayed ${entries.length} journal records in ${(performance.now() - t0).toFixed(0)} ms`);
  }

  /** Validates, queues and commits one action; resolves with its result once it is durable. */
  async run(name: string, args: unknown): Promise<unknown> {
    this.#assertOpen();
    const validArgs = await validateActionArgs(this.#definitions, name, args);
    const clientSeq = ++this.#clientSeq;
    const record: ActionRecord = { kind: 'action', id: `${this.clientId}-${clientSeq}`, clientSeq, name, args: validArgs, time: Date.now() };
    return new Promise((resolve, reject) => this.#scheduler.write({ record, resolve, reject }));
  }

  /**
   * One batch = one engine transaction + one journal transaction. The journal append starts with
   * the engine work (their costs overlap instead of adding up) and must be durable before the
   * engine commits; actions that failed meanwhile are voided in the journal first.
   */
  async #commitBatch(items: WriteItem[], journal: boolean): Promise<void> {
    if (items.length === 0) return;
    const accepted: { item: WriteItem; result: unknown }[] = [];
    const failed: { item: WriteItem; error: unknown }[] = [];
    let changed: string[] = [];
    let seqs: number[] = [];
    const engine = this.#engine;
    if (journal) {
      try {
        await this.#journalCaughtUp();
      } catch (error) {
        const data = toErrorData(error);
        this.#lastError = { kind: data.kind, message: `Could not journal: server changes the journal lacks could not be checkpointed either: ${data.message}` };
        for (const item of items) item.reject(this.#lastError);
        return;
      }
    }
    const appended = journal ? this.#store.append(items.map((i) => i.record)) : null;
    appended?.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    try {
      await engine.transaction(async (tx) => {
        for (const item of items) {
          try {
            accepted.push({ item, result: await executeAction(tx, engine.dialect, this.#definitions, item.record) });
          } catch (error) {
            failed.push({ item, error });
          }
        }
        if (accepted.length > 0) {
          const since = await tx.recordBatch(
            accepted.map(({ item: { record } }) => ({ seq: record.clientSeq, id: record.id, name: record.name, args: record.args, time: record.time })),
            this.#patchSeq,
          );
          changed = since.tables;
          this.#patchSeq = since.lastSeq;
        }
        if (appended) {
          seqs = await appended;
          if (failed.length > 0) seqs.push(...(await this.#store.append([{ kind: 'void', ids: failed.map((f) => f.item.record.id) }])));
        }
      });
    } catch (error) {
      const data = toErrorData(error);
      this.#lastError = { kind: data.kind, message: `Could not commit a batch of ${items.length} actions: ${data.message}` };
      for (const { item } of accepted) item.reject(this.#lastError);
      for (const { item, error: own } of failed) item.reject(own);
      return;
    }
    for (const { item, error } of failed) item.reject(error);
    if (journal) {
      this.#journalSeq = seqs[seqs.length - 1] ?? this.#journalSeq;
      this.#checkpointer.noteRecords(seqs.length);
    }
    if (accepted.length === 0) return;
    this.#counters.batchesCommitted++;
    this.#counters.actionsRun += accepted.length;
    this.#pendingCount += accepted.length;
    if (journal && this.#sync) {
      for (const { item: { record } } of accepted) this.#unpushed.push({ id: record.id, seq: record.clientSeq, name: record.name, args: (record.args ?? null) as PushAction['args'], time: record.time });
      // The batch is durable: its push may start while this device's live queries re-run.
      this.#sync.localChange();
    }
    await this.#publish(new Set(changed));
    for (const { item, result } of accepted) item.resolve(result);
  }

  async #publish(changed: ReadonlySet<string>): Promise<void> {
    const batches = await this.#live.afterCommit(changed);
    for (const [tabId, batch] of batches) {
      try {
        this.#tabs.get(tabId)?.({ tandem: 'live', batch });
      } catch (error) {
        this.#log(`could not post to tab ${tabId}: ${(error as Error).message}`);
      }
    }
  }

  /** A read that sees only durable state (it runs between batches). */
  query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    this.#assertOpen();
    return this.#scheduler.task(async () => {
      try {
        return await this.#engine.query(sql, params);
      } catch (error) {
        throw new TandemError(ErrorKind.queryFailed, `Query failed: ${(error as Error).message}`, { sql });
      }
    });
  }

  addTab(tabId: string, sink: TabSink): void {
    this.#tabs.set(tabId, sink);
  }

  /** Frees a tab's subscriptions (its Web Lock was released: the tab is gone). */
  dropTab(tabId: string): Promise<number> {
    return this.#scheduler.task(async () => {
      this.#tabs.delete(tabId);
      return this.#live.dropTab(tabId);
    });
  }

  subscribe(tabId: string, sql: string, params: readonly unknown[]): Promise<{ subId: string; rows: Row[] }> {
    this.#assertOpen();
    return this.#scheduler.task(() => this.#live.subscribe(tabId, sql, params));
  }

  unsubscribe(tabId: string, subId: string): Promise<void> {
    return this.#scheduler.task(async () => {
      this.#live.unsubscribe(subId, tabId);
    });
  }

  /** Snapshot the engine and trim the journal it covers. Serialised with writes. */
  checkpoint(): Promise<void> {
    return this.#scheduler.task(() => this.#checkpointNow(false));
  }

  /** `force`: also when no record came since the last one (the engine moved without the journal). */
  async #checkpointNow(force: boolean): Promise<void> {
    if (this.#closed || (!force && this.#journalSeq === this.#lastCheckpointSeq)) return;
    const seq = this.#journalSeq;
    const t0 = performance.now();
    const image = await this.#engine.snapshot();
    const dumped = performance.now();
    await this.#store.putCheckpoint({ seq, image, createdAt: Date.now(), version: this.#schemaVersion });
    this.#lastCheckpointSeq = seq;
    this.#checkpointer.recordsSince = 0;
    this.#counters.checkpoints++;
    // A separate transaction: a crash here leaves records ≤ seq, which replay skips.
    await this.#store.trimThrough(seq);
    this.#log(`checkpoint @${seq}: ${(image.size / 1e6).toFixed(1)} MB, dump ${(dumped - t0).toFixed(0)} ms, total ${(performance.now() - t0).toFixed(0)} ms`);
  }

  async status(): Promise<WorkerStatus> {
    const pendingActions = await this.#scheduler.task(() => this.#countPending());
    return {
      ready: !this.#closed,
      engine: this.#engine.name,
      clientId: this.clientId,
      version: this.version,
      pendingActions,
      journalRecords: this.#journalSeq - this.#lastCheckpointSeq,
      lastCheckpointSeq: this.#lastCheckpointSeq,
      tabs: this.#tabs.size,
      liveQueries: this.#live.queryCount,
      subscriptions: this.#live.subscriptionCount,
      lastError: this.#lastError,
      sync: this.#sync?.status() ?? localOnlySyncStatus(pendingActions),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Sync

  #startSync(url: string, fetchImpl?: typeof fetch): void {
    // Straight to the engine, not through the scheduler: the engine commits only what the
    // journal holds, so what it reads is durable, and a device's push need not wait for its own
    // live queries to re-run.
    const unpushed = async (afterSeq: number, limit: number): Promise<PushAction[]> => {
      const fresh = this.#unpushed;
      const acked = fresh.findIndex((a) => a.seq > afterSeq);
      fresh.splice(0, acked === -1 ? fresh.length : acked);
      if (afterSeq >= this.#unpushedFloor) return fresh.slice(0, limit);
      // Pending since an earlier session (replayed from the journal): only the engine has them.
      if (this.#pendingCount === 0) return [];
      const rows = await this.#engine.transaction((tx) => tx.pendingActions(afterSeq, limit));
      return rows.map((a) => ({ id: a.id, seq: a.seq, name: a.name, args: (a.args ?? null) as PushAction['args'], time: a.time }));
    };
    const pullState = async (): Promise<PullState> => {
      // Nothing pending (a device that only receives): no engine read at all.
      if (this.#pendingCount === 0) return { cursors: await this.#syncedCursors([]), lowestPending: undefined };
      const read = await this.#engine.transaction(async (tx) => ({
        lowest: (await tx.pendingActions(0, 1))[0]?.seq,
        written: await tx.pendingChannels(this.#config.channels ?? {}),
      }));
      return { cursors: await this.#syncedCursors(read.written), lowestPending: read.lowest };
    };
    const sync = new SyncClient({
      url,
      token: () => this.#syncToken,
      transport: createHttpTransport(url, () => this.#syncToken, fetchImpl ?? ((...args) => fetch(...args))),
      log: (m) => this.#log(m),
      onStatus: (status) => this.#broadcast({ tandem: 'sync', status }),
      onRejected: (rejections) => this.#broadcast({ tandem: 'rejected', rejections }),
      host: {
        clientId: this.clientId,
        channels: () => this.#channels,
        pendingCount: () => this.#pendingCount,
        unpushed,
        pullState,
        cursors: () => this.#syncedCursors([]),
        dropChannel: async (channel) => {
          this.#refusedChannels.add(channel);
          if (!this.#channels.includes(channel)) return;
          this.#channels = this.#channels.filter((c) => c !== channel);
          await this.#store.setMeta('syncChannels', this.#channels);
        },
        applyPull: (pull, channels) => this.#applyPull(pull, channels),
        applyPoke: (version, changes) => this.#applyPoke(version, changes),
        applyPushed: (response) => this.#applyPushed(response),
      },
    });
    this.#sync = sync;
    sync.start();
  }

  /**
   * The channels to sync with their cursors. A client syncs every channel it writes to: otherwise a
   * confirmed write to a channel it does not follow would vanish from its own view at the next rebase.
   */
  async #syncedCursors(written: string[]): Promise<ChannelCursor[]> {
    const cursors = this.#cursors;
    const added = written.filter((c) => !this.#channels.includes(c) && !this.#refusedChannels.has(c));
    if (added.length > 0) {
      this.#channels = [...this.#channels, ...added];
      await this.#store.setMeta('syncChannels', this.#channels);
      this.#log(`now syncing channel(s) ${added.join(', ')}: local actions wrote to them`);
    }
    return this.#channels.map((channel) => ({ channel, cursor: cursors[channel] ?? 0 }));
  }

  /** Rebases onto a pull, then journals it (see #applyPullNow). */
  async #applyPull(pull: PullResponse, channels: readonly string[]): Promise<Rejection[]> {
    const { rejected } = await this.#scheduler.task(() => this.#applyPullNow({ kind: 'sync', channels: [...channels], pull }, true));
    return rejected;
  }

  /** A poke's changes (commit `version` alone), applied like a pull when they follow on from the cursors. */
  #applyPoke(version: number, changes: Change[]): Promise<ChannelCursor[] | null> {
    // Our own actions settle through the push's answer (or the pull after it), which also confirms them.
    const own = `${this.clientId}-`;
    if (changes.some((c) => c.actionId.startsWith(own))) return Promise.resolve(null);
    return this.#applyCommit({ version, changes, snapshots: [], lastSeq: 0, rejected: [], more: false }).then((done) => {
      if (!done) return null;
      this.#counters.pokesApplied++;
      return this.#channels.map((channel) => ({ channel, cursor: done.cursors[channel] ?? 0 }));
    });
  }

  /**
   * The push's own commit, from its answer: confirms (or rolls back) the pushed actions like a pull
   * would, when it follows on from the cursors of every channel it touched.
   */
  async #applyPushed(response: PushResponse & { changes: Change[] }): Promise<Rejection[] | null> {
    const { version, changes, lastSeq, rejected } = response;
    return (await this.#applyCommit({ version, changes, snapshots: [], lastSeq, rejected, more: false }))?.rejected ?? null;
  }

  /**
   * One commit's changes (`commit.version` alone), rebased like a pull when every channel they touch
   * is synced and right below that version; null when not (the caller pulls instead).
   */
  #applyCommit(commit: PullResponse): Promise<{ rejected: Rejection[]; cursors: Cursors } | null> {
    const { version } = commit;
    const channels = [...new Set(commit.changes.map((c) => c.channel))];
    // A channel we do not sync (any more, or yet: a local action wrote to a new one) is for a pull.
    if (version < 2 || !channels.every((c) => this.#channels.includes(c))) return Promise.resolve(null);
    return this.#scheduler.task(async () => {
      // Checked before the rebase too (which checks again), so a commit that arrives out of turn
      // costs no engine transaction.
      if (!channels.every((c) => this.#cursors[c] === version - 1)) return null;
      const { applied, rejected, cursors } = await this.#applyPullNow({ kind: 'sync', channels, pull: commit, from: version - 1 }, true);
      return applied ? { rejected, cursors } : null;
    });
  }

  /**
   * Rebases onto the server's changes in one engine transaction, makes them visible, then journals
   * them. The server's changes are the one thing journaled after they are visible (local actions
   * are durable first): the server keeps them, so a crash in between costs a re-pull, never data,
   * and a remote edit reaches the tabs without waiting for IndexedDB (docs/decisions.md). Order
   * still holds: the record is durable before this scheduler task ends, so before anything
   * journaled after it.
   */
  async #applyPullNow(record: SyncRecord, journal: boolean): Promise<{ rejected: Rejection[]; applied: boolean; cursors: Cursors }> {
    if (journal) await this.#journalCaughtUp();
    const env = { dialect: this.#engine.dialect, definitions: this.#definitions, channelColumns: this.#config.channels ?? {} };
    let after = { patchSeq: this.#patchSeq, pending: this.#pendingCount };
    const result = await this.#engine.transaction(async (tx) => {
      // With nothing pending, the cached cursors are the engine's (this runtime writes them, and
      // reads them at start): the rebase need not read either.
      const idle = this.#pendingCount === 0 ? { cursors: this.#cursors } : undefined;
      const r = await rebase(tx, env, record.pull, record.channels, record.from, idle);
      // In the same transaction, and only when patches moved: round trips before the live update otherwise.
      after = { patchSeq: r.patchesChanged ? await tx.lastPatchSeq() : this.#patchSeq, pending: r.pending };
      return r;
    });
    this.#patchSeq = after.patchSeq;
    this.#pendingCount = after.pending;
    this.#cursors = result.cursors;
    try {
      for (const f of result.replayFailures) this.#log(`rebase: pending action ${f.id} failed on the server's state: ${f.message}`);
      if (result.changedTables.size > 0) await this.#publish(result.changedTables);
    } finally {
      // A poke that did not follow on from the cursors changed nothing: nothing to journal.
      if (journal && result.applied) await this.#journalServerChanges(record);
    }
    return result;
  }

  /** Journals a rebase that already committed; when that fails, a checkpoint must cover it instead. */
  async #journalServerChanges(record: SyncRecord): Promise<void> {
    try {
      const seqs = await this.#store.append([record]);
      this.#journalSeq = seqs[seqs.length - 1] ?? this.#journalSeq;
      // A pull can carry many rows: weigh it so a big one brings the next checkpoint closer.
      this.#checkpointer.noteRecords(1 + Math.floor((record.pull.changes.length + record.pull.snapshots.length * 100) / 100));
    } catch (error) {
      // Replay would now miss these changes while applying later records on top of them, so nothing
      // may be journaled until a checkpoint holds the engine's state.
      this.#journalBehind = true;
      this.#log(`could not journal the server's changes (${toErrorData(error).message}): checkpointing instead`);
      await this.#journalCaughtUp();
    }
  }

  /** Throws while the engine holds server changes that neither the journal nor a checkpoint has. */
  async #journalCaughtUp(): Promise<void> {
    if (!this.#journalBehind) return;
    await this.#checkpointNow(true);
    this.#journalBehind = false;
  }

  async #countPending(): Promise<number> {
    const rows = await this.#engine.query<{ n: number }>('select count(*) as n from tandem_pending');
    return Number(rows[0]?.n ?? 0);
  }

  #broadcast(message: SyncStatusMessage | RejectionMessage): void {
    for (const [tabId, sink] of this.#tabs) {
      try {
        sink(message);
      } catch (error) {
        this.#log(`could not post to tab ${tabId}: ${(error as Error).message}`);
      }
    }
  }

  /** Adds channels to sync; persisted, so they keep syncing after a restart. */
  async addChannels(channels: string[]): Promise<void> {
    this.#assertOpen();
    if (!this.#sync) throw new TandemError(ErrorKind.invalidRequest, 'This database is local-only: give openTandem() a `sync: { url }` config to sync channels.');
    const next = [...new Set([...this.#channels, ...channels])];
    if (next.length === this.#channels.length) return;
    await this.#store.setMeta('syncChannels', next);
    this.#channels = next;
    this.#sync.channelsChanged();
  }

  setSyncToken(token: string): void {
    this.#assertOpen();
    if (token === this.#syncToken) return; // every tab hands over the profile's token on open
    this.#syncToken = token;
    this.#sync?.tokenChanged();
  }

  syncNow(): Promise<void> {
    this.#assertOpen();
    if (!this.#sync) return Promise.reject(new TandemError(ErrorKind.invalidRequest, 'This database is local-only: there is no server to sync with.'));
    return this.#sync.syncNow();
  }

  debug(): DebugCounters {
    return { liveEvaluations: this.#live.evaluations(), ...this.#counters };
  }

  get actionNames(): string[] {
    return Object.keys(this.#definitions);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#sync?.stop();
    await this.#scheduler.idle();
    this.#closed = true;
    this.#checkpointer.stop();
    await this.#engine.close();
    this.#store.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new TandemError(ErrorKind.closed, 'This Tandem runtime is closed.');
  }
}

async function loadDefinitions(load: (url: string) => Promise<ActionDefinitions>, url: string): Promise<ActionDefinitions> {
  let defs: ActionDefinitions;
  try {
    defs = await load(url);
  } catch (error) {
    const data = toErrorData(error, ErrorKind.actionsModuleError);
    throw new TandemError(ErrorKind.actionsModuleError, `Could not load the actions module ${url}: ${data.message}`);
  }
  return defineActions(defs);
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}
