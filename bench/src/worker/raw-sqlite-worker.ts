/**
 * B9b baseline for the SQLite engine: the leanest way to start the same database without Tandem. A
 * SharedWorker reads the newest checkpoint Blob straight from Tandem's IndexedDB (raw IDB, no
 * Dexie), starts sqlite-wasm, deserializes the image into an in-memory database and runs one query.
 * The same order as the PGlite baseline (read, then start the engine), not overlapped.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
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
      const bytes = new Uint8Array(await image.arrayBuffer());
      const t1 = performance.now();
      const sqlite3 = await sqlite3InitModule();
      const t2 = performance.now();
      const { capi, wasm } = sqlite3;
      const db = new sqlite3.oo1.DB(':memory:');
      // sqlite3_deserialize takes ownership of a wasm-heap copy (freed with the database, resizable for writes).
      const pointer = wasm.allocFromTypedArray(bytes);
      const rc = capi.sqlite3_deserialize(db, 'main', pointer, bytes.byteLength, bytes.byteLength, capi.SQLITE_DESERIALIZE_FREEONCLOSE | capi.SQLITE_DESERIALIZE_RESIZEABLE);
      db.checkRc(rc);
      const t3 = performance.now();
      const rows = db.selectObjects(sql);
      const t4 = performance.now();
      db.close();
      port.postMessage({ ok: true, rows, phases: { readCheckpoint: t1 - t0, init: t2 - t1, restore: t3 - t2, query: t4 - t3 }, imageBytes: image.size, timeOrigin: performance.timeOrigin, moduleStart });
    } catch (error) {
      port.postMessage({ ok: false, error: String(error) });
    }
  };
};
