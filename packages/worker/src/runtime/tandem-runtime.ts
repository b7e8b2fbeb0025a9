import { ErrorKind, schemaIdentity, SYNC_LIMITS, TandemError, validateActionArgs } from '@tandem/core';
import type { ActionDefinitions, DebugCounters, EngineName, JsonValue, PendingActionInfo, Row, SignOutResult, TandemConfig, WorkerStatus } from '@tandem/core';
import { Ledger, readLedgerState } from '../actions/ledger.ts';
import type { CreateEngine } from '../engine/engine.ts';
import { LiveQueryRegistry } from '../live/live-query-registry.ts';
import { TabFanout } from '../live/tab-fanout.ts';
import type { TabSink } from '../live/tab-fanout.ts';
import type { JournalStore } from '../store/journal-store.ts';
import { RejectionList } from '../store/rejection-list.ts';
import { localOnlySyncStatus } from '../sync/sync-status.ts';
import { UserSession } from '../sync/user-session.ts';
import { startEarlyPull } from '../sync/early-pull.ts';
import { WorkerSync } from '../sync/worker-sync.ts';
import type { ActionsModule } from './config-version.ts';
import { definitionsDigest, runtimeVersion } from './config-version.ts';
import { parseAcknowledgedIds } from './acknowledge.ts';
import { PersistedProbe } from './persisted-probe.ts';
import { checkStoredEngine, loadActionsModule, newClientId, openLocalDatabase, recordIdentity } from './start-up.ts';

export interface RuntimeDeps {
  config: TandemConfig;
  store: JournalStore;
  createEngine: CreateEngine;
  /**
   * Loads the app's actions module (the generic worker imports `config.actionsUrl`): its actions
   * and migrations, or (as before migrations existed) the action definitions alone.
   */
  loadActions: (url: string) => Promise<ActionDefinitions | ActionsModule>;
  /**
   * A hash of the actions module's text (the host fetches it), part of `version`: new code at the
   * same URL is a new version. Default: a digest of the loaded actions' and migrations' code.
   */
  actionsDigest?: string;
  /** The shipped pre-initialised empty database, so a first visit skips initdb. */
  emptyImage?: () => Promise<Blob | undefined>;
  /** Where this runtime runs, as `status().host` reports it. Default 'shared-worker'. */
  host?: WorkerStatus['host'];
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
  /** The local database's schema version: the number of migrations it has run (this code's). */
  readonly schemaVersion: number;
  readonly clientId: string;
  readonly #ledger: Ledger;
  readonly #definitions: ActionDefinitions;
  readonly #live: LiveQueryRegistry;
  readonly #tabs: TabFanout;
  readonly #rejections: RejectionList;
  readonly #log: (message: string) => void;
  readonly #host: WorkerStatus['host'];
  readonly #durability: 'relaxed' | 'strict';
  readonly #persisted = new PersistedProbe();
  readonly #session: UserSession;
  /** The local database's name (`config.name`). */
  readonly name: string;
  #sync: WorkerSync | null = null;
  /** Set by retire(): the version that took over, which every call from then on names. */
  #retiredFor: { version: string; schemaVersion: number } | null = null;
  #retiring: Promise<void> | null = null;
  /** Set by wipe(): the local database is being deleted; every call is refused. */
  #wiped = false;
  /** Calls to run() accepted but not yet queued (validating their args): retire waits for them. */
  readonly #accepted = new Set<Promise<unknown>>();

  private constructor(init: {
    version: string;
    schemaVersion: number;
    clientId: string;
    definitions: ActionDefinitions;
    ledger: Ledger;
    live: LiveQueryRegistry;
    tabs: TabFanout;
    rejections: RejectionList;
    session: UserSession;
    name: string;
    log: (message: string) => void;
    host: WorkerStatus['host'];
    durability: 'relaxed' | 'strict';
  }) {
    this.#session = init.session;
    this.name = init.name;
    this.version = init.version;
    this.schemaVersion = init.schemaVersion;
    this.clientId = init.clientId;
    this.#definitions = init.definitions;
    this.#ledger = init.ledger;
    this.#live = init.live;
    this.#tabs = init.tabs;
    this.#rejections = init.rejections;
    this.#log = init.log;
    this.#host = init.host;
    this.#durability = init.durability;
  }

