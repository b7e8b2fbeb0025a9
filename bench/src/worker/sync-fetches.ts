/**
 * The worker's sync requests, timed: the bench worker wraps `fetch` (the runtime's HTTP transport
 * looks it up at call time), so B10 can split a first sync into request, response body, JSON parse
 * and what follows. Absolute times (timeOrigin-based), comparable with the page's.
 */
export interface SyncFetch {
  path: string;
  start: number;
  headers: number;
  /** When the JSON body had been read and parsed (`response.json()` resolved). */
  parsed: number;
  /** Of which: reading the body as text, then JSON.parse. */
  bodyMs: number;
  parseMs: number;
  bytes: number;
}

export const syncFetches: SyncFetch[] = [];
const abs = () => performance.timeOrigin + performance.now();

export function instrumentFetch(scope: { fetch: typeof fetch }): void {
  const original = scope.fetch.bind(scope);
  scope.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes('/sync/')) return original(input, init);
    const entry: SyncFetch = { path: new URL(url).pathname, start: abs(), headers: 0, parsed: 0, bodyMs: 0, parseMs: 0, bytes: 0 };
    const response = await original(input, init);
    entry.headers = abs();
    if (syncFetches.length < 200) syncFetches.push(entry);
    // The transport reads the body with response.json(): time it as text + JSON.parse.
    const json = async () => {
      const t0 = performance.now();
      const text = await response.text();
      const t1 = performance.now();
      const value = JSON.parse(text) as unknown;
      entry.bodyMs = t1 - t0;
      entry.parseMs = performance.now() - t1;
      entry.bytes = text.length;
      entry.parsed = abs();
      return value;
    };
    return new Proxy(response, {
      get(target, key) {
        if (key === 'json') return json;
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
}
