import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { ErrorKind, TandemError } from '@tandem/core';
import { assetUrl, assetsBase } from '../asset-url.ts';
import { compileEngineWasm } from '../engine-asset.ts';
import type { AssetFiles } from '../engine.ts';
import { ENGINE_LABEL } from '../engine-label.ts';

// The package's types omit the Emscripten module options its init function accepts.
type InitModule = (options?: {
  locateFile?: (path: string, prefix: string) => string;
  instantiateWasm?: (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => object;
}) => Promise<Sqlite3Static>;
const initModule = sqlite3InitModule as unknown as InitModule;

let loading: Promise<Sqlite3Static> | null = null;

/**
 * The sqlite3 wasm module, instantiated once per JS realm: compiling it costs tens of milliseconds
 * and megabytes, while connections on it are cheap, and tests create engines many times. The first
 * successful caller's `assetsUrl` (and `files`, renamed files under it) decides where the wasm comes
 * from; a failed load is retried by the next caller.
 */
export function loadSqlite(assetsUrl?: string, files?: AssetFiles): Promise<Sqlite3Static> {
  loading ??= instantiate(assetsUrl, files).catch((error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

/**
 * The engine runs in memory: sqlite-wasm's OPFS VFSes are never used. Left on, in a dedicated Worker
 * (the no-SharedWorker mode) they try to start, fetch `sqlite3-opfs-async-proxy.js`, which is not
 * shipped, and log errors on every start. The library reads this global once, at init.
 */
function disableOpfs(): void {
  (globalThis as { sqlite3ApiConfig?: unknown }).sqlite3ApiConfig = { disable: { vfs: { opfs: true, 'opfs-vfs': true, 'opfs-sahpool': true } } };
}

async function instantiate(assetsUrl: string | undefined, files: AssetFiles | undefined): Promise<Sqlite3Static> {
  disableOpfs();
  if (assetsUrl === undefined) {
    // The package finds sqlite3.wasm beside its own module (import.meta.url), wherever a bundler put it.
    return initModule().catch((error: unknown) => {
      throw new TandemError(ErrorKind.notReady, `The ${ENGINE_LABEL.sqlite} could not load its wasm: ${messageOf(error)}.`);
    });
  }
  const base = assetsBase(assetsUrl);
  // Fetched and compiled here, not by Emscripten: its loader falls back silently on a wrong MIME
  // type and reports a missing file only as "both async and sync fetching of the wasm failed".
  const module = await compileEngineWasm('sqlite', assetUrl(base, 'sqlite3.wasm', files));
  return new Promise<Sqlite3Static>((resolve, reject) => {
    const fail = (error: unknown) => reject(new TandemError(ErrorKind.notReady, `The ${ENGINE_LABEL.sqlite} could not start its wasm: ${messageOf(error)}.`));
    initModule({
      locateFile: (path) => assetUrl(base, path, files).href,
      instantiateWasm(imports, receive) {
        // Emscripten never settles its promise when this fails, so the failure rejects ours.
        WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module), fail);
        return {};
      },
    }).then(resolve, fail);
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
