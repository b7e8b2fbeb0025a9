/**
 * B9b baseline: the leanest way to start the same database without Tandem. A SharedWorker reads the
 * newest checkpoint Blob straight from Tandem's IndexedDB (raw IDB, no Dexie), restores it with
 * `PGlite.create({ loadDataDir })` in memory and runs one query.
 */
import { PGlite } from '@electric-sql/pglite';
import { readNewestCheckpoint } from './read-checkpoint.ts';

interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null;
}

const moduleStart = performance.timeOrigin + performance.now();

(self as unknown as SharedWorkerScope).onconnect = (event: MessageEvent) => {
  const port = event.ports[0]!;
  port.onmessage = async (e: MessageEvent) => {
    const { dbName, sql } = e.data as { dbName: string; sql: string };
    try {
      const t0 = performance.now();
      const image = await readNewestCheckpoint(dbName);
      const t1 = performance.now();
      const pg = await PGlite.create({ dataDir: 'memory://', loadDataDir: image });
      const t2 = performance.now();
      const result = await pg.query(sql);
      const t3 = performance.now();
      port.postMessage({ ok: true, rows: result.rows, phases: { readCheckpoint: t1 - t0, restore: t2 - t1, query: t3 - t2 }, imageBytes: image.size, timeOrigin: performance.timeOrigin, moduleStart });
    } catch (error) {
      port.postMessage({ ok: false, error: String(error) });
    }
  };
};
