/**
 * B4: tab call → durable acknowledgement. Sequential: `db.actions.add()` awaited one at a time vs
 * a raw echo to the same worker. Concurrent: several tabs each fire a burst of actions at once.
 */
import type { EngineName } from '@tandem/core';
import { benchConfig, engineConfig } from '../config.ts';
import { absNow, interleaved, open, RawPort } from './common.ts';
import type { BenchDb } from './common.ts';

export async function b4Sequential(opts: { name: string; engine?: EngineName; durability?: 'relaxed' | 'strict'; n: number; block: number; warmup: number }) {
  // The profile request below must name the same config, or it would be another runtime version.
  const config = { ...engineConfig(opts.engine), ...(opts.durability ? { durability: opts.durability } : {}) };
  const db = await open(opts.name, config);
  const raw = new RawPort(opts.name);
  let k = 0;
  const { subject, baseline } = await interleaved(opts.n, opts.block, opts.warmup, () => db.actions.add({ title: `b4 ${k++}` }), () => raw.echo());
  // The same action run sequentially inside this worker, right after: separates the tab path's cost.
  const inWorker = await raw.request<{ sequential: { wallMsPerAction: number } }>({ bench: 'profile', config: benchConfig(opts.name, config), sequential: 200, burst: 0 });
  raw.close();
  db.close();
  return { ack: subject, echo: baseline, inWorkerMs: inWorker.sequential.wallMsPerAction };
}

let tab: BenchDb | null = null;

export async function b4ConcurrentOpen(opts: { name: string }) {
  tab = await open(opts.name);
  await tab.actions.add({ title: 'warm-up' });
}

/** Fires `count` actions at once and awaits them all; returns absolute start/end timestamps. */
export async function b4ConcurrentFire(opts: { count: number; round: number }) {
  const db = tab!;
  const start = absNow();
  const results = await Promise.allSettled(Array.from({ length: opts.count }, (_, i) => db.actions.add({ title: `c${opts.round}.${i}` })));
  const end = absNow();
  const failed = results.filter((r) => r.status === 'rejected');
  return { start, end, ok: results.length - failed.length, failed: failed.length, firstError: failed[0] ? String((failed[0] as PromiseRejectedResult).reason) : null };
}

export async function b4ConcurrentCounters(opts: { name: string }) {
  const raw = new RawPort(opts.name);
  const status = await raw.request<Record<string, unknown>>({ bench: 'status', config: benchConfig(opts.name) });
  const debug = await tab!.debug();
  raw.close();
  return { status, debug: { actionsRun: debug.actionsRun, batchesCommitted: debug.batchesCommitted, checkpoints: debug.checkpoints } };
}
