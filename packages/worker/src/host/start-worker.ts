import type { WorkerHostOptions } from './worker-host.ts';
import { WorkerHost } from './worker-host.ts';

interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null;
}

/**
 * Library entry for apps that build their own SharedWorker:
 * `startTandemWorker(self, { createEngine: createPgliteEngine })`.
 */
export function startTandemWorker(scope: SharedWorkerScope, options: WorkerHostOptions): WorkerHost {
  const host = new WorkerHost(options);
  scope.onconnect = (event: MessageEvent) => {
    const port = event.ports[0];
    if (port) host.connectPort(port);
  };
  return host;
}
