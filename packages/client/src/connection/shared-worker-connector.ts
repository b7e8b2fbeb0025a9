import { ErrorKind, TandemError } from '@tandem/core';
import { explainWorkerLoadFailure } from './worker-load-error.ts';
import type { OpenedEndpoint, WorkerConnector } from './connector.ts';

/**
 * The origin's SharedWorker. A `new SharedWorker` of the same URL and name joins the running one,
 * or starts a fresh one when it died: every open after a death reaches the new worker.
 */
export class SharedWorkerConnector implements WorkerConnector {
  readonly host = 'shared-worker';
  readonly #url: string | null;
  readonly #name: string;
  #given: SharedWorker | null;

  /** `worker`: a URL to start it from, or a SharedWorker the app created (it cannot be restarted). */
  constructor(worker: string | SharedWorker, name: string) {
    this.#url = typeof worker === 'string' ? worker : null;
    this.#given = typeof worker === 'string' ? null : worker;
    this.#name = name;
  }

  async open(): Promise<OpenedEndpoint> {
    let worker: SharedWorker;
    if (this.#url) worker = new SharedWorker(this.#url, { type: 'module', name: this.#name });
    else if (this.#given) {
      worker = this.#given;
      this.#given = null;
    } else {
      throw new TandemError(
        ErrorKind.notReady,
        'The Tandem worker died and this tab cannot start another: openTandem was given a SharedWorker object. Give it the worker URL instead, so a fresh worker can be started.',
      );
    }
    const url = this.#url;
    const failed = new Promise<never>((_, reject) => {
      worker.addEventListener('error', () => {
        const fail = (message: string) => reject(new TandemError(ErrorKind.notReady, message));
        if (!url) fail('The given SharedWorker could not start. Check that its script is the Tandem worker bundle (`tandem-worker.js`), served as JavaScript.');
        else explainWorkerLoadFailure(url).then(fail, () => fail(`The Tandem worker could not start from ${url}.`));
      });
    });
    failed.catch(() => {});
    const port = worker.port;
    return { endpoint: port, failed, close: () => port.close() };
  }

  dispose(): void {}
}
