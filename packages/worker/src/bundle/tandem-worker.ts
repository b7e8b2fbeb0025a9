/**
 * The prebuilt generic SharedWorker. An app copies dist/bundle/ to its static folder and connects
 * with its schema, actions URL and engine; nothing here is app-specific. Each engine is its own
 * chunk, imported when a config first asks for it, so an app downloads only the engine it uses.
 */
import { startTandemWorker } from '../host/start-worker.ts';

// The engines find their wasm beside the bundle (build-bundle.mjs copies it there, flat).
const assetsUrl = new URL('./', import.meta.url).href;

async function emptyPgliteImage(): Promise<Blob | undefined> {
  const url = new URL('./tandem-empty-pglite.tar', import.meta.url);
  const response = await fetch(url);
  const type = response.headers.get('content-type') ?? '';
  // An SPA server's fallback page (200, text/html) is no image either: PGlite would fail to read it.
  if (response.ok && !/^text\/html\b/i.test(type)) return response.blob();
  void response.body?.cancel().catch(() => {});
  // Without the image the engine runs initdb: slower first start (~2 s), same result.
  console.warn(`[tandem] ${url.href} answered HTTP ${response.status}${type ? ` (${type})` : ''}: PGlite runs initdb instead (slower first start). Copy every file of the bundle with \`npx tandem-worker copy-assets <dir>\`.`);
  return undefined;
}

startTandemWorker(self as unknown as Parameters<typeof startTandemWorker>[0], {
  engines: {
    pglite: async () => {
      const { createPgliteEngine } = await import('./pglite-engine.ts');
      // Explicit assets: PGlite then skips fetching initdb.wasm when it starts from an image.
      return { createEngine: (options) => createPgliteEngine({ assetsUrl, ...options }), emptyImage: emptyPgliteImage };
    },
    sqlite: async () => {
      const { createSqliteEngine, preloadSqlite } = await import('./sqlite-engine.ts');
      return { createEngine: (options) => createSqliteEngine({ assetsUrl, ...options }), warm: () => preloadSqlite(assetsUrl) };
    },
  },
});
