import { types } from '@electric-sql/pglite';
import type { ParserOptions } from '@electric-sql/pglite';

/**
 * How result values reach JavaScript. Rows cross postMessage to tabs, are diffed by live queries
 * and compared with the JSON rows in patches, so every value is plain JSON and, where Postgres's
 * own to_jsonb (the patch format) has an opinion, identical to it:
 *
 * - int2/int4/float4/float8 → number; bool → boolean; json/jsonb → parsed; arrays element-wise
 *   (PGlite's defaults).
 * - int8 (count(*), bigserial, bigint columns) → number when it is a safe integer, else the exact
 *   decimal string. PGlite would return a BigInt, which JSON cannot carry.
 * - numeric → string (PGlite's default), because a double would silently round it; cast to
 *   float8 in SQL when a number is wanted.
 * - timestamptz/timestamp → ISO 8601 string exactly as to_jsonb writes it
 *   ('2024-05-01T10:00:00.123456+00:00'), not a Date: lossless (microseconds) and JSON.
 * - date → 'YYYY-MM-DD' string, not a Date at UTC midnight that shifts in other time zones.
 * - bytea → Postgres hex text ('\\x00ff'), as to_jsonb writes it, not a Uint8Array.
 * - everything else (uuid, time, interval, money…) → Postgres's text form.
 */
export const pgliteParsers: ParserOptions = {
  [types.INT8]: parseInt8,
  [types.NUMERIC]: (text) => text,
  [types.TIMESTAMP]: isoTimestamp,
  [types.TIMESTAMPTZ]: isoTimestamp,
  [types.DATE]: (text) => text,
  [types.BYTEA]: (text) => text,
};

function parseInt8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

// Postgres's ISO DateStyle output: '2024-05-01 10:00:00.123+02', offset minutes/seconds optional.
const pgTimestamp = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-]\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/;

/** Rewrites Postgres's timestamp text to to_jsonb's form; anything else (infinity) passes as is. */
export function isoTimestamp(text: string): string {
  const m = pgTimestamp.exec(text);
  if (!m) return text;
  const [, date, time, hours, minutes, seconds, bc] = m;
  const offset = hours === undefined ? '' : `${hours}:${minutes ?? '00'}${seconds ? `:${seconds}` : ''}`;
  return `${date}T${time}${offset}${bc ?? ''}`;
}
