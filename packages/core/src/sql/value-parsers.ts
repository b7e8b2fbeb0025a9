/**
 * How Postgres text values become JavaScript wherever Tandem reads Postgres (the server's two
 * drivers, the worker's PGlite engine), so rows are plain JSON and look like the rows `to_jsonb`
 * writes into patches and the change log. Rows cross postMessage to tabs, are diffed by live
 * queries and compared with JSON rows, so every value is JSON and, where to_jsonb has an opinion,
 * identical to it:
 *
 * - int8 (count(*), bigserial, bigint columns) → number when it is a safe integer, else the exact
 *   decimal string (a BigInt cannot travel as JSON).
 * - numeric → string, because a double would silently round it; cast to float8 for a number.
 * - timestamptz/timestamp → ISO 8601 exactly as to_jsonb writes it
 *   ('2024-05-01T10:00:00.123456+00:00'), not a Date: lossless (microseconds) and JSON.
 * - date → 'YYYY-MM-DD', not a Date at UTC midnight that shifts in other time zones.
 * - bytea → Postgres hex text ('\\x00ff'), as to_jsonb writes it, not bytes.
 * - the rest keeps the driver's defaults (int2/int4/float → number, bool → boolean, json/jsonb →
 *   parsed, arrays element-wise, other types as Postgres's text form).
 */

/** Type OIDs of Postgres's built-in types that Tandem parses itself (pg_type.oid). */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  json: 114,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  jsonb: 3802,
} as const;

export function parseInt8(text: string): number | string {
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

const asText = (text: string): string => text;

/** The text parsers above by type OID, in the shape PGlite's `parsers` option takes. */
export const postgresTextParsers: Readonly<Record<number, (text: string) => unknown>> = {
  [OID.int8]: parseInt8,
  [OID.numeric]: asText,
  [OID.timestamp]: isoTimestamp,
  [OID.timestamptz]: isoTimestamp,
  [OID.date]: asText,
  [OID.bytea]: asText,
};
