import { ErrorKind, TandemError, migrationContent, migrationSql, sha256Hex } from '@tandem/core';
import type { Migration, MigrationTx, Row } from '@tandem/core';
import type { SqlTx } from '../store/sql-driver.ts';

const IN_SCHEMA = `c.relnamespace = (select oid from pg_namespace where nspname = current_schema())`;

/** Whether Tandem set this database up before (tandem_head) and recorded migrations (current schema only). */
const STATE_SQL = `
select
  exists (select 1 from pg_class c where ${IN_SCHEMA} and c.relname = 'tandem_head') as synced,
  exists (select 1 from pg_class c where ${IN_SCHEMA} and c.relname = 'tandem_migrations') as recorded
`;

const RECORDED_SQL = 'select step, name, hash from tandem_migrations order by step';
const RECORD_SQL = 'insert into tandem_migrations (step, name, hash) values ($1, $2, $3)';

export interface RecordedStep {
  step: number;
  name: string;
  hash: string;
}

export interface MigrationState {
  /** Tandem has set this database up before (its tables exist): the base schema is not run again. */
  synced: boolean;
  /** The steps run so far, in order; empty for a database from before migrations. */
  applied: RecordedStep[];
}

export async function readMigrationState(tx: SqlTx): Promise<MigrationState> {
  const [state] = await tx.query<{ synced: boolean; recorded: boolean }>(STATE_SQL);
  const applied = state!.recorded ? await tx.query<RecordedStep>(RECORDED_SQL) : [];
  return { synced: state!.synced, applied };
}

/**
 * What the server records and compares for one step: its name and its SQL for every dialect, with
 * comments and whitespace removed, and whether it has a JavaScript part. The function's text is
 * left out on purpose: a rebuild with another compiler or minifier reformats it, and a server that
 * refused to start after a toolchain update would be far worse than missing an edited function.
 */
export function stepHash(migration: Migration): Promise<string> {
  // The same identity as the worker's (core's migrationContent: name, normalised SQL, has a run).
  return sha256Hex(migrationContent(migration));
}

function schemaError(message: string, details?: unknown): TandemError {
  return new TandemError(ErrorKind.schemaError, message, details);
}

/**
 * Refuses a database that ran steps this list does not have (the server is older than its
 * database) or ran a different version of one of them (a shipped step was edited).
 */
export function checkApplied(applied: readonly RecordedStep[], migrations: readonly Migration[], hashes: readonly string[]): void {
  if (applied.length > migrations.length) {
    const first = applied[migrations.length]!;
    throw schemaError(
      `This database has run ${applied.length} migrations but this server knows ${migrations.length}: it is older than its database (step ${first.step}, "${first.name}", is unknown here). Deploy the newer server.`,
      { applied: applied.length, known: migrations.length },
    );
  }
  applied.forEach((row, i) => {
    const m = migrations[i]!;
    if (row.step !== i + 1 || row.hash !== hashes[i]) {
      throw schemaError(
        `Migration ${i + 1} "${m.name}" is not the step this database ran as number ${row.step} ("${row.name}"): a shipped migration must not be edited or reordered (comments and whitespace aside). Restore it and append a new migration for the change.`,
        { migration: m.name, step: i + 1, applied: row.name },
      );
    }
  });
}

function migrationTx(tx: SqlTx): MigrationTx {
  return {
    dialect: 'postgres',
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => tx.query<R>(sql, params),
    exec: (sql: string) => tx.exec(sql),
  };
}

/**
 * Runs steps `from` (0-based) to the end inside setup's transaction, recording each. A failing step
 * is a schema_error naming it; the caller's transaction then rolls back every step of this start.
 */
export async function runMigrations(tx: SqlTx, migrations: readonly Migration[], hashes: readonly string[], from: number): Promise<void> {
  const db = migrationTx(tx);
  for (let i = from; i < migrations.length; i++) {
    const m = migrations[i]!;
    const sql = migrationSql(m, 'postgres');
    try {
      if (sql.trim() !== '') await tx.exec(sql);
      if (m.run) await m.run(db);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw schemaError(`Migration ${i + 1} "${m.name}" failed: ${reason}. Nothing was changed: this start's migrations were rolled back; fix the step and start again.`, {
        migration: m.name,
        step: i + 1,
      });
    }
    await tx.query(RECORD_SQL, [i + 1, m.name, hashes[i]]);
  }
}
