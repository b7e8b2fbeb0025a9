import * as Comlink from 'comlink';
import { ErrorKind, tabLockName, TandemError } from '@tandem/core';
import type { ActionDefinitions, EngineName, TandemConfig } from '@tandem/core';
import type { CreateEngine } from '../engine/engine.ts';
import { runtimeVersion } from '../runtime/config-version.ts';
import { TandemRuntime } from '../runtime/tandem-runtime.ts';
import { DexieJournalStore } from '../store/dexie-journal-store.ts';
import { acquireDatabaseLock } from './database-lock.ts';
import { TabSession } from './tab-session.ts';
import type { RuntimeProvider } from './tab-session.ts';

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
  /** Defaults to `import(url)` of the configured actions module. */
  loadActions?: (url: string) => Promise<ActionDefinitions>;
  log?: (message: string) => void;
}


/**
 * Owns the one runtime of this worker. The first tab's config starts it; later tabs must bring the
 * same version (engine, schema, actions) or get `version_mismatch`. A runtime that failed to start
 * is forgotten, so a tab with a fixed config can try again.
 */
export class WorkerHost implements RuntimeProvider {
  readonly #options: WorkerHostOptions;
  #runtime: { version: string; promise: Promise<TandemRuntime> } | null = null;

  constructor(options: WorkerHostOptions) {
    this.#options = options;
  }

  connectPort(port: MessagePort): void {
    // A raw echo beside Comlink: the baseline for the tab→worker call benchmark (B1). Comlink
    // ignores messages without its `type`, so the two share the port.
    port.addEventListener('message', (event: MessageEvent) => {
      if ((event.data as { tandem?: unknown } | null)?.tandem === 'echo') port.postMessage(event.data);
    });
    Comlink.expose(new TabSession(this, port), port);
  }

  async runtimeFor(config: TandemConfig): Promise<TandemRuntime> {
    const version = await runtimeVersion(config, config.actionsUrl);
    if (this.#runtime && this.#runtime.version !== version) {
      throw new TandemError(
        ErrorKind.versionMismatch,
        'This tab was built with a different schema or actions than the Tandem worker already running for other tabs. Reload every tab of this app (or close the old ones) so they all run the same version.',
        { running: this.#runtime.version, requested: version },
      );
    }
    if (!this.#runtime) {
      const log = this.#options.log ?? ((m: string) => console.info(`[tandem] ${m}`));
      const name = config.name ?? 'tandem';
      // The engine's chunk and wasm load while the lock is awaited and the journal is read.
      const provider = this.#engineFor(config.engine ?? 'pglite');
      provider.then((p) => p.warm?.(), () => {});
      const promise = acquireDatabaseLock(name).then(async (release) => {
        let store: DexieJournalStore | null = null;
        try {
          const engine = await provider;
          store = new DexieJournalStore(name, config.durability ?? 'relaxed');
          return await TandemRuntime.start({
            config,
            store,
            createEngine: engine.createEngine,
            loadActions: this.#options.loadActions ?? importActions,
            ...(engine.emptyImage ? { emptyImage: engine.emptyImage } : {}),
            log,
          });
        } catch (error) {
          // Nothing of a failed start stays open: a tab with a fixed config (or another worker) starts clean.
          store?.close();
          release();
          throw error;
        }
      });
      this.#runtime = { version, promise };
      promise.catch(() => {
        if (this.#runtime?.promise === promise) this.#runtime = null;
      });
    }
    return this.#runtime.promise;
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

  watchTab(tabId: string, runtime: TandemRuntime): void {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return;
    // Granted only once the tab's own lock is released: the tab closed, crashed or navigated away.
    void locks.request(tabLockName(tabId), async () => {
      const freed = await runtime.dropTab(tabId);
      (this.#options.log ?? console.info)(`[tandem] tab ${tabId} gone, freed ${freed} subscriptions`);
    });
  }
}

async function importActions(url: string): Promise<ActionDefinitions> {
  const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ url)) as { default?: ActionDefinitions; actions?: ActionDefinitions };
  const defs = mod.default ?? mod.actions;
  if (!defs) throw new TandemError(ErrorKind.actionsModuleError, `${url} has no default export (or \`actions\` export) of defineActions(...).`);
  return defs;
}
