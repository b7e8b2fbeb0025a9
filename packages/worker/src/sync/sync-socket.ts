import { ErrorKind, parseServerSocketMessage, TandemError } from '@tandem/core';
import type { Change, ClientSocketMessage, PullRequest, PullResponse, PushRequest, PushResponse, ServerSocketMessage, TandemErrorData } from '@tandem/core';
import type { SyncTransport } from './sync-transport.ts';

export interface SyncSocketEvents {
  onOpen(version: number): void;
  /** `changes`: all of commit `version`'s changes in the followed channels, when the server sent them. */
  onPoke(version: number, changes?: Change[]): void;
  onClose(error: TandemErrorData | null): void;
  /** A message that did not parse or validate (a newer server's, or a corrupted one); a pull follows. */
  onUnreadable(reason: string): void;
}

type Answer = Extract<ServerSocketMessage, { type: 'pushed' | 'pulled' | 'failed' }>;

/** Requests that take longer than this count as a lost server: the socket is closed. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Larger push/pull messages go over HTTP. */
const SOCKET_BODY_LIMIT = 512 * 1024;

/**
 * The worker's one WebSocket to the server. It carries pokes ("channels you follow changed", with
 * the changes when the commit was small) and, once ready, push and pull requests: a request on an
 * open socket costs a frame each way instead of an HTTP request (measured: ~4 ms from a
 * SharedWorker's fetch to the server's handler, against under 1 ms for a WebSocket round trip).
 * Losing it loses no data: the sync client falls back to HTTP and polling, and reconnects.
 */
export class SyncSocket {
  readonly #socket: WebSocket;
  readonly #waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: TandemError) => void; timer: ReturnType<typeof setTimeout> }>();
  #nextId = 1;
  #ready = false;
  #wasReady = false;
  #closed = false;

  constructor(url: string, hello: Extract<ClientSocketMessage, { type: 'hello' }>, events: SyncSocketEvents, WebSocketImpl: typeof WebSocket = WebSocket) {
    this.#socket = new WebSocketImpl(url);
    let error: TandemErrorData | null = null;
    this.#socket.addEventListener('open', () => this.#send(hello));
    this.#socket.addEventListener('message', (event: MessageEvent) => {
      let message;
      try {
        message = parseServerSocketMessage(JSON.parse(String(event.data)));
      } catch (e) {
        // A newer server may send messages this client does not know. Pull anyway: if it was a
        // poke whose changes did not validate, the pull fetches them. (A malformed answer leaves
        // its request to time out, which closes the socket and retries over HTTP.)
        events.onUnreadable(e instanceof Error ? e.message : String(e));
        events.onPoke(0);
        return;
      }
      switch (message.type) {
        case 'ready':
          this.#ready = true;
          this.#wasReady = true;
          events.onOpen(message.version);
          break;
        case 'poke':
          events.onPoke(message.version, message.changes);
          break;
        case 'error':
          error = message.error;
          break;
        default: {
          const waiter = this.#waiting.get(message.id);
          if (!waiter) return;
          this.#waiting.delete(message.id);
          clearTimeout(waiter.timer);
          waiter.resolve(message);
        }
      }
    });
    this.#socket.addEventListener('close', (event: CloseEvent) => {
      this.#ready = false;
      this.#failWaiting(`the sync socket closed (${event.code})`);
      if (this.#closed) return;
      this.#closed = true;
      events.onClose(error ?? (this.#wasReady ? null : { kind: 'sync_failed', message: `Sync socket closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).` }));
    });
  }

  /** Open and past `hello`: requests can go over it. */
  get ready(): boolean {
    return this.#ready && !this.#closed;
  }

  setChannels(channels: string[]): void {
    this.#send({ type: 'channels', channels });
  }

  push(request: PushRequest): Promise<PushResponse> {
    return this.#request({ type: 'push', id: this.#nextId++, actions: request.actions }).then((a) => {
      if (a.type !== 'pushed') throw new TandemError(ErrorKind.syncFailed, `Sync server answered a push with "${a.type}".`);
      return a.response;
    });
  }

  pull(request: PullRequest): Promise<PullResponse> {
    // The socket's hello said the client id and schema version: the server refuses them per request.
    const { clientId: _, schemaVersion: __, ...body } = request;
    return this.#request({ type: 'pull', id: this.#nextId++, ...body }).then((a) => {
      if (a.type !== 'pulled') throw new TandemError(ErrorKind.syncFailed, `Sync server answered a pull with "${a.type}".`);
      return a.response;
    });
  }

  close(): void {
    this.#closed = true;
    this.#ready = false;
    this.#failWaiting('the sync socket was closed');
    this.#socket.close();
  }

  #request(message: Extract<ClientSocketMessage, { type: 'push' | 'pull' }>): Promise<Answer> {
    if (!this.ready) return Promise.reject(new TandemError(ErrorKind.syncFailed, 'The sync socket is not open.'));
    const text = JSON.stringify(message);
    // A frame that large would hold up the pokes queued behind it: HTTP takes it.
    if (text.length > SOCKET_BODY_LIMIT) return Promise.reject(new TandemError(ErrorKind.syncFailed, 'Too large for the sync socket.'));
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(message.id);
        reject(new TandemError(ErrorKind.syncFailed, `No answer over the sync socket within ${REQUEST_TIMEOUT_MS / 1000} s.`));
        // A socket that stopped answering is as good as lost: reconnect.
        this.#socket.close();
      }, REQUEST_TIMEOUT_MS);
      this.#waiting.set(message.id, { resolve, reject, timer });
      this.#socket.send(text);
    }).then((answer) => {
      if (answer.type !== 'failed') return answer;
      const { error, status } = answer;
      throw new TandemError(error.kind, `Sync server: ${error.message}`, { status, ...(error.details !== undefined ? { details: error.details } : {}) });
    });
  }

  #failWaiting(why: string): void {
    for (const [id, waiter] of this.#waiting) {
      this.#waiting.delete(id);
      clearTimeout(waiter.timer);
      waiter.reject(new TandemError(ErrorKind.syncFailed, `No answer: ${why}.`));
    }
  }

  #send(message: ClientSocketMessage): void {
    if (this.#socket.readyState === 1) this.#socket.send(JSON.stringify(message));
  }
}

/**
 * Push and pull over the socket when it is ready, over HTTP otherwise. A request the socket could
 * not deliver (it closed, or never answered) is sent again over HTTP at once: both are safe to
 * repeat (a push is idempotent by seq, a pull only reads).
 */
export function socketFirst(http: SyncTransport, socket: () => SyncSocket | null): SyncTransport {
  async function over<Q, R>(request: Q, viaSocket: (s: SyncSocket, r: Q) => Promise<R>, viaHttp: (r: Q) => Promise<R>): Promise<R> {
    const s = socket();
    if (!s?.ready) return viaHttp(request);
    try {
      return await viaSocket(s, request);
    } catch (error) {
      // The server's own answer (refused, invalid, too large) stands; only delivery is retried.
      if (error instanceof TandemError && error.kind === ErrorKind.syncFailed && (error.details as { status?: number } | undefined)?.status === undefined) {
        return viaHttp(request);
      }
      throw error;
    }
  }
  return {
    push: (request) => over(request, (s, r) => s.push(r), (r) => http.push(r)),
    pull: (request) => over(request, (s, r) => s.pull(r), (r) => http.pull(r)),
  };
}
