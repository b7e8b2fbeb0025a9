/**
 * B9d baseline: what a first visit cannot avoid without Tandem. In a fresh browser profile (empty
 * HTTP cache, no compiled code), a SharedWorker starts the raw engine, downloading its assets as
 * it goes (PGlite: the same empty image Tandem starts from, its wasm and data; SQLite: sqlite3.wasm),
 * creates the app's schema (the tables Tandem creates on a first visit, without its capture
 * triggers and bookkeeping) and runs one query.
 */
import type { EngineName } from '@tandem/core';
import { BENCH_SCHEMA } from '../schema.ts';
import { openRawEngine } from './raw-engines.ts';

interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null;
}

async function fetchEmptyImage(): Promise<Blob> {
  const response = await fetch(new URL('./tandem-empty-pglite.tar', import.meta.url));
  if (!response.ok) throw new Error(`empty image: HTTP ${response.status}`);
  return response.blob();
}

(self as unknown as SharedWorkerScope).onconnect = (event: MessageEvent) => {
  const port = event.ports[0]!;
  port.onmessage = async (e: MessageEvent) => {
    const { engine } = e.data as { engine: EngineName };
    try {
      const t0 = performance.now();
      const raw = await openRawEngine(engine, fetchEmptyImage);
      const t1 = performance.now();
      await raw.exec(BENCH_SCHEMA);
      const t2 = performance.now();
      const n = await raw.count();
      const t3 = performance.now();
      await raw.close();
      port.postMessage({ ok: true, n, phases: { start: t1 - t0, schema: t2 - t1, query: t3 - t2 } });
    } catch (error) {
      port.postMessage({ ok: false, error: String(error) });
    }
  };
};
