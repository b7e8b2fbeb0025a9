import { releaseProxy, wrap } from 'comlink';
import { ErrorKind, TandemError } from '@tandem/core';
import type { ConnectRequest, ConnectResult, WorkerApi, WorkerEvent } from '@tandem/core';
import type { ConnectionState } from './connection-state.ts';
import type { WorkerConnector } from './connector.ts';
import { watchWorkerDeath } from './worker-death.ts';


/** One connection to one worker. It is lost for good when that worker dies. */
export interface WorkerLink {
  readonly api: WorkerApi;
  readonly result: ConnectResult;
}

interface Link extends WorkerLink {
  /** Rejects with LOST once the worker died. */
  readonly lost: Promise<never>;
  dead: boolean;
  kill(): void;
}

export interface WorkerConnectionOptions {
  connector: WorkerConnector;
  request: ConnectRequest;
  /**
   * Resolves once the worker may be told about this tab (its tab lock is held: the worker watches
   * that lock to learn the tab is gone). The worker is started before, so its script loads meanwhile.
   */
  beforeConnect?: Promise<void>;
  /** For the worker to show life (its hello); it then has START_TIMEOUT_FACTOR times as long to connect. */
  timeoutMs: number;
  /** Every WorkerEvent of the live connection, in order. */
  onEvent(event: WorkerEvent): void;
  /** Errors arrive as plain `{kind, message}`: make them throwable. */
  toError(error: unknown): unknown;
  /** On a fresh worker, before calls resume: give it back what the tab had (live queries, token). */
  restore(link: WorkerLink): Promise<void>;
  /** A fresh worker refused this tab for good (state `failed`): `error` says why. */
  onFailed?(error: unknown): void;
  log?: (message: string) => void;
}

const LOST = Symbol('worker lost');

/** Errors that another attempt cannot fix: the calls waiting for a worker fail with them, and reconnecting stops. */
const FINAL: ReadonlySet<string> = new Set([ErrorKind.updateRequired, ErrorKind.schemaError, ErrorKind.versionMismatch, ErrorKind.actionsModuleError, ErrorKind.invalidRequest]);

const MAX_RETRY_MS = 2_000;
/** A worker that has shown life gets this many times `timeoutMs` to open the database. */
export const START_TIMEOUT_FACTOR = 10;
/**
 * Attempts at a first connect whose worker never said hello. A SharedWorker killed before its
 * hello (the OS reclaiming it as it starts) leaves no death to watch: only the timeout tells, and
 * a new attempt starts a fresh worker (or reaches the same one, if it was only slow).
 */
export const SILENT_ATTEMPTS = 3;
/** `details.waitedFor` of the error when the worker showed no life within timeoutMs: a first connect may try again. */
const NO_HELLO = 'hello';

function isNoHello(error: unknown): error is TandemError {
  return error instanceof TandemError && (error.details as { waitedFor?: unknown } | undefined)?.waitedFor === NO_HELLO;
}

/**
 * The tab's connection to its worker, surviving the worker's death. It waits on the worker's life
 * lock; once granted (the worker is gone), it opens a fresh worker through the connector, connects
 * as the same tab, restores the tab's live queries, and retries every call that had no answer: each
 * carries its identity (an action its call id), so one already done is not done twice.
 */
export class WorkerConnection {
  readonly #options: WorkerConnectionOptions;
  #active: Link | null = null;
  /** The last live connection, for its connect result while reconnecting. */
  #last: Link | null = null;
  #state: ConnectionState = 'reconnecting';
  readonly #listeners = new Set<(state: ConnectionState) => void>();
  #waiters: { resolve: (link: Link) => void; reject: (error: unknown) => void }[] = [];
  /** Why the last reconnect attempt failed, when retrying cannot help: calls fail with it meanwhile. */
  #final: unknown = null;
  #closed = false;

