import type { TandemConfig } from '@tandem/core';
import { BENCH_SCHEMA } from './schema.ts';

/** Every bench page and the bench worker derive the same config (so the same runtime version). */
export function benchConfig(name: string, extra: Partial<TandemConfig> = {}): TandemConfig {
  return { name, schema: BENCH_SCHEMA, actionsUrl: new URL('./actions.js', self.location.href).href, ...extra };
}

export const WORKER_FILE = './bench-worker.js';
export const RAW_WORKER_FILE = './raw-worker.js';
/** openTandem names the SharedWorker `tandem:<name>`; our own extra ports must use the same name. */
export const workerName = (name: string) => `tandem:${name}`;
