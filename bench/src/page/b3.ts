/** B3 runs inside the worker (see worker/b3-in-worker.ts); the tab only starts it. */
import { benchConfig } from '../config.ts';
import { open, RawPort } from './common.ts';

export async function b3(opts: { name: string; n: number; block: number; warmup: number; profileSequential: number; profileBurst: number }) {
  const db = await open(opts.name);
  const raw = new RawPort(opts.name);
  const isolation = await raw.request<{ crossOriginIsolated: boolean }>({ bench: 'isolation' });
  const result = await raw.request<{ tandem: number[]; raw: number[]; rawPg: number[]; rawDexie: number[] }>({
    bench: 'b3',
    config: benchConfig(opts.name),
    n: opts.n,
    block: opts.block,
    warmup: opts.warmup,
  });
  const profile = await raw.request<Record<string, Record<string, number>>>({ bench: 'profile', config: benchConfig(opts.name), sequential: opts.profileSequential, burst: opts.profileBurst });
  raw.close();
  db.close();
  return { ...result, profile, workerCrossOriginIsolated: isolation.crossOriginIsolated };
}
