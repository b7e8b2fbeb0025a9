import { broadcastChannelEndpoint, connectionChannelName, dialChannelName, ErrorKind, leaderLockName, TandemError } from '@tandem/core';
import type { DedicatedWorkerMessage, DialAnswer, DialRequest } from '@tandem/core';
import { explainWorkerLoadFailure } from './worker-load-error.ts';
import type { OpenedEndpoint, WorkerConnector } from './connector.ts';

/** How often an unanswered dial is repeated (a new leader also announces itself at once). */
const REDIAL_MS = 500;

const never = new Promise<never>(() => {});

/**
 * Where there is no SharedWorker: the tab holding the Web Lock `leaderLockName(database)` runs the
 * worker script as its own dedicated Worker, and the other tabs dial it over a BroadcastChannel.
 * Every tab queues for the lock, so when the leader closes or dies the next tab in line takes over
 * and starts a fresh worker, which opens from the journal like any other.
 */
export class ElectedWorkerConnector implements WorkerConnector {
  readonly host = 'dedicated-worker';
  readonly #url: string;
  readonly #database: string;
  readonly #name: string;
  readonly #abort = new AbortController();
  readonly #becameLeader: Promise<void>;
  #leader = false;
  #resign = () => {};
  #worker: Worker | null = null;

  constructor(url: string, database: string, name: string) {
    this.#url = url;
    this.#database = database;
    this.#name = name;
    const locks = globalThis.navigator?.locks;
    if (!locks) {
      // Nothing can elect a leader: this tab hosts its own worker (one tab at a time is safe).
      this.#leader = true;
      this.#becameLeader = Promise.resolve();
      return;
    }
    this.#becameLeader = new Promise<void>((resolve) => {
      locks
        .request(leaderLockName(database), { signal: this.#abort.signal }, () => {
          this.#leader = true;
          resolve();
          return new Promise<void>((r) => (this.#resign = r));
        })
        .catch(() => {});
    });
  }

  async open(): Promise<OpenedEndpoint> {
    if (this.#leader) return this.#startWorker();
    const dial = this.#dial();
    // A worker that answers belongs to a live leader, so this tab cannot be elected meanwhile; one
    // that is elected first hosts the worker itself.
    const dialed = await Promise.race([dial.opened, this.#becameLeader.then(() => null)]);
    if (dialed) return dialed;
    dial.cancel();
    return this.#startWorker();
  }

  #startWorker(): OpenedEndpoint {
    // Reached again only when this tab's worker died: the new one replaces it.
    this.#worker?.terminate();
    const url = this.#url;
    const worker = new Worker(url, { type: 'module', name: this.#name });
    this.#worker = worker;
    const failed = new Promise<never>((_, reject) => {
      worker.addEventListener('error', () => {
        const fail = (message: string) => reject(new TandemError(ErrorKind.notReady, message));
        explainWorkerLoadFailure(url).then(fail, () => fail(`The Tandem worker could not start from ${url}.`));
      });
    });
    failed.catch(() => {});
    const channel = new MessageChannel();
    worker.postMessage({ tandem: 'serve', database: this.#database } satisfies DedicatedWorkerMessage);
    worker.postMessage({ tandem: 'port' } satisfies DedicatedWorkerMessage, [channel.port2]);
    return { endpoint: channel.port1, failed, close: () => channel.port1.close() };
  }

  #dial(): { opened: Promise<OpenedEndpoint>; cancel: () => void } {
    const conn = globalThis.crypto.randomUUID();
    const channel = new BroadcastChannel(connectionChannelName(conn));
    const dial = new BroadcastChannel(dialChannelName(this.#database));
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      clearInterval(timer);
      dial.close();
    };
    const opened = new Promise<OpenedEndpoint>((resolve) => {
      const send = () => dial.postMessage({ tandem: 'dial', conn } satisfies DialRequest);
      dial.addEventListener('message', (event: MessageEvent) => {
        const answer = event.data as DialAnswer | null;
        if (answer?.tandem === 'serving') send();
        else if (answer?.tandem === 'dialed' && answer.conn === conn) {
          stop();
          resolve({ endpoint: broadcastChannelEndpoint(channel), failed: never, close: () => channel.close() });
        }
      });
      send();
      timer = setInterval(send, REDIAL_MS);
    });
    return {
      opened,
      cancel: () => {
        stop();
        channel.close();
      },
    };
  }

  dispose(): void {
    this.#abort.abort();
    // The worker ends with its leader; the next tab in line for the lock starts another.
    this.#worker?.terminate();
    this.#worker = null;
    this.#resign();
  }
}
