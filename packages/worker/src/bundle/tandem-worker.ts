/**
 * The prebuilt generic SharedWorker. An app copies dist/bundle/ to its static folder and connects
 * with its schema, actions URL and engine; nothing here is app-specific. Each engine is its own
 * chunk, imported when a config first asks for it, so an app downloads only the engine it uses.
 */
import { startTandemWorker } from '../host/start-worker.ts';

// The engines find their wasm beside the bundle (build-bundle.mjs copies it there, flat).
const assetsUrl = new URL('./', import.meta.url).href;

async function emptyPgliteImage(): Promise<Blob | undefined> {
  const response = await fetch(new URL('./tandem-empty-pglite.tar', import.meta.url));
  // Without the image the engine runs initdb: slower first start, same result.
  return response.ok ? response.blob() : undefined;
}

startTandemWorker(self as unknown as Parameters<typeof startTandemWorker>[0], {
  engines: {
    pglite: async () => {
      const { createPgliteEngine } = await import('../engine/pglite/pglite-engine.ts');
      // Explicit assets: PGlite then skips fetching initdb.wasm when it starts from an image.
      return { createEngine: (options) => createPgliteEngine({ assetsUrl, ...options }), emptyImage: emptyPgliteImage };
    },
    sqlite: async () => {
      const { createSqliteEngine, preloadSqlite } = await import('../engine/sqlite/sqlite-engine.ts');
      return { createEngine: (options) => createSqliteEngine({ assetsUrl, ...options }), warm: () => preloadSqlite(assetsUrl) };
    },
  },
});
