/** B9: start-up to the first query result. Each function runs in a freshly loaded page. */
import type { EngineName } from '@tandem/core';
import { benchConfig, engineConfig, RAW_FIRST_WORKER_FILE, RAW_WORKER_FILES } from '../config.ts';
import { absNow, firstResult, now, open, RawPort } from './common.ts';

const FIRST_SQL = 'select id, title from todos order by id limit 50';
/** PGlite's count is a bigint (a string in JS) without the cast; SQLite has no `::` and returns a number. */
const COUNT_SQL: Record<EngineName, string> = {
  pglite: 'select count(*)::int as n from todos',
  sqlite: 'select count(*) as n from todos',
};
const countSql = (engine?: EngineName) => COUNT_SQL[engine ?? 'pglite'];

interface Opts {
  name: string;
  engine?: EngineName;
}

/** The app's first tab: opens the database and keeps it (and so the worker) alive. */
let held: Awaited<ReturnType<typeof open>> | null = null;
export async function b9Hold(opts: Opts & { rows: number; perAction: number }) {
  held = await open(opts.name, engineConfig(opts.engine));
  const [{ n }] = (await held.query<{ n: number }>(countSql(opts.engine))) as [{ n: number }];
  const calls: Promise<unknown>[] = [];
  for (let have = n; have < opts.rows; have += opts.perAction) {
    calls.push(held.actions.addMany({ count: Math.min(opts.perAction, opts.rows - have), prefix: `row ${have} ` }));
  }
  await Promise.all(calls);
  return (await held.query<{ n: number }>(countSql(opts.engine)))[0]!.n;
}

/** (a) A second tab while the worker runs: openTandem() → first live result. */
export async function b9Second(opts: Opts) {
  const t0 = now();
  const db = await open(opts.name, engineConfig(opts.engine));
  const opened = now();
  const first = await firstResult(db, FIRST_SQL);
  return { ms: first.at - t0, openMs: opened - t0, rows: first.rows.length };
}

/** (a) baseline: a fresh page reaches the running worker (new SharedWorker → first raw echo). */
export async function b9SecondBaseline(opts: Opts) {
  const t0 = now();
  const raw = new RawPort(opts.name);
  await raw.echo();
  return { ms: now() - t0 };
}

/**
 * (b) setup: fill the database through actions, then close. `checkpoint` (B9b): an explicit
 * checkpoint first, so the next start reads no journal; without it (B9c) the database is left as
 * the app's writes and the runtime's own checkpoint policy left it. `writeMs`: the writes alone.
 */
export async function b9Populate(opts: Opts & { rows: number; perAction: number; checkpoint?: boolean }) {
  const t0 = now();
  const rows = await b9Hold(opts);
  const writeMs = now() - t0;
  const raw = new RawPort(opts.name);
  const config = benchConfig(opts.name, engineConfig(opts.engine));
  const status =
    opts.checkpoint === false
      ? await raw.request<{ lastCheckpointSeq: number; journalRecords: number }>({ bench: 'status', config })
      : await raw.request<{ lastCheckpointSeq: number; journalRecords: number }>({ bench: 'checkpoint', config });
  raw.close();
  held!.close();
  held = null;
  return { rows, status, writeMs };
}

/** (b) first tab, worker not running: openTandem() → first live result (checkpoint restore + replay). */
export async function b9Cold(opts: Opts) {
  const abs0 = absNow();
  const t0 = now();
  const db = await open(opts.name, engineConfig(opts.engine));
  const opened = now();
  const first = await firstResult(db, countSql(opts.engine));
  return { ms: first.at - t0, openMs: opened - t0, n: (first.rows[0] as { n: number }).n, ...(await workerTimeline(opts.name, abs0, opened - t0, first.at - t0)) };
}

/** Afterwards: the worker's own timeline (creation, module evaluated, runtime log lines), in ms after `abs0`. */
async function workerTimeline(name: string, abs0: number, connected: number, firstResult: number) {
  const raw = new RawPort(name);
  const tl = await raw.request<{ timeOrigin: number; moduleStart: number; logs: { at: number; message: string }[]; engineCalls: { start: number; end: number; capture: { start: number; end: number }[] }[] }>({ bench: 'timeline' });
  raw.close();
  const engineReady = tl.logs.find((l) => l.message.startsWith('engine ready'));
  const engineCall = tl.engineCalls[0];
  return {
    phases: {
      workerCreated: tl.timeOrigin - abs0,
      moduleEvaluated: tl.moduleStart - abs0,
      engineCreateStart: engineCall ? engineCall.start - abs0 : NaN,
      engineCreated: engineCall ? engineCall.end - abs0 : NaN,
      captureStart: engineCall?.capture[0] ? engineCall.capture[0].start - abs0 : NaN,
      captureEnd: engineCall?.capture[0] ? engineCall.capture[0].end - abs0 : NaN,
      engineReady: engineReady ? engineReady.at - abs0 : NaN,
      connected,
      firstResult,
    },
    engineLog: engineReady?.message ?? null,
    replayLog: tl.logs.find((l) => l.message.startsWith('replayed'))?.message ?? null,
  };
}

/** (b) baseline: the raw engine restores the same checkpoint + one query, in a fresh SharedWorker. */
export async function b9ColdBaseline(opts: Opts) {
  const t0 = now();
  const worker = new SharedWorker(new URL(RAW_WORKER_FILES[opts.engine ?? 'pglite'], location.href), { type: 'module', name: `raw:${opts.name}` });
  const abs0 = absNow();
  const reply = await new Promise<{ ok: boolean; rows: { n: number }[]; phases: Record<string, number>; imageBytes: number; timeOrigin: number; moduleStart: number; error?: string }>((resolve) => {
    worker.port.onmessage = (e) => resolve(e.data);
    worker.port.postMessage({ dbName: `tandem:${opts.name}`, sql: countSql(opts.engine) });
  });
  const ms = now() - t0;
  worker.port.close();
  if (!reply.ok) throw new Error(reply.error);
  return { ms, n: reply.rows[0]!.n, phases: { workerCreated: reply.timeOrigin - abs0, moduleEvaluated: reply.moduleStart - abs0, ...reply.phases }, imageBytes: reply.imageBytes };
}

/**
 * (d) first visit, empty HTTP cache: openTandem() on a new database → first live result. The same
 * measurement as (b), on a database that does not exist yet (its browser is closed after it).
 */
export const b9First = b9Cold;

/** (d) baseline: the raw engine's first start, downloading its assets, + one query, in a fresh SharedWorker. */
export async function b9FirstBaseline(opts: Opts) {
  const t0 = now();
  const worker = new SharedWorker(new URL(RAW_FIRST_WORKER_FILE, location.href), { type: 'module', name: `raw-first:${opts.name}` });
  const reply = await new Promise<{ ok: boolean; n: number; phases: Record<string, number>; error?: string }>((resolve) => {
    worker.port.onmessage = (e) => resolve(e.data);
    worker.port.postMessage({ engine: opts.engine ?? 'pglite' });
  });
  const ms = now() - t0;
  worker.port.close();
  if (!reply.ok) throw new Error(reply.error);
  return { ms, n: reply.n, phases: reply.phases };
}
