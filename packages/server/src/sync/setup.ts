import { ErrorKind, SYNC_LIMITS, TandemError, defineMigrations, migrationSql } from '@tandem/core';
import type { SqlDriver, SqlTx } from '../store/sql-driver.ts';
import { compactThrough } from './compact.ts';
import { checkApplied, readMigrationState, runMigrations, stepHash } from './migrate.ts';
import {
  CAPTURED_TABLES_SQL,
  captureFunctionsSql,
  DESCRIBE_SYNCED_TABLES_SQL,
  dropTriggersSql,
  installTriggersSql,
  SYNC_TABLES_SQL,
  TEXT_LIKE_ID_TYPES,
} from './server-schema-sql.ts';
import type { ChannelColumns, SyncStoreOptions } from './sync-store.ts';

interface TableShape {
  name: string;
  col: string;
  exists: boolean;
  id_type: string | null;
  has_channel: boolean;
}

function schemaError(message: string, details?: unknown): TandemError {
  return new TandemError(ErrorKind.schemaError, message, details);
}

/** Checks the options' shape before anything touches the database. */
export function checkSyncStoreOptions(options: SyncStoreOptions): void {
  if (typeof options !== 'object' || options === null) throw schemaError('createSyncStore needs options { schema, channels, actions }.');
  if (typeof options.schema !== 'string') throw schemaError('options.schema must be the app schema SQL (a string).');
  if (typeof options.actions !== 'object' || options.actions === null) throw schemaError('options.actions must be the app actions (defineActions(...)).');
  const channels: unknown = options.channels;
  if (typeof channels !== 'object' || channels === null || Array.isArray(channels)) {
    throw schemaError('options.channels must map each synced table to its channel column, e.g. { todos: "list_id" }.');
  }
  if (options.pullLimit !== undefined && (!Number.isSafeInteger(options.pullLimit) || options.pullLimit < 1)) {
    throw schemaError(`options.pullLimit must be a positive integer, got ${String(options.pullLimit)}.`);
  }
  const up = options.commitChanges;
  if (up !== undefined && (!Number.isSafeInteger(up) || up < 0 || up > SYNC_LIMITS.pokeChanges)) {
    throw schemaError(`options.commitChanges must be an integer from 0 to ${SYNC_LIMITS.pokeChanges}, got ${String(up)}.`);
  }
  if (options.migrations !== undefined) {
    if (!Array.isArray(options.migrations)) throw schemaError('options.migrations must be the app migrations (defineMigrations([...])), oldest first.');
    // A step without Postgres SQL would be skipped here and run on devices: refused before anything runs.
    for (const m of defineMigrations(options.migrations)) migrationSql(m, 'postgres');
  }
  for (const [table, column] of Object.entries(channels)) {
    if (table.length === 0 || table.startsWith('tandem_')) throw schemaError(`options.channels: ${JSON.stringify(table)} cannot be a synced table (tandem_* tables are Tandem's own).`);
    if (typeof column !== 'string' || column.length === 0) throw schemaError(`options.channels.${table} must name the table's channel column.`);
  }
}

function describeTables(tx: SqlTx, channels: ChannelColumns): Promise<TableShape[]> {
  const tables = Object.keys(channels);
  return tx.query<TableShape>(DESCRIBE_SYNCED_TABLES_SQL, [tables, tables.map((t) => channels[t]!)]);
}

function problemsOf(shapes: readonly TableShape[], schema: string, missingHint: string): string[] {
  const problems: string[] = [];
  for (const t of shapes) {
    if (!t.exists) {
      problems.push(`table "${t.name}" does not exist in schema "${schema}" (${missingHint})`);
    } else if (t.id_type === null) {
      problems.push(`table "${t.name}" needs a single-column primary key named "id"`);
    } else if (!TEXT_LIKE_ID_TYPES.includes(t.id_type)) {
      problems.push(`table "${t.name}" has primary key "id" of type ${t.id_type}; synced tables need a text, varchar or uuid id supplied by the action`);
    }
    if (t.exists && !t.has_channel) problems.push(`table "${t.name}" has no channel column "${t.col}"`);
  }
  return problems;
}

/**
 * Makes the database ready to sync, idempotently: on a database Tandem has not set up yet, the app
 * schema when its tables are missing; then the tandem_* tables, the migration steps this database
 * has not run (see migrate.ts), and capture triggers on exactly the tables in `options.channels`,
 * installed after the steps so columns they add are captured. One transaction under an advisory
 * lock, so server processes starting together on one database take turns (the later ones find the
 * steps done), and a bad setup or a failing step changes nothing.
 */
export async function setupSyncSchema(driver: SqlDriver, options: SyncStoreOptions): Promise<void> {
  checkSyncStoreOptions(options);
  const migrations = options.migrations ?? [];
  const hashes = await Promise.all(migrations.map(stepHash));
  await driver.transaction(async (tx) => {
    const [where] = await tx.query<{ schema: string | null }>(
      `select current_schema() as schema, pg_advisory_xact_lock(hashtext('tandem.setup'), hashtext(coalesce(current_schema(), ''))) as locked`,
    );
    const schema = where?.schema;
    if (!schema) throw schemaError('No schema to work in: the search_path names no existing schema. Create it or fix searchPath.');

    const state = await readMigrationState(tx);
    checkApplied(state.applied, migrations, hashes);
    // The base schema is frozen once shipped: only a database Tandem never set up runs it. One set
    // up before migrations existed is version 0 and gets every step.
    const fresh = !state.synced && state.applied.length === 0;
    if (fresh) {
      const shapes = await describeTables(tx, options.channels);
      if (shapes.some((t) => !t.exists)) {
        try {
          await tx.exec(options.schema);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw schemaError(`The app schema (options.schema) failed: ${reason}. Synced tables were missing, so it ran; fix the SQL or create the tables first.`, {
            missing: shapes.filter((t) => !t.exists).map((t) => t.name),
          });
        }
      }
    }
    await tx.exec(SYNC_TABLES_SQL);

    const capturedTables = async () => (await tx.query<{ name: string }>(CAPTURED_TABLES_SQL)).map((r) => r.name);
    if (state.applied.length < migrations.length) {
      // A step's writes are nobody's action: every device runs the same step on its own rows, so
      // nothing is captured (and the capture trigger would refuse them). Reinstalled below.
      const captured = await capturedTables();
      if (captured.length > 0) await tx.exec(captured.map(dropTriggersSql).join('\n'));
      await runMigrations(tx, migrations, hashes, state.applied.length);
      if (!fresh) {
        // The change log holds rows shaped for the old schema (a new NOT NULL column missing from
        // them): a device at the new version must not replay them. Dropping the history makes a
        // device behind the head take a snapshot of the migrated rows instead.
        const [head] = await tx.query<{ version: number }>('select version from tandem_head');
        await compactThrough(tx, Number(head?.version ?? 0));
      }
    }

    const shapes = await describeTables(tx, options.channels);
    const problems = problemsOf(shapes, schema, fresh ? 'not even after running options.schema and the migrations' : 'this database was set up before: create it in a migration');
    if (problems.length > 0) {
      throw schemaError(`Cannot sync these tables: ${problems.join('; ')}.`, { problems });
    }

    const stale = (await capturedTables()).filter((t) => !Object.hasOwn(options.channels, t));
    await tx.exec(
      [
        captureFunctionsSql(schema),
        ...Object.entries(options.channels).map(([table, column]) => installTriggersSql(table, column)),
        ...stale.map(dropTriggersSql),
      ].join('\n'),
    );
  });
}
