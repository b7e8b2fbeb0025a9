import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { quoteIdent } from '@tandem/core/sql';

/** The PostgreSQL the multi-instance tests share (trust auth locally); the same default as the pg unit suites. */
export const PG_URL = process.env.TANDEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type PostgresProbe = { ok: true } | { ok: false; reason: string };

/** Whether {@link PG_URL} answers `select 1` within a few seconds. */
export async function probePostgres(): Promise<PostgresProbe> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => undefined });
  try {
    await sql`select 1`;
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}

/**
 * What a test does when Postgres is unreachable: under CI it must fail (a skipped test would pass
 * silently); locally it is skipped with the reason. Call at the start of the test (or beforeEach)
 * with Playwright's `test.skip`.
 */
export async function requirePostgres(skip: (condition: boolean, description: string) => void): Promise<void> {
  const probe = await probePostgres();
  if (probe.ok) return;
  const message = `PostgreSQL at ${PG_URL} is unreachable (${probe.reason})`;
  if (process.env.CI) throw new Error(`${message}. CI must run the Postgres e2e tests: start PostgreSQL or set TANDEM_PG_URL.`);
  skip(true, `${message}: start PostgreSQL (or set TANDEM_PG_URL) to run this test; with CI set it fails instead.`);
}

/** A name unique to this test run, usable as a schema or NOTIFY channel (lower case, < 63 bytes). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs `fn` with a one-connection client on {@link PG_URL}, then closes it. */
export async function withPostgres<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}

export function dropSchema(schema: string): Promise<void> {
  return withPostgres(async (sql) => {
    await sql.unsafe(`drop schema if exists ${quoteIdent(schema)} cascade`);
  });
}
