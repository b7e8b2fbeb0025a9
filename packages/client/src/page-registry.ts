import type { Tandem } from './tandem.ts';

/**
 * Where a page's open Tandem connections are listed: `globalThis[Symbol.for('tandem.instances')]`,
 * a Set. Test tools (`@tandem/testing`) and devtools find the app's connection there without the
 * app exposing it on `window`. A global symbol, so two copies of this package share one list; it
 * holds references only, no state of its own.
 */
export const PAGE_REGISTRY_KEY = 'tandem.instances';

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
