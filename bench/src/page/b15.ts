/**
 * B15: recovery from the worker's death. One tab holds the database open (with one live query, as
 * an app's tab would); Node kills its SharedWorker through CDP, then this tab calls an action at
 * once: the tab notices the death (the worker's life lock is granted), starts a fresh worker, which
 * reopens from the IndexedDB journal, and retries the call there. Timestamps are absolute
 * (absNow) so Node can set them against the moment it issued the kill. The baseline is the same
 * database opened cold in a fresh tab (worker not running): openTandem() → first acknowledged write.
 */
import type { EngineName } from '@tandem/core';
import type { ConnectionState } from '@tandem/client';
import { engineConfig } from '../config.ts';
import { absNow, open, RawPort } from './common.ts';
import type { BenchDb } from './common.ts';

const COUNT_SQL: Record<EngineName, string> = {
  pglite: 'select count(*)::int as n from todos',
  sqlite: 'select count(*) as n from todos',
};

let db: BenchDb | null = null;
let title = 0;
const events: { state: ConnectionState; at: number }[] = [];

interface Opts {
  name: string;
  engine?: EngineName;
}

/**
 * Opens the database in this tab (a cold start when its worker is not running) and times
 * openTandem() → the first acknowledged `add`. The tab keeps it, with a live count of the rows.
 */
export async function b15Open(opts: Opts) {
  const t0 = absNow();
  db = await open(opts.name, engineConfig(opts.engine));
  const opened = absNow();
  await db.actions.add({ title: `b15 open ${title++}` });
  const acked = absNow();
  db.onConnection((state) => events.push({ state, at: absNow() }));
  await new Promise<void>((resolve) => {
    let first = true;
    db!.live(COUNT_SQL[opts.engine ?? 'pglite'], [], () => {
      if (first) resolve();
      first = false;
    });
  });
  return { ms: acked - t0, openMs: opened - t0 };
}

/** `count` sequential actions: each its own journal record (no checkpoint before 500 of them). */
export async function b15Seed(opts: Opts & { count: number }) {
  for (let i = 0; i < opts.count; i++) await db!.actions.add({ title: `b15 seed ${i}` });
  const [{ n }] = (await db!.query<{ n: number }>(COUNT_SQL[opts.engine ?? 'pglite'])) as [{ n: number }];
  return { rows: n };
}

/** Forgets earlier connection events: the next kill's are the only ones. */
export function b15Arm() {
  events.length = 0;
  return { state: db!.connection };
}

/** The first action after the kill: absolute times of its call and its acknowledgement. */
export async function b15Write() {
  const stateAtCall = db!.connection;
  const callAt = absNow();
  await db!.actions.add({ title: `b15 after kill ${title++}` });
  const ackAt = absNow();
  return { callAt, ackAt, stateAtCall, events: [...events] };
}

/**
 * The fresh worker's own timeline (bench side channel): when it was created, when its module ran,
 * its runtime's log lines (absolute times), and its status.
 */
export async function b15Timeline(opts: Opts) {
  const raw = new RawPort(opts.name);
  const tl = await raw.request<{ timeOrigin: number; moduleStart: number; logs: { at: number; message: string }[] }>({ bench: 'timeline' });
  raw.close();
  const status = await db!.status();
  return { timeOrigin: tl.timeOrigin, moduleStart: tl.moduleStart, logs: tl.logs, journalRecords: status.journalRecords, lastCheckpointSeq: status.lastCheckpointSeq, host: status.host };
}
