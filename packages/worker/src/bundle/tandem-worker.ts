/**
 * The prebuilt generic SharedWorker. An app copies dist/bundle/ to its static folder and connects
 * with its schema, actions URL and engine; nothing here is app-specific. Each engine is its own
 * chunk, imported when a config first asks for it, so an app downloads only the engine it uses.
 */
import type { AssetFiles } from '../engine/engine.ts';
import { startTandemWorker } from '../host/start-worker.ts';

/**
 * Replaced at build time (build-bundle.mjs, esbuild `define`) by the content-hashed names of the
 * engines' files and of the empty image in `immutable/`. This script keeps its own name (a
 * SharedWorker is its URL), everything it loads is named by its content, so a server can let
 * browsers cache those for good and a deploy still reaches every tab through this one file.
 */
declare const TANDEM_BUNDLE_FILES: { assetsDir: string; assetFiles: AssetFiles; emptyPgliteImage: string };

const assetsUrl = new URL(TANDEM_BUNDLE_FILES.assetsDir, import.meta.url).href;
const { assetFiles } = TANDEM_BUNDLE_FILES;

async function emptyPgliteImage(): Promise<Blob | undefined> {
  const url = new URL(TANDEM_BUNDLE_FILES.emptyPgliteImage, assetsUrl);
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
      const { createPgliteEngine, preloadPglite } = await import('./pglite-engine.ts');
      return {
        createEngine: (options) => createPgliteEngine({ assetsUrl, assetFiles, ...options }),
        emptyImage: emptyPgliteImage,
        warm: () => preloadPglite(assetsUrl, assetFiles),
      };
    },
    sqlite: async () => {
      const { createSqliteEngine, preloadSqlite } = await import('./sqlite-engine.ts');
      return { createEngine: (options) => createSqliteEngine({ assetsUrl, assetFiles, ...options }), warm: () => preloadSqlite(assetsUrl, assetFiles) };
    },
  },
});
