import { ErrorKind, TandemError } from '@tandem/core';

/** Quotes a Postgres identifier so any name (mixed case, spaces, quotes) is used verbatim. */
export function quoteIdent(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
    throw new TandemError(ErrorKind.internal, `Invalid SQL identifier ${JSON.stringify(name)}.`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal; standard_conforming_strings is on, so only quotes need doubling. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new TandemError(ErrorKind.internal, 'A SQL literal cannot contain NUL.');
  return `'${value.replaceAll("'", "''")}'`;
}
