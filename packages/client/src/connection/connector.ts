import type { MessageEndpoint } from '@tandem/core';

/** One connection to a worker, as a connector opened it. */
export interface OpenedEndpoint {
  endpoint: MessageEndpoint;
  /** Rejects with an explanation when the worker's script could not start. */
  failed: Promise<never>;
  close(): void;
}

/**
 * Opens a connection to the worker hosting this tab's database: the origin's SharedWorker, or the
 * dedicated Worker of the tab elected to host it. `open` is called again after the worker died,
 * and must then reach a fresh one.
 */
export interface WorkerConnector {
  readonly host: 'shared-worker' | 'dedicated-worker';
  open(): Promise<OpenedEndpoint>;
  /** This tab is done: give up any role it holds (the elected tab's worker ends with it). */
  dispose(): void;
}
