import type { MessageEndpoint } from '@tandem/core';

/**
 * What a tab's connection is to the worker: a MessagePort (SharedWorker, or a port the elected tab
 * handed its dedicated Worker) or a BroadcastChannel (a tab reaching another tab's worker). Both
 * carry Comlink and the raw WorkerEvents in order.
 */
export type TabEndpoint = MessageEndpoint;
