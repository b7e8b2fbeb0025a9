/** B3 runs inside the worker (see worker/b3-in-worker.ts); the tab only starts it. */
import type { EngineName } from '@tandem/core';
import { benchConfig, engineConfig } from '../config.ts';
import { open, RawPort } from './common.ts';

export async function b3(opts: { name: string; engine?: EngineName; n: number; block: number; warmup: number; profileSequential: number; profileBurst: number }) {
  const config = benchConfig(opts.name, engineConfig(opts.engine));
  const db = await open(opts.name, engineConfig(opts.engine));
  const raw = new RawPort(opts.name);
  const isolation = await raw.request<{ crossOriginIsolated: boolean }>({ bench: 'isolation' });
  const result = await raw.request<{ tandem: number[]; raw: number[]; rawPg: number[]; rawDexie: number[]; tandemBlocks: number[]; rawBlocks: number[] }>({
    bench: 'b3',
    config,
    n: opts.n,
    block: opts.block,
    warmup: opts.warmup,
  });
  const profile = await raw.request<Record<string, Record<string, number>>>({ bench: 'profile', config, sequential: opts.profileSequential, burst: opts.profileBurst });
  raw.close();
  db.close();
  return { ...result, profile, workerCrossOriginIsolated: isolation.crossOriginIsolated };
}