  /**
   * Start-up: newest checkpoint (or the empty image + schema + steps), migrated when the code has
   * more steps than the database ran, then replay of the journal after it.
   */
  static async start(deps: RuntimeDeps): Promise<TandemRuntime> {
    const { config, store } = deps;
    const log = deps.log ?? (() => {});
    // Independent reads side by side: on a small database they are most of a cold start (B9b).
    const latestCheckpoint = store.latestCheckpoint();
    // A new database starts from the empty image: its download overlaps the other reads.
    const emptyImage = deps.emptyImage && prefetchedUnless(latestCheckpoint, deps.emptyImage);
    const [module, legacySchema, storedEngine, storedClientId, checkpoint, rejections, session] = await Promise.all([
      loadActionsModule(deps.loadActions, config.actionsUrl),
      store.getMeta<string>('schemaVersion'),
      store.getMeta<string>('engine'),
      store.getMeta<string>('clientId'),
      latestCheckpoint,
      RejectionList.load(store, log),
      UserSession.load(store),
    ]);
    const definitions = module.actions;
    const migrations = module.migrations ?? [];
    const [version, identity] = await Promise.all([
      deps.actionsDigest !== undefined ? runtimeVersion(config, deps.actionsDigest) : definitionsDigest(module).then((digest) => runtimeVersion(config, digest)),
      schemaIdentity(config.schema, migrations),
    ]);
    const stored = { legacySchemaVersion: legacySchema, engine: storedEngine, clientId: storedClientId };
    checkStoredEngine(config, stored);
    // A new database (never started: no client id, so no journal either, and no checkpoint) sends
    // its first pull now, while the engine starts: the sync loop takes the answer if its first
    // request is that one (see early-pull.ts). Its client id is recorded with the identity below.
    const freshId = newClientId();
    const earlyPull =
      config.sync && storedClientId === undefined && !checkpoint && !session.signedOut
        ? startEarlyPull({ url: config.sync.url, clientId: freshId, channels: config.sync.channels ?? [], schemaVersion: migrations.length, token: config.sync.token, ...(deps.fetch ? { fetch: deps.fetch } : {}) })
        : undefined;
    const t0 = performance.now();
    const opened = await openLocalDatabase({ config, deps: { createEngine: deps.createEngine, ...(emptyImage ? { emptyImage } : {}) }, store, rejections, stored, checkpoint, migrations, identity, definitions, log });
    const { engine } = opened;
    const clientId = await recordIdentity(store, stored, config.engine ?? 'pglite', freshId);
    const ledgerState = await readLedgerState(engine);
    log(`engine ready from ${opened.from} in ${(performance.now() - t0).toFixed(0)} ms`);

    const live = new LiveQueryRegistry({
      // Read-only: a tab's SQL never writes (engine.read).
      query: (sql, params) => engine.read(sql, params),
      tablesRead: (sql, params) => engine.tablesRead(sql, params),
      catalogue: { dialect: engine.dialect, query: (sql, params) => engine.query(sql, params) },
    });
    const tabs = new TabFanout(live, log);
    const ledger = new Ledger({
      ...ledgerState,
      engine,
      store,
      definitions,
      channelColumns: config.channels ?? {},
      clientId,
      schemaVersion: migrations.length,
      rejections,
      checkpointSeq: opened.checkpointSeq,
      checkpointEvery: config.checkpointEvery ?? 500,
      checkpointIdleMs: deps.checkpointIdleMs ?? 1500,
      publish: (changed, writers) => tabs.publish(changed, writers),
      log,
    });
    const runtime = new TandemRuntime({
      version,
      schemaVersion: migrations.length,
      clientId,
      definitions,
      ledger,
      live,
      tabs,
      rejections,
      session,
      name: config.name ?? 'tandem',
      log,
      host: deps.host ?? 'shared-worker',
      durability: config.durability ?? 'relaxed',
    });
    await ledger.replay(opened.checkpointSeq, opened.entries);
    if (config.sync) {
      runtime.#sync = await WorkerSync.start({
        url: config.sync.url,
        clientId,
        schemaVersion: migrations.length,
        ledger,
        rejections,
        store,
        tabs,
        channels: config.sync.channels ?? [],
        channelColumns: config.channels ?? {},
        token: config.sync.token,
        session,
        database: config.name ?? 'tandem',
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(earlyPull ? { earlyPull } : {}),
        log,
      });
    }
    return runtime;
  }

  /**
   * Validates, queues and commits one action; resolves with its result once it is durable. A
   * `callId` already run here (a tab retrying after its worker died) returns that run's result.
   */
  run(name: string, args: unknown, callId?: string): Promise<unknown> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const queued = validateActionArgs(this.#definitions, name, args).then((valid) => ({ result: this.#ledger.submit(name, valid, callId) }));
    this.#accepted.add(queued);
    void queued.finally(() => this.#accepted.delete(queued)).catch(() => undefined);
    // Wrapped so the set holds the moment it is queued, not the moment it is durable.
    return queued.then(({ result }) => result);
  }

  /** A read that sees only durable state (it runs between batches); anything that would write is refused. */
  query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    this.#assertOpen();
    return this.#ledger.task(async () => {
      try {
        return await this.#ledger.engine.read(sql, params);
      } catch (error) {
        throw new TandemError(ErrorKind.queryFailed, `Query failed: ${(error as Error).message}`, { sql });
      }
    });
  }

  /** `tokenCallback`: the tab can fetch a fresh sync token (the sync asks it when the server refuses one). */
  addTab(tabId: string, sink: TabSink, tokenCallback = false): void {
    this.#assertOpen();
    this.#ledger.noteTabActivity();
    this.#tabs.add(tabId, sink, tokenCallback);
  }

  /** Frees a tab's subscriptions (its Web Lock was released: the tab is gone). */
  dropTab(tabId: string): Promise<number> {
    if (this.#ledger.closed) return Promise.resolve(0);
    return this.#ledger.task(async () => this.#tabs.drop(tabId));
  }

  subscribe(tabId: string, sql: string, params: readonly unknown[]): Promise<{ subId: string; rows: Row[] }> {
    this.#assertOpen();
    return this.#ledger.task(() => this.#live.subscribe(tabId, sql, params));
  }

  unsubscribe(tabId: string, subId: string): Promise<void> {
    this.#assertOpen();
    return this.#ledger.task(async () => {
      this.#live.unsubscribe(subId, tabId);
    });
  }

  /** Snapshot the engine and trim the journal it covers. Serialised with writes. */
  checkpoint(): Promise<void> {
    this.#assertOpen();
    return this.#ledger.checkpoint();
  }

  async status(): Promise<WorkerStatus> {
    this.#assertOpen();
    const ledger = this.#ledger;
    // The ledger's count as of its last commit, not a count queued behind its tasks: every tab's
    // open asks for the status, and must not wait for a long task to end (a first sync's rebase and
    // journal append of 100k rows: B10). A tab that awaited its action sees it counted either way.
    const pendingActions = ledger.pendingCount;
    const persisted = await this.#persisted.read();
    return {
      ready: !ledger.closed,
      engine: ledger.engine.name,
      clientId: this.clientId,
      version: this.version,
      schemaVersion: this.schemaVersion,
      pendingActions,
      journalRecords: ledger.journalSeq - ledger.lastCheckpointSeq,
      lastCheckpointSeq: ledger.lastCheckpointSeq,
      tabs: this.#tabs.size,
      liveQueries: this.#live.queryCount,
      subscriptions: this.#live.subscriptionCount,
      lastError: ledger.lastError,
      sync: this.#sync?.status() ?? { ...localOnlySyncStatus(pendingActions, this.#rejections.items), user: this.#session.owner, signedOut: this.#session.signedOut },
      host: this.#host,
      storage: { persisted, durability: this.#durability },
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

  /** A tab's answer to a token request: its fresh token, or null (the sync asks another tab). */
  answerTokenRequest(tabId: string, requestId: number, token: string | null): void {
    this.#assertOpen();
    this.#sync?.answerTokenRequest(tabId, requestId, token);
  }

  /**
   * Binds the database to `user` the first time (actions made before any sign-in become theirs)
   * and syncs with `token`. Another user is refused (`user_mismatch`) and nothing changes.
   */
  async signIn(user: string, token: string): Promise<void> {
    this.#assertOpen();
    if (this.#sync) await this.#sync.signIn(user, token);
    else await this.#session.signIn(user, this.name);
  }

  /** `keep`: stops syncing and forgets the token; the data and the outbox wait for the same user. */
  async signOut(): Promise<SignOutResult> {
    this.#assertOpen();
    if (this.#sync) await this.#sync.signOut();
    else await this.#session.signOut();
    return { discarded: 0 };
  }

  /**
   * The first half of `signOut({ data: 'wipe' })`: every call is refused from now on, queued writes
   * finish, sync stops, the runtime closes (the host then deletes the storage). Returns how many
   * pending actions go unpushed.
   */
  async wipe(): Promise<SignOutResult> {
    this.#assertOpen();
    this.#wiped = true;
    const ledger = this.#ledger;
    await Promise.allSettled(this.#accepted);
    await ledger.idle();
    this.#sync?.stop();
    const discarded = ledger.pendingCount;
    await ledger.close();
    this.#log(`signed out, wiping the local database "${this.name}": ${discarded} pending action(s) discarded`);
    return { discarded };
  }

  /** After a wipe: every tab connects again, to a fresh database. */
  announceWiped(): void {
    this.#tabs.broadcast({ tandem: 'wiped' });
  }

  syncNow(): Promise<void> {
    this.#assertOpen();
    if (!this.#sync) return Promise.reject(new TandemError(ErrorKind.invalidRequest, 'This database is local-only: there is no server to sync with.'));
    return this.#sync.syncNow();
  }

  /**
   * Removes rejections (by action id) from the durable list once the app has dealt with them.
   * Unknown ids are ignored: another tab may have acknowledged them first.
   */
  async acknowledgeRejections(ids: unknown): Promise<void> {
    this.#assertOpen();
    const valid = parseAcknowledgedIds(ids);
    if ((await this.#rejections.acknowledge(valid)) > 0) this.#sync?.rejectionsChanged();
  }

  /** The actions not yet settled by the server, oldest first: what the outbox still holds. */
  pendingActions(): Promise<PendingActionInfo[]> {
    this.#assertOpen();
    return this.#ledger.task(async () => {
      const rows = await this.#ledger.engine.transaction((tx) => tx.pendingActions(0));
      return rows.map((a) => ({ id: a.id, name: a.name, args: (a.args ?? null) as JsonValue, time: a.time }));
    });
  }

  /**
   * Gives up on one pending action (one the server keeps refusing, say): its local effects are
   * rolled back, it is listed as a `discarded` rejection and is never pushed.
   */
  async discard(id: unknown): Promise<void> {
    this.#assertOpen();
    if (typeof id !== 'string' || id.length === 0 || id.length > SYNC_LIMITS.idLength) {
      throw new TandemError(ErrorKind.invalidRequest, `discard expects a pending action's id (a non-empty string of at most ${SYNC_LIMITS.idLength} characters).`);
    }
    const rejection = this.#sync ? await this.#sync.discard(id) : await this.#ledger.discard(id);
    this.#tabs.broadcast({ tandem: 'rejected', rejections: [rejection] });
  }

  /**
   * Hands the database over to a newer version (the host starts it once this resolves): from now
   * on every call is refused with `update_required`; writes already queued still commit; when the
   * server is reachable they are pushed (for at most `pushTimeoutMs`); a checkpoint covers the
   * journal; the tabs hear `{ tandem: 'update' }`; then the runtime closes.
   */
  retire(next: { version: string; schemaVersion: number }, opts: { pushTimeoutMs?: number } = {}): Promise<void> {
    if (this.#retiring) return this.#retiring;
    this.#retiredFor = { version: next.version, schemaVersion: next.schemaVersion };
    this.#retiring = (async () => {
      const ledger = this.#ledger;
      if (ledger.closed) return;
      await Promise.allSettled(this.#accepted);
      await ledger.idle();
      if (this.#sync) {
        await this.#sync.flush(opts.pushTimeoutMs ?? 3000);
        this.#sync.stop();
      }
      try {
        await ledger.checkpoint();
      } catch (error) {
        // The journal still holds everything: the next version replays it.
        this.#log(`checkpoint before the hand-over failed: ${(error as Error).message ?? String(error)}`);
      }
      this.#tabs.broadcast({ tandem: 'update', version: next.version, schemaVersion: next.schemaVersion });
      await ledger.close();
      this.#log(`handed over to version ${next.version} (schema version ${next.schemaVersion})`);
    })();
    return this.#retiring;
  }

  debug(): DebugCounters {
    this.#assertOpen();
    return { liveEvaluations: this.#live.evaluations(), ...this.#ledger.counters, pokesApplied: this.#sync?.pokesApplied ?? 0 };
  }

  /** The tabs connected (some may be gone: a tab is dropped once its lock's release arrives). */
  get tabIds(): string[] {
    return this.#tabs.ids;
  }

  /** The engine this runtime runs on: what a tab's params must suit. */
  get engineName(): EngineName {
    return this.#ledger.engine.name;
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
    if (this.#retiredFor) {
      throw new TandemError(ErrorKind.updateRequired, 'A newer version of this app took over the Tandem worker: reload this tab. Nothing was written.', this.#retiredFor);
    }
    if (this.#wiped) throw new TandemError(ErrorKind.closed, `The local database "${this.name}" was wiped (db.sync.signOut({ data: 'wipe' })): this tab reconnects to a fresh one. Nothing was written.`, { wiped: true });
    if (this.#ledger.closed) throw new TandemError(ErrorKind.closed, 'This Tandem runtime is closed.');
  }
}

/**
 * `load`, started as soon as `checkpoint` is known to be absent (a first start); the function
 * returned gives that same download. With a checkpoint nothing is fetched until asked.
 */
function prefetchedUnless<T>(checkpoint: Promise<unknown>, load: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | null = null;
  const start = () => (started ??= load());
  checkpoint.then(
    (found) => {
      if (!found) start().catch(() => {}); // the start that awaits it handles a failure
    },
    () => {},
  );
  return start;
}
