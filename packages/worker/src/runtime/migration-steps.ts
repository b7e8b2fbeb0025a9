import { ErrorKind, migrationSql, normaliseSql, TandemError } from '@tandem/core';
import type { Migration, MigrationTx } from '@tandem/core';
import { ENGINE_LABEL } from '../engine/engine-label.ts';
import type { Engine } from '../engine/engine.ts';
import { statementOf } from '../engine/failed-statement.ts';

/**
 * Runs steps `from + 1 … to` of `migrations` (1-based versions) on the engine, each its SQL for the
 * engine's dialect, then its `run`. Call it with capture uninstalled: a step's writes are no action's.
 * No transaction of its own: the engine lives in memory, so a failed step is undone by discarding
 * the engine, and nothing durable changes before the caller checkpoints the result.
 */
export async function runMigrationSteps(engine: Engine, migrations: readonly Migration[], from: number, to: number): Promise<void> {
  const tx: MigrationTx = {
    dialect: engine.dialect,
    query: (sql, params) => engine.query(sql, params ?? []),
    exec: (sql) => engine.exec(sql),
  };
  for (let i = from; i < to; i++) {
    const migration = migrations[i]!;
    try {
      const sql = migrationSql(migration, engine.dialect);
      if (normaliseSql(sql) !== '') await engine.exec(sql);
      if (migration.run) await migration.run(tx);
    } catch (error) {
      throw stepFailed(engine, i + 1, migration.name, error);
    }
  }
}

function stepFailed(engine: Engine, version: number, name: string, error: unknown): TandemError {
  const reason = error instanceof Error ? error.message : String(error);
  const statement = statementOf(error);
  const shown = statement === undefined ? '' : `, in the statement \`${statement.replace(/\s+/g, ' ').trim().slice(0, 300)}\``;
  return new TandemError(
    ErrorKind.schemaError,
    `Migration ${version} ("${name}") failed on the ${ENGINE_LABEL[engine.name]}: ${reason}${shown}. Nothing was changed: the local data stays as it was until a version with a working step is deployed.`,
    { migration: name, version, engine: engine.name, reason, ...(statement !== undefined ? { statement } : {}) },
  );
}
