// A per-client rate limit for POST /api/session: each new session is a user, and a script asking
// for thousands would fill the database with them. A token bucket per client address: `limit`
// requests at once, refilled at `limit` per `windowMs`; a request finding the bucket empty is
// answered 429 with Retry-After. In memory and per process (several instances each allow `limit`).

/** The demo's default: 20 sessions per minute per address. */
export const SESSION_LIMIT = 20;
export const SESSION_WINDOW_MS = 60_000;
/** Buckets kept at most; past that, full ones are dropped first, then the oldest (an attacker with many addresses resets only its own). */
const MAX_CLIENTS = 10_000;

/**
 * `take(key)` → `{ ok: true }` or `{ ok: false, retryAfterS }` (whole seconds until one request is
 * allowed again). `now` is injectable for tests.
 */
export function createRateLimiter({ limit = SESSION_LIMIT, windowMs = SESSION_WINDOW_MS, now = Date.now } = {}) {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`The rate limit must be a whole number ≥ 1 (0 turns it off where that is offered), not ${limit}.`);
  const perMs = limit / windowMs;
  /** key → { tokens, at }: tokens left as of `at`. */
  const buckets = new Map();
  const level = (bucket, t) => Math.min(limit, bucket.tokens + (t - bucket.at) * perMs);

  function prune(t) {
    for (const [key, bucket] of buckets) if (level(bucket, t) >= limit) buckets.delete(key);
    for (const key of buckets.keys()) {
      if (buckets.size < MAX_CLIENTS) break;
      buckets.delete(key);
    }
  }

  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: limit, at: t };
      const tokens = level(bucket, t);
      if (tokens < 1) return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
      buckets.delete(key); // re-inserted last: the map stays ordered by last use
      if (buckets.size >= MAX_CLIENTS) prune(t);
      buckets.set(key, { tokens: tokens - 1, at: t });
      return { ok: true };
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The client's address: the TCP peer, or with `trustProxy` (the server sits behind one reverse
 * proxy that appends to X-Forwarded-For) the last address in that header, the one the proxy saw.
 * Without `trustProxy` the header is ignored: anyone can send it.
 */
export function clientAddress(c, trustProxy) {
  if (trustProxy) {
    const forwarded = c.req.header('X-Forwarded-For');
    const last = forwarded?.split(',').pop()?.trim();
    if (last) return last;
  }
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** Hono middleware answering 429 `{ kind: 'rate_limited', message }` with Retry-After once a client's bucket is empty. */
export function rateLimit(limiter, { trustProxy = false, what = 'requests' } = {}) {
  return async (c, next) => {
    const taken = limiter.take(clientAddress(c, trustProxy));
    if (taken.ok) return next();
    return c.json(
      { kind: 'rate_limited', message: `Too many ${what} from this address: try again in ${taken.retryAfterS} s.` },
      429,
      { 'Retry-After': String(taken.retryAfterS), 'Cache-Control': 'no-store' },
    );
  };
}
