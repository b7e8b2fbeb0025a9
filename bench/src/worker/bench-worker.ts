/**
 * The bench SharedWorker: the library entry of @tandem/worker (exactly what an app building its own
 * worker ships) plus a side channel for in-worker measurements. Messages `{bench, id, ...}` on a
 * tab's port are answered with `{benchReply: id, ok, result | error}`; Comlink ignores both.
 */
import { createPgliteEngine, startTandemWorker } from '@tandem/worker';
import { handleBenchMessage } from './bench-messages.ts';
import type { BenchRequest } from './bench-messages.ts';
import { instrumentFetch } from './sync-fetches.ts';
import { installB10Profile } from './b10-profile.ts';

interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null;
}

export async function emptyImage(): Promise<Blob | undefined> {
  // Copied from @tandem/worker's dist when it exists; without it the engine runs initdb (slower first start).
  const response = await fetch(new URL('./tandem-empty-pglite.tar', import.meta.url));
  return response.ok ? response.blob() : undefined;
}

/** When this module body ran (absolute ms, comparable with a page's timeOrigin + now()). */
const moduleStart = performance.timeOrigin + performance.now();
/** The runtime's log lines with absolute timestamps (the last 50 only: the memory test runs for long). */
export const logs: { at: number; message: string }[] = [];
function log(message: string): void {
  logs.push({ at: performance.timeOrigin + performance.now(), message });
  if (logs.length > 50) logs.shift();
  console.info(`[tandem] ${message}`);
}

const scope = self as unknown as SharedWorkerScope;
// Times the runtime's sync requests (B10); other fetches pass straight through.
instrumentFetch(self as unknown as { fetch: typeof fetch });
if ((self as unknown as { name?: string }).name?.startsWith('tandem:b10-')) installB10Profile();
const host = startTandemWorker(scope, { createEngine: createPgliteEngine, emptyImage, log });
const tandemOnConnect = scope.onconnect!;

scope.onconnect = (event: MessageEvent) => {
  tandemOnConnect(event);
  const port = event.ports[0];
  if (!port) return;
  port.addEventListener('message', (e: MessageEvent) => {
    const data = e.data as BenchRequest | null;
    if (data && typeof data === 'object' && 'bench' in data) void handleBenchMessage(host, port, data, { emptyImage, timeline: () => ({ timeOrigin: performance.timeOrigin, moduleStart, logs: [...logs] }) });
  });
};
