import type { PGliteOptions } from '@electric-sql/pglite';
import { ErrorKind, TandemError } from '@tandem/core';

type AssetOptions = Pick<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule' | 'fsBundle'>;

/**
 * Fetches PGlite's wasm and data from `assetsUrl` instead of next to PGlite's own module, for
 * bundles that keep the assets elsewhere (a CDN, a different static folder).
 * initdb.wasm is fetched only when there is no image to start from: it only creates a database.
 */
export async function loadPgliteAssets(assetsUrl: string, needInitdb: boolean): Promise<AssetOptions> {
  const base = new URL(assetsUrl.endsWith('/') ? assetsUrl : `${assetsUrl}/`, globalThis.location?.href);
  const [pgliteWasmModule, fsBundle, initdbWasmModule] = await Promise.all([
    compileWasm(new URL('pglite.wasm', base)),
    fetchOk(new URL('pglite.data', base)).then((r) => r.blob()),
    needInitdb ? compileWasm(new URL('initdb.wasm', base)) : undefined,
  ]);
  return { pgliteWasmModule, fsBundle, ...(initdbWasmModule ? { initdbWasmModule } : {}) };
}

async function fetchOk(url: URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new TandemError(ErrorKind.internal, `Could not load the PGlite asset ${url.href}: HTTP ${response.status}. Check the engine's assetsUrl.`);
  return response;
}

async function compileWasm(url: URL): Promise<WebAssembly.Module> {
  const response = await fetchOk(url);
  // Streaming compilation needs the application/wasm content type; fall back for servers without it.
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
