/**
 * A statement's failure, as PGlite's DatabaseError is: a plain Error (an action that hits it fails
 * with kind action_failed) carrying SQLite's result code name and the statement.
 */
export class SqliteError extends Error {
  /** SQLite's extended result code name, e.g. SQLITE_CONSTRAINT_TRIGGER. */
  readonly code: string;
  readonly query: string | undefined;
  constructor(message: string, code: string, query?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SqliteError';
    this.code = code;
    this.query = query;
  }
}
