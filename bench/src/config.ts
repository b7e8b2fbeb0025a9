import type { EngineName, TandemConfig } from '@tandem/core';
import { BENCH_SCHEMA } from './schema.ts';

/** Every bench page and the bench worker derive the same config (so the same runtime version). */
export function benchConfig(name: string, extra: Partial<TandemConfig> = {}): TandemConfig {
  return { name, schema: BENCH_SCHEMA, actionsUrl: new URL('./actions.js', self.location.href).href, ...extra };
}

/**
 * The config fields that pick the engine. PGlite (the worker's default) adds none: its configs stay
 * exactly what they were before engines were selectable, so its rows stay comparable with old runs.
 */
export const engineConfig = (engine?: EngineName): Partial<TandemConfig> => (engine && engine !== 'pglite' ? { engine } : {});

export const WORKER_FILE = './bench-worker.js';
/** B9b baselines, one per engine: each loads only its own engine. */
export const RAW_WORKER_FILES: Record<EngineName, string> = { pglite: './raw-worker.js', sqlite: './raw-sqlite-worker.js' };
/** B9d's baseline: either engine's first start, assets downloaded. */
export const RAW_FIRST_WORKER_FILE = './raw-first-worker.js';
/** openTandem names the SharedWorker `tandem:<name>`; our own extra ports must use the same name. */
export const workerName = (name: string) => `tandem:${name}`;
