import { ErrorKind, TandemError } from '@tandem/core';

/** Quotes an identifier so any table or column name (mixed case, spaces, quotes) is used verbatim. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) {
    throw new TandemError(ErrorKind.internal, `Invalid SQL identifier ${JSON.stringify(name)}.`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal, for the few places SQLite takes no parameter (trigger bodies, RAISE). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new TandemError(ErrorKind.internal, 'A SQL literal cannot contain NUL.');
  return `'${value.replaceAll("'", "''")}'`;
}
