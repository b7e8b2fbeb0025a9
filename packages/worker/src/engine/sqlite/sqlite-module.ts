import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { ErrorKind, TandemError } from '@tandem/core';

// The package's types omit the Emscripten module options its init function accepts.
type InitModule = (options?: { locateFile?: (path: string, prefix: string) => string }) => Promise<Sqlite3Static>;
const initModule = sqlite3InitModule as unknown as InitModule;

let loading: Promise<Sqlite3Static> | null = null;

/**
 * The sqlite3 wasm module, instantiated once per JS realm: compiling it costs tens of milliseconds
 * and megabytes, while connections on it are cheap, and tests create engines many times. The first
 * successful caller's `assetsUrl` decides where the wasm comes from; a failed load is retried by the
 * next caller.
 */
export function loadSqlite(assetsUrl?: string): Promise<Sqlite3Static> {
  loading ??= instantiate(assetsUrl).catch((error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

async function instantiate(assetsUrl: string | undefined): Promise<Sqlite3Static> {
  const base = assetsUrl === undefined ? undefined : new URL(assetsUrl.endsWith('/') ? assetsUrl : `${assetsUrl}/`, globalThis.location?.href);
  try {
    // Without assetsUrl the package finds sqlite3.wasm beside its own module (import.meta.url).
    return await initModule(base ? { locateFile: (path) => new URL(path, base).href } : undefined);
  } catch (error) {
    const where = base ? ` from ${new URL('sqlite3.wasm', base).href}` : '';
    throw new TandemError(ErrorKind.internal, `Could not load SQLite's wasm${where}: ${messageOf(error)}. Check the engine's assetsUrl.`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
