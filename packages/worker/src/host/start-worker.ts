import type { DedicatedWorkerMessage } from '@tandem/core';
import type { WorkerHostOptions } from './worker-host.ts';
import { WorkerHost } from './worker-host.ts';

interface WorkerScope {
  onconnect?: ((event: MessageEvent) => void) | null;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/**
 * Library entry for apps that build their own worker:
 * `startTandemWorker(self, { createEngine: createPgliteEngine })`. The same script runs as the
 * origin's SharedWorker or, where there is none, as the dedicated Worker of the tab elected to host
 * the database (the client decides; nothing here is configured for it).
 */
export function startTandemWorker(scope: WorkerScope, options: WorkerHostOptions): WorkerHost {
  if ('onconnect' in scope) {
    const host = new WorkerHost({ ...options, host: 'shared-worker' });
    scope.onconnect = (event: MessageEvent) => {
      const port = event.ports[0];
      if (port) host.connectPort(port);
    };
    return host;
  }
  const host = new WorkerHost({ ...options, host: 'dedicated-worker' });
  scope.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as Partial<DedicatedWorkerMessage & { database: unknown }> | null;
    if (data?.tandem === 'port' && event.ports[0]) host.connectPort(event.ports[0]);
    else if (data?.tandem === 'serve' && typeof data.database === 'string') host.serveDials(data.database);
  });
  return host;
}
