import { ErrorKind, TandemError } from '@tandem/core';
import type { EngineName } from '@tandem/core';
import { ENGINE_LABEL } from '../engine/engine-label.ts';
import { statementOf } from '../engine/failed-statement.ts';

const MAX_STATEMENT_CHARS = 300;

/** The schema_error for a schema script the engine refused: which engine, why, and which statement. */
export function schemaFailed(engine: EngineName, error: unknown): TandemError {
  const reason = error instanceof Error ? error.message : String(error);
  const statement = statementOf(error);
  const shown = statement === undefined ? undefined : shorten(statement.replace(/\s+/g, ' ').trim().replace(/;$/, ''));
  return new TandemError(
    ErrorKind.schemaError,
    `The schema failed on the ${ENGINE_LABEL[engine]}: ${reason}${shown ? `, in the statement \`${shown}\`` : ''}. Fix the schema passed to openTandem().`,
    { engine, reason, ...(statement !== undefined ? { statement } : {}) },
  );
}

function shorten(text: string): string {
  return text.length <= MAX_STATEMENT_CHARS ? text : `${text.slice(0, MAX_STATEMENT_CHARS - 1)}…`;
}
