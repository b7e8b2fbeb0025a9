import { ErrorKind, TandemError } from '../errors.ts';

/**
 * Quotes an identifier so any name (mixed case, spaces, quotes) is used verbatim. The same rule
 * holds in Postgres and SQLite, so the server and both engines quote with this one function.
 */
export function quoteIdent(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
    throw new TandemError(ErrorKind.internal, `Invalid SQL identifier ${JSON.stringify(name)}.`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A SQL string literal, for the few places that take no parameter (trigger bodies, RAISE, a
 * setting in a script). Postgres runs with standard_conforming_strings on, and SQLite has no
 * backslash escapes, so only quotes need doubling.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new TandemError(ErrorKind.internal, 'A SQL literal cannot contain NUL.');
  return `'${value.replaceAll("'", "''")}'`;
}
