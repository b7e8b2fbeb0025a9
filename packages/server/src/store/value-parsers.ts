/**
 * How both drivers turn Postgres text values into JavaScript, so rows are JSON and look like the
 * rows `to_jsonb` writes into the change log (the worker's PGlite engine makes the same choices):
 * int8 → number when safe (else the exact decimal string), numeric → string, timestamps → ISO 8601
 * as to_jsonb writes them, date → 'YYYY-MM-DD', bytea → '\x…' hex text.
 */
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
