/**
 * B4d, B7d: the no-SharedWorker mode (`openTandem({ sharedWorker: false })`). The leader page opens
 * the database first: its tab wins the Web Lock and runs the worker script as a dedicated Worker.
 * The measuring page's clients then dial that worker over BroadcastChannel (the worst case: every
 * call and every live diff crosses a BroadcastChannel). The same page also opens a database of its
 * own in SharedWorker mode, and the two are timed in alternating blocks, so d ÷ shared meets the
 * same machine state.
 */
import { leaderLockName } from '@tandem/core';
import type { EngineName } from '@tandem/core';
import { engineConfig } from '../config.ts';
import { coldQueries, HOT_QUERIES, HOT_QUERIES_SQLITE } from './b7.ts';
import { firstResult, now, open } from './common.ts';
import type { BenchDb } from './common.ts';

/** This page's clients, by database name (the leader's db, then the measuring clients). */
const held = new Map<string, BenchDb>();

interface Opts {
  name: string;
  engine?: EngineName;
}

/** The leader page: the first to open `name` without SharedWorker, so its tab hosts the worker. */
export async function noSwLead(opts: Opts) {
  const db = await open(opts.name, engineConfig(opts.engine), { sharedWorker: false });
  held.set(opts.name, db);
  await db.actions.add({ title: 'leader' });
  return { host: (await db.status()).host, locks: await leaderLock(opts.name) };
}

/** Who holds the database's leader lock and how many clients queue for it (the dialling tabs). */
async function leaderLock(name: string) {
  const state = await navigator.locks.query();
  const lock = leaderLockName(name);
  return { held: (state.held ?? []).filter((l) => l.name === lock).length, queued: (state.pending ?? []).filter((l) => l.name === lock).length };
}

export function noSwClose() {
  for (const db of held.values()) db.close();
  held.clear();
}

/**
 * B4d: `db.actions.add()` → durable ack, sequential, in alternating blocks: this page's client of
 * `name` without SharedWorker (the leader's own client in the leader page, a new dialling client
 * elsewhere) and a client of `sharedName` through the SharedWorker.
 */
export async function b4d(opts: Opts & { sharedName: string; n: number; block: number; warmup: number }) {
  const config = engineConfig(opts.engine);
  const leader = held.get(opts.name);
  const d = leader ?? (await open(opts.name, config, { sharedWorker: false }));
  const s = await open(opts.sharedName, config);
  const locks = await leaderLock(opts.name);
  const host = { d: (await d.status()).host, shared: (await s.status()).host };
  let k = 0;
  const dMs: number[] = [];
  const sMs: number[] = [];
  const time = async (db: BenchDb, into: number[] | null) => {
    const t0 = now();
    await db.actions.add({ title: `b4d ${k++}` });
    into?.push(now() - t0);
  };
  for (let i = 0; i < opts.warmup; i++) {
    await time(d, null);
    await time(s, null);
  }
  while (dMs.length < opts.n) {
    for (let i = 0; i < opts.block; i++) await time(d, dMs);
    for (let i = 0; i < opts.block; i++) await time(s, sMs);
  }
  if (!leader) d.close();
  s.close();
  return { d: dMs, shared: sMs, host, locks };
}

/** B7's two tabs (writer A, reader B with 5 hot + 95 cold live queries) on one database. */
async function b7Pair(name: string, engine: EngineName | undefined, sharedWorker: boolean) {
  const hotQueries = engine === 'sqlite' ? HOT_QUERIES_SQLITE : HOT_QUERIES;
  const a = await open(name, engineConfig(engine), { sharedWorker });
  const b = await open(name, engineConfig(engine), { sharedWorker });
  await a.actions.seedCold({});
  const cold = coldQueries();
  let onHot: ((at: number) => void) | null = null;
  await Promise.all([
    ...hotQueries.map(
      (sql) =>
        new Promise<void>((resolve) => {
          let first = true;
          b.live(sql, [], () => {
            if (first) {
              first = false;
              resolve();
              return;
            }
            const cb = onHot;
            onHot = null;
            cb?.(now());
          });
        }),
    ),
    ...cold.map((sql) => firstResult(b, sql).then(() => undefined)),
  ]);
  const before = (await b.debug()).liveEvaluations;
  let v = 0;
  return {
    a,
    b,
    /** One write by A, awaited until B's first hot callback and A's ack: both latencies from the call. */
    async write(): Promise<{ seen: number; ack: number }> {
      const seen = new Promise<number>((resolve) => (onHot = resolve));
      const t0 = now();
      const ack = a.actions.addHot({ v: v++ }).then(() => now());
      const [tSeen, tAck] = await Promise.all([seen, ack]);
      return { seen: tSeen - t0, ack: tAck - t0 };
    },
    /** Re-runs of B's cold queries since subscribing (0 expected), and of the hot ones. */
    async reruns() {
      const after = (await b.debug()).liveEvaluations;
      return {
        cold: cold.reduce((sum, sql) => sum + ((after[sql] ?? 0) - (before[sql] ?? 0)), 0),
        hot: hotQueries.reduce((sum, sql) => sum + ((after[sql] ?? 0) - (before[sql] ?? 0)), 0),
        writes: v,
      };
    },
    close() {
      a.close();
      b.close();
    },
  };
}

/**
 * B7d: B7's loop (A writes `hot`, B holds 100 live queries; A's call → B's first hot callback) with
 * A and B both dialling the leader page's dedicated worker, in alternating blocks with the same
 * pair on `sharedName` through the SharedWorker.
 */
export async function b7d(opts: Opts & { sharedName: string; n: number; block: number; warmup: number }) {
  const d = await b7Pair(opts.name, opts.engine, false);
  const s = await b7Pair(opts.sharedName, opts.engine, true);
  const locks = await leaderLock(opts.name);
  const host = { d: (await d.a.status()).host, shared: (await s.a.status()).host };
  for (let i = 0; i < opts.warmup; i++) {
    await d.write();
    await s.write();
  }
  const out = { d: { seen: [] as number[], ack: [] as number[] }, shared: { seen: [] as number[], ack: [] as number[] } };
  while (out.d.seen.length < opts.n) {
    for (const [pair, into] of [
      [d, out.d],
      [s, out.shared],
    ] as const) {
      for (let i = 0; i < opts.block; i++) {
        const r = await pair.write();
        into.seen.push(r.seen);
        into.ack.push(r.ack);
      }
    }
  }
  const reruns = { d: await d.reruns(), shared: await s.reruns() };
  d.close();
  s.close();
  return { ...out, reruns, host, locks };
}
