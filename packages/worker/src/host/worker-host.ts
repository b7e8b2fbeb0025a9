import * as Comlink from 'comlink';
import { ErrorKind, schemaIdentity, tabLockName, TandemError } from '@tandem/core';
import type { EngineName, SchemaIdentity, SignOutResult, TandemConfig, WorkerHello } from '@tandem/core';
import type { CreateEngine } from '../engine/engine.ts';
import { runtimeVersion } from '../runtime/config-version.ts';
import { TandemRuntime } from '../runtime/tandem-runtime.ts';
import { deleteJournalDatabase, DexieJournalStore } from '../store/dexie-journal-store.ts';
import { SIGNED_OUT_META_KEY } from '../sync/user-session.ts';
import { ActionsModuleLoader } from './actions-module.ts';
import { FirstStartImage } from './first-start-image.ts';
import type { LoadActions, LoadedActions } from './actions-module.ts';
import { acquireDatabaseLock } from './database-lock.ts';
import { serveHandoffs } from './handoff-channel.ts';
import type { HandoffAnswer, RuntimeIdentity } from './handoff-channel.ts';
import { serveDials } from './dial-service.ts';
import { serveDeletes } from './delete-service.ts';
import type { TabEndpoint } from './tab-endpoint.ts';
import { TabSession } from './tab-session.ts';
import type { RuntimeProvider } from './tab-session.ts';
import { holdWorkerLife } from './worker-life.ts';

/** One engine as a worker offers it: its factory and, optionally, a pre-initialised empty image. */
export interface EngineProvider {
  createEngine: CreateEngine;
  /** A first start from this image skips the engine's own initialisation (PGlite's initdb). */
  emptyImage?: () => Promise<Blob | undefined>;
  /** Starts loading the engine's wasm, so it compiles while the runtime reads the journal store. */
  warm?: () => void;
}

export interface WorkerHostOptions {
  /**
   * Engines by name, loaded on first use: `config.engine` (default 'pglite') picks one, so a worker
   * offering both downloads only the one an app uses.
   */
  engines?: Partial<Record<EngineName, () => Promise<EngineProvider>>>;
  /** A worker built for one engine: used when `engines` has no entry for the requested one. */
  createEngine?: CreateEngine;
  emptyImage?: () => Promise<Blob | undefined>;
  /**
   * Defaults to `import(url)` of the configured actions module (its default or `actions` export,
   * and its `migrations` export). The module's text is still fetched to identify its version.
   */
  loadActions?: LoadActions;
  log?: (message: string) => void;
  /** What kind of worker this is (set by startTandemWorker; reported in the status). */
  host?: 'shared-worker' | 'dedicated-worker';
}

/** The runtime of this worker, from the moment a tab asked for it. */
interface Slot extends RuntimeIdentity {
  name: string;
  schema: SchemaIdentity;
  runtime: Promise<TandemRuntime>;
  /** Releases the database's Web Lock (set once it is held). */
  release: () => void;
  /** Stops answering other workers' hand-off requests. */
  stopServing: () => void;
}

/**
 * Owns the one runtime of this worker. The first tab's config starts it; a tab of the same version
 * joins it. A tab of another version takes it over (the old runtime retires: its work is finished
 * and saved, its tabs are told to reload) unless it is older, then it gets `update_required`. The
 * same holds across workers (a new deploy's worker URL) through the hand-off channel. A runtime
 * that failed to start is forgotten, so a tab with a fixed config can try again.
 */
