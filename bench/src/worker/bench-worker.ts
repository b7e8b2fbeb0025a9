/**
 * The bench SharedWorker: Tandem's worker host offering both engines, like the prebuilt
 * tandem-worker.js (config.engine picks one; each engine's module is imported on first use), plus a
 * side channel for in-worker measurements. Messages `{bench, id, ...}` on a tab's port are answered
 * with `{benchReply: id, ok, result | error}`; Comlink ignores both.
 *
 * Nothing engine-specific is imported statically: `@tandem/worker`'s index re-exports
 * createPgliteEngine, so importing the host from it would put PGlite (~430 kB) on every start-up
 * path, SQLite's included, and skew B9b. The host comes from its own module and the engines, the
 * raw baselines and the profiles (which import PGlite or sqlite-wasm) are dynamic imports.
 */
import { startTandemWorker } from '../../../packages/worker/src/host/start-worker.ts';
import type { BenchRequest } from './bench-messages.ts';
import { instrumentFetch } from './sync-fetches.ts';
import { emptyImage, engineCalls, engines } from './engines.ts';

interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
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
const host = startTandemWorker(scope, { engines, log });
const tandemOnConnect = scope.onconnect!;
// Loaded on the first bench request only: a benchmark's start-up does not pay for it.
let messages: Promise<typeof import('./bench-messages.ts')> | null = null;

scope.onconnect = (event: MessageEvent) => {
  tandemOnConnect(event);
  const port = event.ports[0];
  if (!port) return;
  port.addEventListener('message', (e: MessageEvent) => {
    const data = e.data as BenchRequest | null;
    if (!data || typeof data !== 'object' || !('bench' in data)) return;
    messages ??= import('./bench-messages.ts');
    void messages.then(({ handleBenchMessage }) =>
      handleBenchMessage(host, port, data, { emptyImage, timeline: () => ({ timeOrigin: performance.timeOrigin, moduleStart, logs: [...logs], engineCalls: [...engineCalls] }) }),
    );
  });
};
