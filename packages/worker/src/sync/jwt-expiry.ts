/** Longer than any real token: its payload is not worth decoding (and the worker caps tokens at 10 000 characters). */
const MAX_PAYLOAD = 8_192;
/** The latest instant a Date can hold (ms): an `exp` beyond it means "never", as far as timers go. */
const MAX_TIME_MS = 8.64e15;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * When a JWT expires (its payload's numeric `exp`, in ms since the epoch), or null when the token
 * is not a JWT, has no usable `exp`, or is junk. The token comes from the app (or whoever gave the
 * app its token): linear time, and it never throws. The signature is not checked: the server does
 * that; this only decides when to ask the app for a fresh token.
 */
export function jwtExpiry(token: string): number | null {
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  // Exactly three parts: a JWS compact serialisation. (A JWE's payload is encrypted: nothing to read.)
  if (second === -1 || token.indexOf('.', second + 1) !== -1) return null;
  const part = token.slice(first + 1, second);
  if (part.length === 0 || part.length > MAX_PAYLOAD || part.length % 4 === 1 || !BASE64URL.test(part)) return null;
  let payload: unknown;
  try {
    const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const exp = (payload as { exp?: unknown }).exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) return null;
  const ms = exp * 1000;
  return ms <= MAX_TIME_MS ? ms : null;
}
