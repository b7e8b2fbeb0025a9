import type { PGlite } from '@electric-sql/pglite';
import { splitStatements } from './split-statements.ts';

/**
 * Which statement of a script that PGlite refused failed. PostgreSQL runs a script as one implicit
 * transaction and names no statement: a syntax error gives its position in the script; other
 * errors (a missing table, a bad column) give none, so the statements are re-run one by one in a
 * transaction that is rolled back, until one fails with the same message. Only after a failure.
 */
export async function failingStatement(pg: PGlite, script: string, error: unknown): Promise<string | undefined> {
  const statements = splitStatements(script);
  const position = Number((error as { position?: unknown }).position) - 1;
  if (position >= 0) return statements.find((s) => position >= s.start && position < s.end)?.text;
  if (statements.length === 1) return statements[0]!.text;
  const message = (error as { message?: unknown }).message;
  try {
    await pg.exec('begin');
    for (const statement of statements) {
      try {
        await pg.exec(statement.text);
      } catch (again) {
        return (again as { message?: unknown }).message === message ? statement.text : undefined;
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await pg.exec('rollback').catch(() => {});
  }
}
