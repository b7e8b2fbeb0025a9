import { ErrorKind, sha256Hex, TandemError } from '@tandem/core';
import type { ActionDefinitions, Migration } from '@tandem/core';
import type { ActionsModule } from '../runtime/config-version.ts';
import { definitionsDigest } from '../runtime/config-version.ts';
import { loadActionsModule } from '../runtime/start-up.ts';

/** The app's actions module as a worker loaded it, with what identifies that code. */
export interface LoadedActions {
  module: ActionsModule;
  /** Hash of the module's text (or, when it could not be fetched, of its loaded definitions). */
  digest: string;
  /** The number of migrations the module declares: the schema version this code runs. */
  schemaVersion: number;
}

/** A custom loader (tests, apps that bundle their actions into their own worker). */
export type LoadActions = (url: string) => Promise<ActionsModule | ActionDefinitions>;

/**
 * Loads the actions module a tab names and identifies it by content, so a deploy at the same URL
 * is a new version. The module map of a worker caches by URL for its whole life: code of another
 * digest than the one this worker imported at that URL is imported again under `?tandem=<digest>`.
 */
export class ActionsModuleLoader {
  readonly #custom: LoadActions | undefined;
  readonly #fetch: typeof fetch;
  /** URL → digest of the code this worker imported at that exact URL (first come). */
  readonly #importedAt = new Map<string, string>();

  constructor(options: { loadActions?: LoadActions; fetch?: typeof fetch } = {}) {
    this.#custom = options.loadActions;
    this.#fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  async load(url: string): Promise<LoadedActions> {
    const text = await this.#text(url);
    const digest = text === null ? null : await sha256Hex(text);
    // The runtime's own reading of a module: the same shapes accepted, the same errors.
    const module = await loadActionsModule((u) => (this.#custom ? this.#custom(u) : this.#import(u, digest)), url);
    return { module, digest: digest ?? (await definitionsDigest(module)), schemaVersion: module.migrations?.length ?? 0 };
  }

  /** The module's text, revalidated with the server; null when it cannot be fetched (the digest then comes from the code). */
  async #text(url: string): Promise<string | null> {
    try {
      const response = await this.#fetch(url, { cache: 'no-cache' });
      if (!response.ok) {
        void response.body?.cancel().catch(() => {});
        return null;
      }
      return await response.text();
    } catch {
      return null;
    }
  }

  async #import(url: string, digest: string | null): Promise<ActionsModule> {
    const first = this.#importedAt.get(url);
    if (first === undefined && digest !== null) this.#importedAt.set(url, digest);
    const target = first === undefined || first === digest || digest === null ? url : withQuery(url, 'tandem', digest);
    const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ target)) as { default?: unknown; actions?: unknown; migrations?: unknown };
    const actions = mod.default ?? mod.actions;
    if (!actions) throw new TandemError(ErrorKind.actionsModuleError, `${url} has no default export (or \`actions\` export) of defineActions(...).`);
    return { actions: actions as ActionDefinitions, ...(mod.migrations !== undefined ? { migrations: mod.migrations as Migration[] } : {}) };
  }
}

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.href;
}
