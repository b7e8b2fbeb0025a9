import { normaliseSql, sha256Hex } from '@tandem/core';
import type { ActionDefinitions, Migration, TandemConfig } from '@tandem/core';

/** What a worker loads from the app's actions module: its actions and, optionally, its migrations. */
export interface ActionsModule {
  actions: ActionDefinitions;
  /** The module's `migrations` export (defineMigrations): the steps after `config.schema`. */
  migrations?: readonly Migration[];
}

/**
 * The stored schema identity of databases created before migrations existed: a hash of the raw
 * schema text. Still computed so such a database is recognised as schema version 0 of this app.
 */
export function legacySchemaVersion(config: TandemConfig): Promise<string> {
  return sha256Hex(`${config.engine ?? 'pglite'}\n${config.schema}`);
}

/**
 * Identity of a running worker: tabs must agree on it to share the worker, and a tab bringing
 * another one takes it over (or is refused when it is older). `actionsDigest` is a hash of the
 * actions module's content, not its URL, so new code deployed at the same URL is a new version.
 * The schema counts normalised: a comment or reformatting is not a new version.
 */
export function runtimeVersion(config: TandemConfig, actionsDigest: string): Promise<string> {
  // The sync token is left out on purpose: tabs may bring a fresher one to the same worker.
  const sync = config.sync ? `\n${JSON.stringify(config.channels ?? {})}\n${config.sync.url}` : '';
  return sha256Hex(`${config.engine ?? 'pglite'}\n${normaliseSql(config.schema)}\n${actionsDigest}\n${config.name ?? 'tandem'}${sync}`);
}

/**
 * A digest of loaded actions and migrations, for when the module's text cannot be fetched (tests,
 * custom loaders): their code as the engine prints it.
 */
export function definitionsDigest(module: ActionsModule): Promise<string> {
  const parts: string[] = [];
  for (const [name, def] of Object.entries(module.actions)) {
    parts.push(`${name}\n${String(def.run)}\n${def.upgrade ? String(def.upgrade) : ''}`);
  }
  for (const m of module.migrations ?? []) parts.push(`${m.name}\n${JSON.stringify(m.sql ?? '')}\n${m.run ? String(m.run) : ''}`);
  return sha256Hex(parts.join('\n\u0000\n'));
}
