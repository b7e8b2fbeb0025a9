/**
 * Which statement of a script failed, as `Engine.exec` reports it: a `statement` property on the
 * error it throws. A property, not a wrapper, so the engine's own error (PGlite's DatabaseError,
 * SqliteError) and everything on it stay as they are.
 */
export function withStatement<E>(error: E, statement: string | undefined): E {
  if (statement !== undefined && typeof error === 'object' && error !== null) {
    Object.defineProperty(error, 'statement', { value: statement, enumerable: true, configurable: true, writable: true });
  }
  return error;
}

export function statementOf(error: unknown): string | undefined {
  const statement = typeof error === 'object' && error !== null ? (error as { statement?: unknown }).statement : undefined;
  return typeof statement === 'string' ? statement : undefined;
}
