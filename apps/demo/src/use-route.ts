import { useSyncExternalStore } from 'react';

export type Route = 'all' | 'active' | 'completed';

/** `#/` (or anything unknown) → all, `#/active`, `#/completed`; `#!/…` is accepted too. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#!?/, '').replace(/\/+$/, '');
  if (path === '/active') return 'active';
  if (path === '/completed') return 'completed';
  return 'all';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current filter, from `location.hash`, so it survives reloads and works with back/forward. */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => parseRoute(window.location.hash), () => 'all');
}
