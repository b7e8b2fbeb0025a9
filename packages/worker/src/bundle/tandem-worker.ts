/**
 * The prebuilt generic SharedWorker. An app copies dist/bundle/ to its static folder and connects
 * with its schema and actions URL; nothing here is app-specific.
 */
import { createPgliteEngine } from '../engine/pglite/pglite-engine.ts';
import { startTandemWorker } from '../host/start-worker.ts';

async function emptyImage(): Promise<Blob | undefined> {
  const response = await fetch(new URL('./tandem-empty-pglite.tar', import.meta.url));
  // Without the image the engine runs initdb: slower first start, same result.
  return response.ok ? response.blob() : undefined;
}

// Explicit assets: PGlite then skips fetching initdb.wasm when it starts from an image.
const assetsUrl = new URL('./', import.meta.url).href;

startTandemWorker(self as unknown as Parameters<typeof startTandemWorker>[0], {
  createEngine: (options) => createPgliteEngine({ assetsUrl, ...options }),
  emptyImage,
});
