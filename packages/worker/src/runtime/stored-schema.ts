import { ErrorKind, TandemError } from '@tandem/core';
import type { Migration, SchemaIdentity } from '@tandem/core';
import type { JournalEntry } from '../store/journal-store.ts';

/** Where the engine keeps the identity of the schema it holds: commits with it, travels in checkpoints. */
export const SCHEMA_IDENTITY_META_KEY = 'schema_identity';
/**
 * The same in the journal store's meta, for a database that has no checkpoint yet (its data is the
 * journal alone, and each start builds the engine anew): which schema that journal was written for.
 */
export const STORED_IDENTITY_KEY = 'schemaIdentity';

/**
 * The schema version of a local database whose engine holds `stored` (undefined: made before
 * versioning, read as version 0 of the current base), checked against the code's `current` identity.
 * Refuses what no migration can fix: an edited base schema or step (schema_error), or a database
 * already migrated further than this code goes (update_required).
 */
export function storedSchemaVersion(stored: unknown, current: SchemaIdentity, migrations: readonly Migration[], dbName: string): number {
  if (stored === undefined || stored === null) return 0;
  if (!isIdentity(stored)) {
    throw new TandemError(ErrorKind.schemaError, `The local database "${dbName}" holds a schema identity Tandem cannot read; clear this site's data or open it under another \`name\`.`, { stored });
  }
  const latest = current.steps.length;
  if (stored.steps.length > latest) {
    throw new TandemError(
      ErrorKind.updateRequired,
      `The local database "${dbName}" was migrated by a newer version of this app (schema version ${stored.steps.length}; this page has ${latest}): this page is older than its local data: reload.`,
      { stored: stored.steps.length, current: latest },
    );
  }
  if (stored.base !== current.base) {
    throw new TandemError(
      ErrorKind.schemaError,
      `The schema of the local database "${dbName}" differs from the one this app was created with: a shipped schema is frozen. Restore the schema as it was and put the change in a new migration step (defineMigrations) instead.`,
      { stored: stored.base, given: current.base },
    );
  }
  const edited = stored.steps.findIndex((hash, i) => hash !== current.steps[i]);
  if (edited !== -1) {
    const name = migrations[edited]?.name ?? '?';
    throw new TandemError(
      ErrorKind.schemaError,
      `Migration ${edited + 1} ("${name}") differs from the one the local database "${dbName}" already ran: shipped migrations are frozen. Restore it as it was and add a new step instead.`,
      { migration: name, index: edited + 1, stored: stored.steps[edited], given: current.steps[edited] },
    );
  }
  return stored.steps.length;
}

/**
 * The schema version the journal's records were written under (they share one: a migration
 * checkpoints before anything is journaled under the new version); undefined when it holds no
 * action or server change. Records from before versioning carry none: version 0.
 */
export function journalSchemaVersion(entries: readonly JournalEntry[]): number | undefined {
  for (const { record } of entries) if (record.kind !== 'void') return record.v ?? 0;
  return undefined;
}

/** A database that has data written under `version` cannot be opened by code that has fewer steps. */
export function refuseNewerJournal(version: number, latest: number, dbName: string): void {
  if (version <= latest) return;
  throw new TandemError(
    ErrorKind.updateRequired,
    `The local database "${dbName}" holds changes made under schema version ${version} by a newer version of this app; this page has ${latest}: this page is older than its local data: reload.`,
    { stored: version, current: latest },
  );
}

function isIdentity(value: unknown): value is SchemaIdentity {
  const v = value as SchemaIdentity;
  return typeof v === 'object' && typeof v.base === 'string' && Array.isArray(v.steps) && v.steps.every((s) => typeof s === 'string');
}