  constructor(options: WorkerConnectionOptions) {
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Why the state is `failed` (null otherwise). */
  get failure(): unknown {
    return this.#final;
  }

  /** The latest connect result (it changes when a fresh worker took over). */
  get result(): ConnectResult {
    if (!this.#active && !this.#last) throw new TandemError(ErrorKind.notReady, 'Not connected yet.');
    return (this.#active ?? this.#last)!.result;
  }

  onState(fn: (state: ConnectionState) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The first connection: its failure is the open's failure (nothing retries it). */
  async open(): Promise<ConnectResult> {
    let silent = 0;
    for (;;) {
      try {
        const link = await this.#connect();
        this.#activate(link);
        return link.result;
      } catch (error) {
        // The worker died while starting: a fresh one is started by the next attempt.
        if (error === LOST) continue;
        if (isNoHello(error)) {
          if (++silent < SILENT_ATTEMPTS) {
            this.#options.log?.(`${error.message} Trying again (a worker killed before its hello is replaced by a fresh one).`);
            continue;
          }
          // Every attempt met silence: most often the script never ran. Say where to look.
          throw new TandemError(
            ErrorKind.notReady,
            `${error.message} (${SILENT_ATTEMPTS} attempts). Check that the worker script loads: openTandem's \`worker\` URL must serve the Tandem worker bundle, and a Content-Security-Policy must allow it (worker-src); the browser's console names the failure.`,
            error.details,
          );
        }
        throw error;
      }
    }
  }

  /** Runs `fn` on a live worker; when that worker dies before answering, again on the next one. */
  async call<T>(fn: (api: WorkerApi, link: WorkerLink) => Promise<T>): Promise<T> {
    for (;;) {
      const link = this.#active ?? (await this.#nextLink());
      try {
        return await Promise.race([fn(link.api, link), link.lost]);
      } catch (error) {
        if (error === LOST) continue;
        // Refused unrun because another tab just wiped the database: its `wiped` event is on the
        // way and ends this link; the call goes to the fresh database then.
        if ((error as { details?: { wiped?: unknown } } | null)?.details?.wiped === true) {
          await link.lost.catch(() => {});
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * `link`'s runtime is gone though its worker lives (the local database was wiped): connect again
   * now, as after a death, rather than when its `wiped` event arrives, so the caller's next call
   * already reaches the fresh database.
   */
  relink(link: WorkerLink): void {
    const l = link as Link;
    if (l === this.#active) this.#onDeath(l, () => l.kill(), 'wiped the local database');
  }

  /** Whether `link` is the live connection (e.g. a live query's id belongs to it). */
  isLive(link: WorkerLink): boolean {
    return link === this.#active;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#active?.kill();
    this.#active = null;
    this.#options.connector.dispose();
    const closed = new TandemError(ErrorKind.closed, 'This Tandem connection is closed (db.close() was called).');
    for (const w of this.#waiters.splice(0)) w.reject(closed);
    this.#setState('closed');
  }

  #nextLink(): Promise<Link> {
    if (this.#closed) return Promise.reject(new TandemError(ErrorKind.closed, 'This Tandem connection is closed (db.close() was called).'));
    if (this.#final) return Promise.reject(this.#final);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async #connect(): Promise<Link> {
    const { connector, request, timeoutMs, toError } = this.#options;
    const opened = await connector.open();
    const { endpoint } = opened;
    let rejectLost!: (reason: unknown) => void;
    const lost = new Promise<never>((_, reject) => (rejectLost = reject));
    lost.catch(() => {});
    const state = { dead: false };
    // Declared before the listener: the worker's hello may come before connect answers, even while beforeConnect is awaited.
    let link: Link | null = null;
    let death: { died: Promise<void>; cancel: () => void } | null = null;
    // `timeoutMs` is for the worker to show life (its hello comes once its life lock is held, before
    // any engine work); a live worker then has START_TIMEOUT_FACTOR times longer to open the
    // database, which on a first visit includes downloading the engine (~26 MB for PGlite).
    let timer: ReturnType<typeof setTimeout> | undefined;
    let rejectTimedOut!: (error: TandemError) => void;
    const timedOut = new Promise<never>((_, reject) => (rejectTimedOut = reject));
    timedOut.catch(() => {});
    const startTimer = (ms: number, message: string, silent: boolean) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        rejectTimedOut(new TandemError(ErrorKind.notReady, message, silent ? { waitedFor: NO_HELLO } : undefined));
      }, ms);
    };
    const startMs = timeoutMs * START_TIMEOUT_FACTOR;
    const alive = () => startTimer(startMs, `The Tandem worker started but did not open the local database within ${startMs} ms.`, false);
    startTimer(timeoutMs, `The Tandem worker did not answer within ${timeoutMs} ms.`, true);
    const remote = wrap<WorkerApi>(endpoint);
    // Every method of WorkerApi already returns a promise: the remote is one as it is.
    const api = remote as unknown as WorkerApi;
    const kill = () => {
      if (state.dead) return;
      state.dead = true;
      death?.cancel();
      rejectLost(LOST);
      remote[releaseProxy]();
      opened.close();
    };
    endpoint.addEventListener('message', ((event: MessageEvent) => {
      const data = event.data as { tandem?: unknown; workerId?: unknown } | null;
      if (state.dead || typeof data?.tandem !== 'string') return;
      if (data.tandem === 'worker') {
        // Watched from the worker's first message: it may die while still starting.
        if (!death && typeof data.workerId === 'string') {
          if (!link) alive();
          death = watchWorkerDeath(data.workerId);
          void death.died.then(() => this.#onDeath(link, kill));
        }
        return;
      }
      this.#options.onEvent(data as WorkerEvent);
      // The local database was wiped (signOut): this worker's runtime is gone, not the worker.
      // Connecting again, as after a death, reaches a fresh runtime on the fresh database.
      if (data.tandem === 'wiped' && link) this.#onDeath(link, kill, 'wiped the local database');
    }) as EventListener);
    endpoint.start?.();
    await this.#options.beforeConnect;
    try {
      const result = await Promise.race([api.connect(request).catch((e: unknown) => Promise.reject(toError(e))), opened.failed, timedOut, lost]);
      link = Object.assign(state, { api, result, lost, kill });
      return link;
    } catch (error) {
      kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #activate(link: Link): void {
    this.#active = link;
    this.#last = link;
    this.#final = null;
    for (const w of this.#waiters.splice(0)) w.resolve(link);
    this.#setState('ready');
  }

  /** `link` is null when the worker died before its connect answered: that attempt fails (LOST). */
  #onDeath(link: Link | null, kill: () => void, why = 'died'): void {
    kill();
    if (this.#closed || !link || link !== this.#active) return;
    this.#active = null;
    this.#options.log?.(`the Tandem worker ${link.result.workerId} ${why}: connecting to a fresh one`);
    this.#setState('reconnecting');
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    let delay = 50;
    while (!this.#closed) {
      let link: Link | null = null;
      try {
        link = await this.#connect();
        const restored = link;
        await Promise.race([this.#options.restore(restored), link.lost]);
        if (this.#closed) return link.kill();
        this.#activate(link);
        return;
      } catch (error) {
        link?.kill();
        if (error !== LOST) {
          this.#options.log?.(`reconnecting to the Tandem worker failed: ${(error as Error).message ?? String(error)}`);
          if (FINAL.has((error as { kind?: string } | null)?.kind ?? '')) {
            // Only a reload fixes this tab (e.g. a newer version runs now): its calls fail with why.
            this.#final = error;
            for (const w of this.#waiters.splice(0)) w.reject(error);
            this.#setState('failed');
            this.#options.onFailed?.(error);
            return;
          }
        }
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const fn of this.#listeners) {
      try {
        fn(state);
      } catch (error) {
        console.error('[tandem] a connection state listener threw', error);
      }
    }
  }
}
