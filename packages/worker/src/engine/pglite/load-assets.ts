import type { PGliteOptions } from '@electric-sql/pglite';
import { compileEngineWasm, fetchEngineAsset } from '../engine-asset.ts';

type AssetOptions = Pick<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule' | 'fsBundle'>;

/**
 * Fetches PGlite's wasm and data from `assetsUrl` instead of next to PGlite's own module, for
 * bundles that keep the assets elsewhere (a CDN, a different static folder). A file that is missing
 * or served wrong fails the start with a message naming it (engine-asset.ts).
 * initdb.wasm is fetched only when there is no image to start from: it only creates a database.
 */
export async function loadPgliteAssets(assetsUrl: string, needInitdb: boolean): Promise<AssetOptions> {
  const base = new URL(assetsUrl.endsWith('/') ? assetsUrl : `${assetsUrl}/`, globalThis.location?.href);
  const [pgliteWasmModule, fsBundle, initdbWasmModule] = await Promise.all([
    compileEngineWasm('pglite', new URL('pglite.wasm', base)),
    fetchEngineAsset('pglite', new URL('pglite.data', base)).then((r) => r.blob()),
    needInitdb ? compileEngineWasm('pglite', new URL('initdb.wasm', base)) : undefined,
  ]);
  return { pgliteWasmModule, fsBundle, ...(initdbWasmModule ? { initdbWasmModule } : {}) };
}
