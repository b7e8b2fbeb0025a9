import { defineActions, ErrorKind, TandemError, toErrorData } from '@tandem/core';
import type { ActionDefinitions, TandemConfig } from '@tandem/core';
import type { CreateEngine, Engine } from '../engine/engine.ts';
import type { Checkpoint, JournalStore } from '../store/journal-store.ts';
import { schemaFailed } from './schema-error.ts';

/** What the journal store says about the local database, before the engine starts. */
export interface StoredIdentity {
  schemaVersion: string | undefined;
  engine: string | undefined;
  clientId: string | undefined;
}

/** Refuses a local database created with another engine or another schema. */
export function checkStoredDatabase(config: TandemConfig, stored: StoredIdentity, schemaV: string): void {
  const engineName = config.engine ?? 'pglite';
  if (stored.schemaVersion !== undefined && stored.engine !== undefined && stored.engine !== engineName) {
    // Checkpoints are engine images: a PGlite data dir means nothing to SQLite and vice versa.
    throw new TandemError(
      ErrorKind.schemaError,
      `The local database "${config.name ?? 'tandem'}" was created with the ${stored.engine} engine, not ${engineName}. Open it with engine: '${stored.engine}', or give the ${engineName} database its own \`name\` (it starts empty and syncs from the server).`,
      { stored: stored.engine, given: engineName },
    );
  }
  if (stored.schemaVersion !== undefined && stored.schemaVersion !== schemaV) {
    throw new TandemError(
      ErrorKind.schemaError,
      `The local database "${config.name ?? 'tandem'}" was created with a different schema. Tandem cannot migrate local data yet: open it under a new \`name\` (its data starts empty) or clear this site's data.`,
      { stored: stored.schemaVersion, given: schemaV },
    );
  }
}

/**
 * Starts the engine from the newest checkpoint (or the empty image + the schema) and checks it is
 * the configured one. `from` says which, for the log.
 */
export async function openEngine(
  config: TandemConfig,
  deps: { createEngine: CreateEngine; emptyImage?: () => Promise<Blob | undefined> },
  checkpoint: Checkpoint | undefined,
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
      await engine.exec(config.schema);
    } catch (error) {
      await engine.close();
      throw schemaFailed(engine.name, error);
    }
    await engine.installCapture(await engine.syncedTables());
  }
  return { engine, from: checkpoint ? `checkpoint @${checkpoint.seq}` : image ? 'empty image' : 'initdb' };
}

/**
 * Recorded only once the engine runs this schema: a start that failed (missing wasm, a schema
 * error) must not tie the local database to that engine or schema, so a fixed config starts clean.
 * Returns the client id (a new one on a first start).
 */
export async function recordIdentity(store: JournalStore, stored: StoredIdentity, schemaV: string, engineName: string): Promise<string> {
  let clientId = stored.clientId;
  if (!clientId) {
    clientId = randomId();
    await store.setMeta('clientId', clientId);
  }
  if (stored.schemaVersion === undefined) await store.setMeta('schemaVersion', schemaV);
  if (stored.engine === undefined) await store.setMeta('engine', engineName);
  return clientId;
}

export async function loadDefinitions(load: (url: string) => Promise<ActionDefinitions>, url: string): Promise<ActionDefinitions> {
  let defs: ActionDefinitions;
  try {
    defs = await load(url);
  } catch (error) {
    const data = toErrorData(error, ErrorKind.actionsModuleError);
    throw new TandemError(ErrorKind.actionsModuleError, `Could not load the actions module ${url}: ${data.message}`);
  }
  return defineActions(defs);
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}
