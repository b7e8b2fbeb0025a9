import { PAGE_REGISTRY_KEY } from '@tandem/core';
import type { Tandem } from './tandem.ts';

/**
 * Where a page's open Tandem connections are listed (`PAGE_REGISTRY_KEY`, a global symbol): test
 * tools (`@tandem/testing`) and devtools find the app's connection there without the app exposing
 * it on `window`. The set holds references only, no state of its own.
 */

type Registry = Set<Tandem>;

function registry(): Registry {
  const key = Symbol.for(PAGE_REGISTRY_KEY);
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[key] ??= new Set());
}

/** Lists `db` until the returned function is called (on close). */
export function registerInPage(db: Tandem): () => void {
  const set = registry();
  set.add(db);
  return () => void set.delete(db);
}
