import { ErrorKind, TandemError } from '@tandem/core';

/** Quotes a Postgres identifier so any table name (mixed case, spaces, quotes) is used verbatim. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) {
    throw new TandemError(ErrorKind.internal, `Invalid SQL identifier ${JSON.stringify(name)}.`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}
