import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createPostgresDriver } from '../store/postgres-driver.ts';
import type { SqlDriver } from '../store/sql-driver.ts';

/** The real PostgreSQL the `pg` test project runs against (trust auth locally). */
export const PG_URL = process.env.TANDEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type PostgresProbe = { ok: true } | { ok: false; reason: string };

/**
 * Whether {@link PG_URL} answers. Under CI an unreachable database is a failure (a skipped suite
 * would pass silently); locally the suite is skipped with a note saying why.
 */
export async function probePostgres(suite: string): Promise<PostgresProbe> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => undefined });
  let probe: PostgresProbe;
  try {
    await sql`select 1`;
    probe = { ok: true };
  } catch (error) {
    probe = { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
  if (!probe.ok) {
    const message = `${suite}: PostgreSQL at ${PG_URL} is unreachable (${probe.reason}).`;
    if (process.env.CI) throw new Error(`${message} CI must run the Postgres suites: start PostgreSQL or set TANDEM_PG_URL.`);
    console.warn(`${message} Skipping; start PostgreSQL or set TANDEM_PG_URL to run it.`);
  }
  return probe;
}

/** A fresh schema for one suite, so suites never see each other's tables; `drop()` removes it. */
export async function createTestSchema(prefix: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `t_${prefix.replace(/\W/g, '_')}_${randomBytes(5).toString('hex')}`;
  const sql = postgres(PG_URL, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`create schema "${schema}"`);
  } finally {
    await sql.end({ timeout: 1 });
  }
  return {
    schema,
    async drop() {
      const admin = postgres(PG_URL, { max: 1, onnotice: () => undefined });
      try {
        await admin.unsafe(`drop schema if exists "${schema}" cascade`);
      } finally {
        await admin.end({ timeout: 1 });
      }
    },
  };
}

/** A driver on its own fresh schema; closing it drops the schema. */
export async function createTestPostgresDriver(prefix: string, max?: number): Promise<{ driver: SqlDriver; schema: string; cleanup: () => Promise<void> }> {
  const { schema, drop } = await createTestSchema(prefix);
  const driver = createPostgresDriver({ url: PG_URL, searchPath: schema, ...(max ? { max } : {}) });
  return {
    driver,
    schema,
    async cleanup() {
      await driver.close();
      await drop();
    },
  };
}
