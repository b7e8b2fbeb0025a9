import { ErrorKind, parseCallId, parseChannels, parseConnectRequest, parseSignIn, parseSignOut, parseSyncToken, parseParams, parseSql, parseSubId, parseTokenAnswer, TandemError, toErrorData } from '@tandem/core';
import type { ConnectRequest, ConnectResult, DebugCounters, PendingActionInfo, Row, SignIn, SignOut, SignOutResult, TandemConfig, WorkerApi, WorkerStatus } from '@tandem/core';
import type { TandemRuntime } from '../runtime/tandem-runtime.ts';
import type { TabEndpoint } from './tab-endpoint.ts';

/** What a session needs from the worker that owns the runtime (the WorkerHost). */
export interface RuntimeProvider {
  /** The worker's runtime for this config, started by the first tab. */
  runtimeFor(config: TandemConfig): Promise<TandemRuntime>;
  /** Frees the tab's subscriptions once it is gone, then calls `gone`. */
  watchTab(tabId: string, runtime: TandemRuntime, gone?: () => void): void;
  /** This worker's id, once its life lock is held (see holdWorkerLife). */
  workerId(): Promise<string>;
  /** Closes `runtime`, deletes its local database and frees it; its tabs then connect again. */
  wipe(runtime: TandemRuntime): Promise<SignOutResult>;
}

/**
 * The API one tab sees through its port. Every method validates its input and throws plain
 * `{kind, message, details}` objects: Comlink forwards non-Error values as they are, and class
 * identity would not survive postMessage anyway.
 */
export class TabSession implements WorkerApi {
  readonly #host: RuntimeProvider;
  readonly #port: TabEndpoint;
  #tabId: string | null = null;
  #runtime: TandemRuntime | null = null;

  constructor(host: RuntimeProvider, port: TabEndpoint) {
    this.#host = host;
    this.#port = port;
  }

  connect(request: ConnectRequest): Promise<ConnectResult> {
    return guard(async () => {
      const { tabId, config, tokenCallback } = parseConnectRequest(request);
      if (this.#tabId !== null && this.#tabId !== tabId) throw new TandemError(ErrorKind.invalidRequest, 'This port is already connected as another tab.');
      const [runtime, workerId] = await Promise.all([this.#host.runtimeFor(config), this.#host.workerId()]);
      this.#tabId = tabId;
      this.#runtime = runtime;
      runtime.addTab(tabId, (message) => this.#port.postMessage(message), tokenCallback === true);
      this.#host.watchTab(tabId, runtime, () => this.#port.close?.());
      return { clientId: runtime.clientId, version: runtime.version, schemaVersion: runtime.schemaVersion, actions: runtime.actionNames, workerId };
    });
  }

  run(name: string, args: unknown, callId?: string): Promise<unknown> {
    return guard(async () => this.#connected().run(name, args, parseCallId(callId)));
  }

  query(sql: string, params?: unknown[]): Promise<Row[]> {
    return guard(async () => {
      const runtime = this.#connected();
      return runtime.query(parseSql(sql), parseParams(params, runtime.engineName));
    });
  }

  subscribe(sql: string, params?: unknown[]) {
    return guard(async () => {
      const runtime = this.#connected();
      return runtime.subscribe(this.#tabId!, parseSql(sql), parseParams(params, runtime.engineName));
    });
  }

  unsubscribe(subId: string): Promise<void> {
    return guard(() => this.#connected().unsubscribe(this.#tabId!, parseSubId(subId)));
  }

  status(): Promise<WorkerStatus> {
    return guard(() => this.#connected().status());
  }

  debug(): Promise<DebugCounters> {
    return guard(async () => this.#connected().debug());
  }

  async ping(): Promise<number> {
    return 1;
  }

  addChannels(channels: string[]): Promise<void> {
    return guard(() => this.#connected().addChannels(parseChannels(channels)));
  }

  setSyncToken(token: string): Promise<void> {
    return guard(async () => this.#connected().setSyncToken(parseSyncToken(token)));
  }

  answerTokenRequest(requestId: number, token: string | null): Promise<void> {
    return guard(async () => {
      const answer = parseTokenAnswer(requestId, token);
      this.#connected().answerTokenRequest(this.#tabId!, answer.requestId, answer.token);
    });
  }

  syncNow(): Promise<void> {
    return guard(() => this.#connected().syncNow());
  }

  signIn(session: SignIn): Promise<void> {
    return guard(async () => {
      const { user, token } = parseSignIn(session);
      await this.#connected().signIn(user, token);
    });
  }

  signOut(options: SignOut): Promise<SignOutResult> {
    return guard(async () => {
      const { data } = parseSignOut(options);
      const runtime = this.#connected();
      return data === 'wipe' ? this.#host.wipe(runtime) : runtime.signOut();
    });
  }

  acknowledgeRejections(ids: string[]): Promise<void> {
    return guard(() => this.#connected().acknowledgeRejections(parseRejectionIds(ids)));
  }

  pendingActions(): Promise<PendingActionInfo[]> {
    return guard(() => this.#connected().pendingActions());
  }

  discard(id: string): Promise<void> {
    return guard(() => this.#connected().discard(id));
  }

  #connected(): TandemRuntime {
    if (!this.#runtime) throw new TandemError(ErrorKind.notReady, 'Call connect() first: this tab has not connected to the Tandem worker.');
    return this.#runtime;
  }
}

/** As many as a status can list; more in one call is a mistake, not a bigger list. */
const MAX_ACKNOWLEDGED = 1_000;

function parseRejectionIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw new TandemError(ErrorKind.invalidRequest, 'acknowledgeRejections expects an array of rejection ids (the `id` of each rejection).');
  if (ids.length > MAX_ACKNOWLEDGED) throw new TandemError(ErrorKind.invalidRequest, `acknowledgeRejections got ${ids.length} ids; the limit is ${MAX_ACKNOWLEDGED} per call.`);
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
      throw new TandemError(ErrorKind.invalidRequest, `acknowledgeRejections: ids[${i}] must be a rejection's id (a non-empty string).`);
    }
  });
  return ids as string[];
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toErrorData(error);
  }
}
