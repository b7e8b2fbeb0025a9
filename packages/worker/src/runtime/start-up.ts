import { defineActions, defineMigrations, ErrorKind, TandemError, toErrorData } from '@tandem/core';
import type { ActionDefinitions, Migration, SchemaIdentity, TandemConfig } from '@tandem/core';
import type { UpgradeEnv } from '../actions/upgrade.ts';
import type { CreateEngine, Engine } from '../engine/engine.ts';
import type { Checkpoint, JournalEntry, JournalStore } from '../store/journal-store.ts';
import type { RejectionList } from '../store/rejection-list.ts';
import type { ActionsModule } from './config-version.ts';
import { legacySchemaVersion } from './config-version.ts';
import { migrateLocalDatabase } from './migrate.ts';
import { runMigrationSteps } from './migration-steps.ts';
import { schemaFailed } from './schema-error.ts';
import { journalSchemaVersion, refuseNewerJournal, SCHEMA_IDENTITY_META_KEY, STORED_IDENTITY_KEY, storedSchemaVersion } from './stored-schema.ts';

/** What the journal store says about the local database, before the engine starts. */
export interface StoredIdentity {
  /** A hash of the raw schema, kept by databases made before migrations existed. */
  legacySchemaVersion: string | undefined;
  engine: string | undefined;
  clientId: string | undefined;
}

/** Refuses a local database created with another engine. */
export function checkStoredEngine(config: TandemConfig, stored: StoredIdentity): void {
  const engineName = config.engine ?? 'pglite';
  if (stored.engine !== undefined && stored.engine !== engineName) {
    // Checkpoints are engine images: a PGlite data dir means nothing to SQLite and vice versa.
    throw new TandemError(
      ErrorKind.schemaError,
      `The local database "${config.name ?? 'tandem'}" was created with the ${stored.engine} engine, not ${engineName}. Open it with engine: '${stored.engine}', or give the ${engineName} database its own \`name\` (it starts empty and syncs from the server).`,
      { stored: stored.engine, given: engineName },
    );
  }
}

export interface OpenInput {
  config: TandemConfig;
  deps: { createEngine: CreateEngine; emptyImage?: () => Promise<Blob | undefined> };
  store: JournalStore;
  rejections: RejectionList;
  stored: StoredIdentity;
  checkpoint: Checkpoint | undefined;
  migrations: readonly Migration[];
  identity: SchemaIdentity;
  definitions: ActionDefinitions;
  log: (message: string) => void;
}

export interface OpenedDatabase {
  /** At the code's schema version, holding everything up to `checkpointSeq`. */
  engine: Engine;
  /** Where it came from, for the log. */
  from: string;
  /** Replay starts after it. */
  checkpointSeq: number;
  /** The journal after `checkpointSeq`, when it was read already. */
  entries?: JournalEntry[];
}

/**
 * The local database at this code's schema version: from the newest checkpoint (or built from the
 * schema and steps), checked against the code's schema identity, and migrated when it is older.
 * Without a checkpoint the journal alone holds the data: the engine is built at the schema version
 * its records were written under, so they replay (or migrate) as they were written.
 */
