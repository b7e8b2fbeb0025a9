/**
 * B7f: 100 live queries on ONE table, one of them affected by each write (issue 17). Tab B holds
 * `items where list_id = $1` for 100 lists; tab A adds an item to list l7; we time A's call → B's
 * l7 callback, A's ack, and count how many of the 100 re-ran per write (their SQL text is shared,
 * so the evaluation counter of that text, minus the 100 at subscribe, over the writes).
 */
import type { EngineName } from '@tandem/core';
import { engineConfig } from '../config.ts';
import { now, open, RawPort } from './common.ts';

export const B7F_SQL = 'select id, v from items where list_id = $1 order by id';
const LISTS = 100;
const HOT = 'l7';

export async function b7f(opts: { name: string; engine?: EngineName; n: number; warmup: number; echoN: number }) {
  const a = await open(opts.name, engineConfig(opts.engine));
  const b = await open(opts.name, engineConfig(opts.engine));
  const raw = new RawPort(opts.name);
  let onHot: ((at: number) => void) | null = null;
  await Promise.all(
    Array.from(
      { length: LISTS },
      (_, i) =>
        new Promise<void>((resolve) => {
          let first = true;
          b.live(B7F_SQL, [`l${i}`], () => {
            if (first) {
              first = false;
              resolve();
              return;
            }
            if (`l${i}` !== HOT) return;
            const cb = onHot;
            onHot = null;
            cb?.(now());
          });
        }),
    ),
  );
  const before = (await b.debug()).liveEvaluations[B7F_SQL] ?? 0;
  const latency: number[] = [];
  const ackA: number[] = [];
  for (let i = 0; i < opts.warmup + opts.n; i++) {
    const seen = new Promise<number>((resolve) => (onHot = resolve));
    const t0 = now();
    const ack = a.actions.addItem({ list: HOT, v: i }).then(() => now());
    const [tSeen, tAck] = await Promise.all([seen, ack]);
    if (i >= opts.warmup) {
      latency.push(tSeen - t0);
      ackA.push(tAck - t0);
    }
  }
  const after = (await b.debug()).liveEvaluations[B7F_SQL] ?? 0;
  const echo: number[] = [];
  for (let i = 0; i < opts.echoN; i++) {
    const t0 = now();
    await raw.echo();
    echo.push(now() - t0);
  }
  raw.close();
  a.close();
  b.close();
  const writes = opts.warmup + opts.n;
  return { latency, ackA, echo, writes, initial: before, reruns: after - before, lists: LISTS };
}