export class WorkerHost implements RuntimeProvider {
  readonly #options: WorkerHostOptions;
  readonly #actions: ActionsModuleLoader;
  /** Each engine's provider, loading since a tab first asked for it (a failed load is retried). */
  readonly #providers = new Map<EngineName, Promise<EngineProvider>>();
  readonly #life = holdWorkerLife();
  readonly #firstImage = new FirstStartImage();
  #stopDials: (() => void) | null = null;
  #slot: Slot | null = null;
  /** Decisions about the runtime (join, take over, hand over) one at a time: never two starts. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: WorkerHostOptions) {
    this.#options = options;
    this.#actions = new ActionsModuleLoader(options.loadActions ? { loadActions: options.loadActions } : {});
  }

  workerId(): Promise<string> {
    return this.#life.held.then(() => this.#life.workerId);
  }

  /**
   * A dedicated Worker (no SharedWorker in this browser) serves the other tabs of `database` over
   * BroadcastChannels; its own tab hands it a port.
   */
  serveDials(database: string): void {
    if (this.#stopDials) return;
    this.#stopDials = serveDials(database, this.#life.workerId, (endpoint) => this.connectPort(endpoint));
  }

  connectPort(port: TabEndpoint): void {
    // A raw echo beside Comlink: the baseline for the tab→worker call benchmark (B1). Comlink
    // ignores messages without its `type`, so the two share the port.
    port.addEventListener('message', ((event: MessageEvent) => {
      if ((event.data as { tandem?: unknown } | null)?.tandem === 'echo') port.postMessage(event.data);
    }) as EventListener);
    Comlink.expose(new TabSession(this, port), port);
    void this.workerId().then((workerId) => port.postMessage({ tandem: 'worker', workerId } satisfies WorkerHello));
  }

  async runtimeFor(config: TandemConfig): Promise<TandemRuntime> {
    // The engine's chunk and wasm load while the actions module, the lock and the journal are awaited.
    const provider = this.#provider(config.engine ?? 'pglite');
    provider.catch(() => {}); // awaited, and reported, by #start
    // And a new database's empty image: no runtime here yet, the tab may be the first ever.
    if (!this.#slot) this.#firstImage.prefetch(config.name ?? 'tandem', provider.then((p) => p.emptyImage, () => undefined));
    const loaded = await this.#actions.load(config.actionsUrl);
    const [version, schema] = await Promise.all([runtimeVersion(config, loaded.digest), schemaIdentity(config.schema, loaded.module.migrations ?? [])]);
    return this.#serial(() => this.#runtimeAt(config, loaded, { version, schemaVersion: loaded.schemaVersion, schema }));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #runtimeAt(config: TandemConfig, loaded: LoadedActions, next: NewRuntime): Promise<TandemRuntime> {
    const { version } = next;
    const name = config.name ?? 'tandem';
    const slot = this.#slot;
    if (slot && slot.version === version) return slot.runtime;
    if (slot && slot.name !== name) {
      throw new TandemError(
        ErrorKind.versionMismatch,
        `This Tandem worker already runs the local database "${slot.name}"; this tab asks for "${name}". Open each database from its own worker (the client names the SharedWorker after the database).`,
        { running: slot.name, requested: name },
      );
    }
    if (slot) {
      const running = await slot.runtime.catch(() => null);
      if (running && this.#slot === slot) {
        if (next.schemaVersion < running.schemaVersion) throw olderTab(running.schemaVersion, next.schemaVersion);
        // Checked before anything retires: a tab whose schema cannot follow this one must not stop it.
        assertExtends(slot.schema, next.schema);
        await this.#retire(slot, running, { version, schemaVersion: next.schemaVersion });
      }
    }
    return this.#start(config, loaded, next).runtime;
  }

  #start(config: TandemConfig, loaded: LoadedActions, next: NewRuntime): Slot {
    const { version, schema } = next;
    const log = this.#options.log ?? ((m: string) => console.info(`[tandem] ${m}`));
    const name = config.name ?? 'tandem';
    const identity = { version, schemaVersion: loaded.schemaVersion };
    const provider = this.#provider(config.engine ?? 'pglite');
    const slot: Slot = { name, ...identity, schema, runtime: null as unknown as Promise<TandemRuntime>, release: () => {}, stopServing: () => {} };
    slot.runtime = acquireDatabaseLock(name, { identity }).then(async (release) => {
      slot.release = release;
      let store: DexieJournalStore | null = null;
      try {
        const engine = await provider;
        store = new DexieJournalStore(name, config.durability ?? 'relaxed');
        const runtime = await TandemRuntime.start({
          config,
          store,
          createEngine: engine.createEngine,
          loadActions: async () => loaded.module,
          actionsDigest: loaded.digest,
          ...(engine.emptyImage ? { emptyImage: this.#firstImage.loader(name, engine.emptyImage) } : {}),
          ...(this.#options.host ? { host: this.#options.host } : {}),
          log,
        });
        const stopHandoffs = serveHandoffs(name, () => ({ version: slot.version, schemaVersion: runtime.schemaVersion }), (requester) =>
          this.#serial(() => this.#handOver(slot, requester)),
        );
        const stopDeletes = serveDeletes(name, () => this.#serial(() => this.#releaseForDelete(slot)));
        slot.stopServing = () => {
          stopHandoffs();
          stopDeletes();
        };
        return runtime;
      } catch (error) {
        // Nothing of a failed start stays open: a tab with a fixed config (or another worker) starts clean.
        store?.close();
        release();
        throw error;
      }
    });
    this.#slot = slot;
    slot.runtime.catch(() => {
      if (this.#slot === slot) this.#slot = null;
    });
    return slot;
  }

  /** Another worker asks for the database: same rule as a tab of another version here. */
  async #handOver(slot: Slot, requester: RuntimeIdentity): Promise<HandoffAnswer> {
    if (this.#slot !== slot || requester.version === slot.version) return 'ignored';
    const running = await slot.runtime.catch(() => null);
    if (!running || this.#slot !== slot) return 'ignored';
    if (requester.schemaVersion < running.schemaVersion) return 'refused';
    await this.#retire(slot, running, requester);
    return 'retired';
  }

  /**
   * `deleteDatabase` from a tab: a SharedWorker outlives the tabs that closed their handle, so a
   * runtime no open tab uses closes (its work is durable already) and frees the database. Open tabs
   * are counted by their Web Locks, not by this worker's list: a tab that just closed is not
   * dropped from that list until its lock's release reaches this worker.
   */
  async #releaseForDelete(slot: Slot): Promise<{ type: 'released' | 'open'; tabs: number } | null> {
    if (this.#slot !== slot) return null;
    const runtime = await slot.runtime.catch(() => null);
    if (!runtime || this.#slot !== slot) return null;
    const held = new Set(((await globalThis.navigator?.locks?.query())?.held ?? []).map((lock) => lock.name));
    const open = runtime.tabIds.filter((id) => held.has(tabLockName(id))).length;
    if (open > 0) return { type: 'open', tabs: open };
    await runtime.close();
    slot.stopServing();
    slot.release();
    this.#slot = null;
    return { type: 'released', tabs: 0 };
  }

  /** The old runtime finishes and saves its work and tells its tabs; then the database is free. */
  async #retire(slot: Slot, runtime: TandemRuntime, next: RuntimeIdentity): Promise<void> {
    const log = this.#options.log ?? ((m: string) => console.info(`[tandem] ${m}`));
    const t0 = performance.now();
    try {
      await runtime.retire(next);
    } catch (error) {
      // Every committed action is journaled before it is visible: the successor replays it. What
      // must not happen is two runtimes writing, so this one is closed whatever retire managed.
      log(`retiring version ${slot.version} failed (${(error as Error).message}); closing it`);
      await runtime.close().catch(() => {});
    }
    slot.stopServing();
    slot.release();
    if (this.#slot === slot) this.#slot = null;
    log(`version ${slot.version} (schema ${runtime.schemaVersion}) handed over to ${next.version} (schema ${next.schemaVersion}) in ${(performance.now() - t0).toFixed(0)} ms`);
  }

  #provider(name: EngineName): Promise<EngineProvider> {
    let provider = this.#providers.get(name);
    if (!provider) {
      provider = this.#engineFor(name).then((p) => {
        p.warm?.();
        return p;
      });
      this.#providers.set(name, provider);
      provider.catch(() => this.#providers.delete(name));
    }
    return provider;
  }

  async #engineFor(name: EngineName): Promise<EngineProvider> {
    const load = this.#options.engines?.[name];
    if (load) {
      try {
        return await load();
      } catch (error) {
        throw new TandemError(
          ErrorKind.notReady,
          `The ${name} engine could not be loaded: ${(error as Error).message ?? String(error)}. Copy every file of the Tandem worker bundle (its chunks, .wasm and .data files) next to tandem-worker.js: \`npx tandem-worker copy-assets <dir>\` copies them all.`,
          { engine: name },
        );
      }
    }
    if (this.#options.createEngine) {
      // Which engine a bare factory makes is only known once it runs: the runtime checks engine.name.
      return { createEngine: this.#options.createEngine, ...(this.#options.emptyImage ? { emptyImage: this.#options.emptyImage } : {}) };
    }
    const offered = Object.keys(this.#options.engines ?? {});
    throw new TandemError(ErrorKind.invalidRequest, `This Tandem worker has no ${name} engine (it offers: ${offered.join(', ') || 'none'}). Set config.engine to one of those, or use a worker built with the ${name} engine.`);
  }

  /**
   * `signOut({ data: 'wipe' })`: the runtime closes (its queued writes finish, calls are refused),
   * its local database is deleted while this worker still holds the database lock (no other start
   * can read it meanwhile), and the slot is freed. The fresh database starts signed out, so a tab's
   * config token does not sync it as the old user. Its tabs hear `wiped` after the caller's answer
   * (a later task), and connect again: to a fresh runtime, with a fresh client id.
   */
  wipe(runtime: TandemRuntime): Promise<SignOutResult> {
    return this.#serial(async () => {
      const slot = this.#slot;
      const result = await runtime.wipe();
      if (slot && (await slot.runtime.catch(() => null)) === runtime) {
        slot.stopServing();
        try {
          await deleteJournalDatabase(runtime.name);
          const fresh = new DexieJournalStore(runtime.name);
          await fresh.setMeta(SIGNED_OUT_META_KEY, true);
          fresh.close();
        } finally {
          slot.release();
          if (this.#slot === slot) this.#slot = null;
        }
      }
      setTimeout(() => runtime.announceWiped(), 0);
      return result;
    });
  }

  watchTab(tabId: string, runtime: TandemRuntime, gone?: () => void): void {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return;
    // Granted only once the tab's own lock is released: the tab closed, crashed or navigated away.
    void locks
      .request(tabLockName(tabId), async () => {
        gone?.();
        const freed = await runtime.dropTab(tabId);
        (this.#options.log ?? console.info)(`[tandem] tab ${tabId} gone, freed ${freed} subscriptions`);
      })
      // A retired runtime is closed: its tabs' subscriptions went with it.
      .catch(() => {});
  }
}

/** What a tab asks this worker to run. */
interface NewRuntime extends RuntimeIdentity {
  schema: SchemaIdentity;
}

/**
 * New code must extend what runs: the same base schema and the same steps so far, then more. A
 * changed base or an edited shipped step would leave this database unlike every other one.
 */
function assertExtends(running: SchemaIdentity, next: SchemaIdentity): void {
  const edited = running.steps.findIndex((step, i) => next.steps[i] !== step);
  if (running.base === next.base && edited === -1) return;
  const what = running.base !== next.base ? 'its base schema (config.schema) differs' : `its migration ${edited + 1} differs from the one already run`;
  throw new TandemError(
    ErrorKind.schemaError,
    `This tab cannot take over the local database: ${what} from the version running for other tabs. A schema ships once; change it by appending a migration (comments and whitespace may change freely).`,
    { running, requested: next },
  );
}

function olderTab(running: number, requested: number): TandemError {
  return new TandemError(
    ErrorKind.updateRequired,
    `This tab is an older version of the app (schema version ${requested}) than the one already running (schema version ${running}): reload it.`,
    { running, requested },
  );
}
