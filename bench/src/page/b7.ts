/**
 * B7: the reactive loop. Two Tandem clients in ONE page (two SharedWorker connections, two tab ids:
 * to the worker they are two tabs), so a single performance.now() clock times it: tab A writes the
 * `hot` table, tab B holds 100 live queries (5 on `hot`, 95 on 19 cold tables) and we time A's call
 * → the first of B's hot callbacks. The baseline is a raw echo to the same worker from the same page.
 */
import type { EngineName } from '@tandem/core';
import { benchConfig, engineConfig } from '../config.ts';
import { COLD_TABLES } from '../schema.ts';
import { firstResult, now, open, RawPort } from './common.ts';

export const HOT_QUERIES = [
  'select count(*)::int as n from hot',
  'select id, v from hot order by created_at desc, id desc limit 10',
  'select max(v) as m from hot',
  'select coalesce(sum(v), 0)::bigint as s from hot',
  'select id, v from hot where v >= 0 order by id desc limit 5',
];
/** The same five on SQLite, which has no `::` casts (CAST(... AS integer) there; PGlite's texts are kept as they were). */
export const HOT_QUERIES_SQLITE = [
  'select cast(count(*) as integer) as n from hot',
  HOT_QUERIES[1]!,
  HOT_QUERIES[2]!,
  'select cast(coalesce(sum(v), 0) as integer) as s from hot',
  HOT_QUERIES[4]!,
];

export function coldQueries(): string[] {
  const out: string[] = [];
  // Distinct SQL texts: the worker's evaluation counters are keyed by SQL.
  for (let t = 0; t < COLD_TABLES; t++) for (let g = 0; g < 5; g++) out.push(`select id, v from cold_${t} where grp = ${g} order by id`);
  return out;
}

export async function b7(opts: { name: string; engine?: EngineName; n: number; warmup: number; echoN: number }) {
  const hotQueries = opts.engine === 'sqlite' ? HOT_QUERIES_SQLITE : HOT_QUERIES;
  const a = await open(opts.name, engineConfig(opts.engine));
  const b = await open(opts.name, engineConfig(opts.engine));
  const raw = new RawPort(opts.name);
  await a.actions.seedCold({});

  const cold = coldQueries();
  let onHot: ((at: number) => void) | null = null;
  const subscribed = await Promise.all([
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
  const evaluationsBefore = (await b.debug()).liveEvaluations;

  const latency: number[] = [];
  const ackA: number[] = [];
  for (let i = 0; i < opts.warmup + opts.n; i++) {
    const seen = new Promise<number>((resolve) => (onHot = resolve));
    const t0 = now();
    const ack = a.actions.addHot({ v: i }).then(() => now());
    const [tSeen, tAck] = await Promise.all([seen, ack]);
    if (i >= opts.warmup) {
      latency.push(tSeen - t0);
      ackA.push(tAck - t0);
    }
  }

  const echo: number[] = [];
  for (let i = 0; i < opts.echoN; i++) {
    const t0 = now();
    await raw.echo();
    echo.push(now() - t0);
  }

  // Where a write's time goes with these 100 subscriptions (B still subscribed): in-worker profile.
  const profile = await raw.request<{ sequential: { wallMsPerAction: number; wasmCallsPerAction: number; wasmMsPerAction: number } }>({
    bench: 'profile',
    config: benchConfig(opts.name, engineConfig(opts.engine)),
    action: 'addHot',
    sequential: 100,
    burst: 0,
  });
  const evaluations = (await b.debug()).liveEvaluations;
  const writes = opts.warmup + opts.n + 120; // + the profile's 20 warm-up and 100 writes
  const coldReruns = cold.reduce((sum, sql) => sum + ((evaluations[sql] ?? 0) - 1), 0);
  const coldInitial = cold.reduce((sum, sql) => sum + (evaluationsBefore[sql] ?? 0), 0);
  const hotRuns = hotQueries.reduce((sum, sql) => sum + ((evaluations[sql] ?? 0) - (evaluationsBefore[sql] ?? 0)), 0);
  raw.close();
  a.close();
  b.close();
  return { latency, ackA, echo, profile: profile.sequential, liveQueries: subscribed.length, writes, coldReruns, coldInitial, coldQueries: cold.length, hotRuns, hotQueries: hotQueries.length };
}
