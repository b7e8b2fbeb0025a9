import type { PGliteOptions } from '@electric-sql/pglite';
import { compileEngineWasm, fetchEngineAsset } from '../engine-asset.ts';
import { assetUrl, assetsBase } from '../asset-url.ts';
import type { AssetFiles } from '../engine.ts';

type AssetOptions = Pick<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule' | 'fsBundle'>;

/**
 * Fetches PGlite's wasm and data from `assetsUrl` instead of next to PGlite's own module, for
 * bundles that keep the assets elsewhere (a CDN, a different static folder). A file that is missing
 * or served wrong fails the start with a message naming it (engine-asset.ts). `files` maps the
 * plain names to renamed (content-hashed) ones.
 * initdb.wasm is loaded even when starting from an image, where it is not run: PGlite 0.5.16, when
 * not given its module, starts fetching `./initdb.wasm` beside its own chunk on every start in a
 * browser. Passing it keeps that download on our URL (content-hashed in the bundle, so cached for
 * good) instead of an unhashed name that would be revalidated or, renamed, answer 404.
 */
export function loadPgliteAssets(assetsUrl: string, files?: AssetFiles): Promise<AssetOptions> {
  const base = assetsBase(assetsUrl);
  // One download and compile per worker: the modules and the data Blob serve every engine it starts
  // (a hand-over, a reopen), and a warm-up started while the lock and the journal were awaited.
  const key = `${base.href} ${JSON.stringify(files ?? {})}`;
  let loaded = loading.get(key);
  if (!loaded) {
    loaded = load(base, files);
    loading.set(key, loaded);
    // A failure is not kept: the next start tries again (a network blip must not doom the worker).
    loaded.catch(() => loading.delete(key));
  }
  return loaded;
}

/** Starts fetching and compiling PGlite's files now, for the engine's start to find them ready. */
export function preloadPglite(assetsUrl: string, files?: AssetFiles): void {
  loadPgliteAssets(assetsUrl, files).catch(() => {}); // reported by the start that awaits it
}

const loading = new Map<string, Promise<AssetOptions>>();

async function load(base: URL, files: AssetFiles | undefined): Promise<AssetOptions> {
  const [wasm, data, initdb] = await Promise.allSettled([
    compileEngineWasm('pglite', assetUrl(base, 'pglite.wasm', files)),
    fetchEngineAsset('pglite', assetUrl(base, 'pglite.data', files)).then((r) => r.blob()),
    compileEngineWasm('pglite', assetUrl(base, 'initdb.wasm', files)),
  ]);
  // Fetched together, reported in this order: the same fault always names the same file.
  if (wasm.status === 'rejected') throw wasm.reason;
  if (data.status === 'rejected') throw data.reason;
  if (initdb.status === 'rejected') throw initdb.reason;
  return { pgliteWasmModule: wasm.value, fsBundle: data.value, initdbWasmModule: initdb.value };
}