export async function openLocalDatabase(o: OpenInput): Promise<OpenedDatabase> {
  const { config, store, checkpoint, identity, migrations } = o;
  const dbName = config.name ?? 'tandem';
  const latest = identity.steps.length;
  let entries: JournalEntry[] | undefined;
  let built = latest;
  let legacy = false;
  let recorded: unknown;
  if (!checkpoint) {
    let read: JournalEntry[];
    [read, recorded] = await Promise.all([store.readAfter(0), store.getMeta<unknown>(STORED_IDENTITY_KEY)]);
    entries = read;
    const written = journalSchemaVersion(entries);
    legacy = recorded === undefined && o.stored.legacySchemaVersion !== undefined;
    if (recorded !== undefined) built = storedSchemaVersion(recorded, identity, migrations, dbName);
    else if (written !== undefined) {
      // Made before versioning (its records carry no version: 0), or its identity was never stored.
      refuseNewerJournal(written, latest, dbName);
      built = written;
    }
  }
  const { engine, from } = await openEngine(config, o.deps, checkpoint, migrations, built);
  try {
    let version = built;
    if (checkpoint) {
      const stored = await engine.transaction((tx) => tx.readMeta<unknown>(SCHEMA_IDENTITY_META_KEY));
      version = storedSchemaVersion(stored, identity, migrations, dbName);
      legacy = stored === undefined;
    }
    if (legacy && o.stored.legacySchemaVersion !== (await legacySchemaVersion(config))) {
      // Such a database was refused before versioning existed; now it is version 0 of this schema.
      o.log(`the local database "${dbName}" was created before schema versioning with a different schema text; opening it as schema version 0 of the current schema`);
    }
    if (version === latest) {
      if (!checkpoint || legacy) await engine.transaction((tx) => tx.writeMeta(SCHEMA_IDENTITY_META_KEY, identity));
      if (!checkpoint && recorded === undefined) await store.setMeta(STORED_IDENTITY_KEY, identity);
      return { engine, from, checkpointSeq: checkpoint?.seq ?? 0, ...(entries ? { entries } : {}) };
    }
    entries ??= await store.readAfter(checkpoint?.seq ?? 0);
    const checkpointSeq = checkpoint?.seq ?? 0;
    const env: UpgradeEnv = { dialect: engine.dialect, definitions: o.definitions, channelColumns: config.channels ?? {} };
    await migrateLocalDatabase({ engine, store, rejections: o.rejections, env, migrations, identity, from: version, to: latest, entries, checkpointSeq, log: o.log });
    return { engine, from: `${from}, migrated from schema version ${version}`, checkpointSeq: entries.at(-1)?.seq ?? checkpointSeq, entries: [] };
  } catch (error) {
    await engine.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts the engine from the newest checkpoint, or from the empty image with the schema and the
 * first `steps` migrations; checks it is the configured engine. `from` says which, for the log.
 */
async function openEngine(
  config: TandemConfig,
  deps: { createEngine: CreateEngine; emptyImage?: () => Promise<Blob | undefined> },
  checkpoint: Checkpoint | undefined,
  migrations: readonly Migration[],
  steps: number,
): Promise<{ engine: Engine; from: string }> {
  const image = checkpoint?.image ?? (await deps.emptyImage?.().catch(() => undefined));
  const engine = await deps.createEngine(image ? { image } : {});
  const wanted = config.engine ?? 'pglite';
  if (engine.name !== wanted) {
    await engine.close();
    throw new TandemError(
      ErrorKind.invalidRequest,
      `config.engine is '${wanted}', but this Tandem worker was built with the ${engine.name} engine. Use a worker that offers '${wanted}' (the prebuilt tandem-worker.js offers both), or set engine: '${engine.name}'.`,
    );
  }
  if (!checkpoint) {
    try {
      try {
        await engine.exec(config.schema);
      } catch (error) {
        throw schemaFailed(engine.name, error);
      }
      // Capture comes after the steps: on a new database they run as on the server, unobserved.
      await runMigrationSteps(engine, migrations, 0, steps);
      await engine.installCapture(await engine.syncedTables());
    } catch (error) {
      await engine.close();
      throw error;
    }
  }
  return { engine, from: checkpoint ? `checkpoint @${checkpoint.seq}` : image ? 'empty image' : 'initdb' };
}

/**
 * Recorded only once the engine runs this schema: a start that failed (missing wasm, a schema
 * error) must not tie the local database to that engine, so a fixed config starts clean.
 * Returns the client id (`fresh` on a first start).
 */
export async function recordIdentity(store: JournalStore, stored: StoredIdentity, engineName: string, fresh: string = newClientId()): Promise<string> {
  let clientId = stored.clientId;
  if (!clientId) {
    clientId = fresh;
    await store.setMeta('clientId', clientId);
  }
  if (stored.engine === undefined) await store.setMeta('engine', engineName);
  return clientId;
}

/**
 * The app's actions and migrations. A loader may give the module's shape (`{ actions, migrations? }`)
 * or, as before migrations existed, the action definitions alone.
 */
export async function loadActionsModule(load: (url: string) => Promise<ActionDefinitions | ActionsModule>, url: string): Promise<ActionsModule> {
  let loaded: ActionDefinitions | ActionsModule;
  try {
    loaded = await load(url);
  } catch (error) {
    const data = toErrorData(error, ErrorKind.actionsModuleError);
    throw new TandemError(ErrorKind.actionsModuleError, `Could not load the actions module ${url}: ${data.message}`);
  }
  if (!isActionsModule(loaded)) return { actions: defineActions(loaded) };
  const actions = defineActions(loaded.actions);
  if (loaded.migrations === undefined) return { actions };
  try {
    return { actions, migrations: defineMigrations(loaded.migrations) };
  } catch (error) {
    const data = toErrorData(error, ErrorKind.actionsModuleError);
    throw new TandemError(data.kind, `The actions module ${url} exports invalid \`migrations\`: ${data.message}`, data.details);
  }
}

/** `{ actions, migrations? }` rather than definitions (where an action may itself be named `actions`). */
function isActionsModule(value: ActionDefinitions | ActionsModule): value is ActionsModule {
  if (typeof value !== 'object' || value === null) return false;
  const { actions, migrations } = value as { actions?: unknown; migrations?: unknown };
  if (Array.isArray(migrations)) return true;
  return typeof actions === 'object' && actions !== null && typeof (actions as { run?: unknown }).run !== 'function';
}

/** A new client id (a first start's; an early pull may need it before it is recorded). */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}
