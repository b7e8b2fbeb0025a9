/**
 * Tab side of the sync benchmarks. These pages are served by the benchmark's own Tandem server
 * (same origin as its `/sync` routes), so the worker's sync requests are same-origin.
 */
import type { SyncStatus } from '@tandem/core';
import { openTandem } from '@tandem/client';
import type { Tandem } from '@tandem/client';
import type syncActions from '../sync/sync-app.ts';
import { ITEM_NOTE, SYNC_CHANNELS, SYNC_SCHEMA } from '../sync/sync-app.ts';
import { absNow, now, RawPort, workerUrl } from './common.ts';

type SyncDb = Tandem<typeof syncActions>;

export const syncUrl = () => new URL('/sync', location.href).href;

function openSync(name: string, channels: string[]): Promise<SyncDb> {
  return openTandem<typeof syncActions>({
    name,
    schema: SYNC_SCHEMA,
    actionsUrl: new URL('./sync-actions.js', location.href).href,
    worker: workerUrl(),
    channels: SYNC_CHANNELS,
    sync: { url: syncUrl(), token: 'bench', channels },
  });
}

/** Resolves with now() once `predicate(status)` holds (checked now and on every status change). */
function statusWhere(db: SyncDb, predicate: (s: SyncStatus) => boolean): Promise<{ at: number; status: SyncStatus }> {
  return new Promise((resolve) => {
    let off: () => void = () => {};
    let done = false;
    off = db.sync.onStatus((s) => {
      if (done || !predicate(s)) return;
      done = true;
      resolve({ at: now(), status: s });
      queueMicrotask(() => off());
    });
  });
}

// ---------------------------------------------------------------------------------------------
// B10: a new client's initial sync of every row of its channels.

export async function b10Sync(opts: { name: string; channels: string[]; rows: number }) {
  const abs0 = absNow();
  const t0 = now();
  const db = await openSync(opts.name, opts.channels);
  const opened = now();
  const seen = await new Promise<number>((resolve) => {
    db.live('select count(*)::int as n from items', [], (rows) => {
      if ((rows[0] as { n: number }).n >= opts.rows) resolve(now());
    });
  });
  const [{ n }] = (await db.query<{ n: number }>('select count(*)::int as n from items')) as [{ n: number }];
  // The worker's timeline: runtime log lines and its sync requests (absolute times).
  const raw = new RawPort(opts.name);
  const tl = await raw.request<{ timeOrigin: number; moduleStart: number; logs: { at: number; message: string }[] }>({ bench: 'timeline' });
  const fetches = await raw.request<{ path: string; start: number; headers: number; parsed: number; bodyMs: number; parseMs: number; bytes: number }[]>({ bench: 'syncFetches' });
  const calls = await raw.request<{ kind: string; at: number; ms: number; what: string }[]>({ bench: 'b10Calls' });
  raw.close();
  db.close();
  const pull = fetches.find((f) => f.path.endsWith('/pull') && f.bytes > 0);
  const rel = (x: number | undefined) => (x === undefined ? NaN : x - abs0);
  return {
    ms: seen - t0,
    n,
    openMs: opened - t0,
    phases: {
      moduleEvaluated: rel(tl.moduleStart),
      engineReady: rel(tl.logs.find((l) => l.message.startsWith('engine ready'))?.at),
      pullStart: rel(pull?.start),
      pullHeaders: rel(pull?.headers),
      pullParsed: rel(pull?.parsed),
      pullBodyMs: pull?.bodyMs ?? NaN,
      pullParseMs: pull?.parseMs ?? NaN,
      visible: seen - t0,
    },
    pullBytes: pull?.bytes ?? 0,
    requests: fetches.map((f) => f.path.split('/').pop()),
    // Engine round trips and journal appends from the first pull's parse to all rows visible.
    profile: (() => {
      const from = pull?.parsed ?? Infinity;
      const to = abs0 + (seen - t0);
      const inWindow = calls.filter((c) => c.at >= from && c.at <= to);
      const engine = inWindow.filter((c) => c.kind === 'engine');
      return {
        engineCalls: engine.length,
        engineMs: engine.reduce((a, c) => a + c.ms, 0),
        big: engine.filter((c) => c.ms >= 2).map((c) => ({ at: c.at - abs0, ms: c.ms, what: c.what })),
        journal: inWindow.filter((c) => c.kind === 'journal').map((c) => ({ at: c.at - abs0, ms: c.ms, what: c.what })),
        beforeEngineMs: calls.filter((c) => c.kind === 'engine' && c.at < from).reduce((a, c) => a + c.ms, 0),
      };
    })(),
    logs: tl.logs.map((l) => `${(l.at - abs0).toFixed(0)} ms: ${l.message}`),
  };
}

/** B10 baseline, in a bench worker of its own (no Tandem runtime): see worker/sync-in-worker.ts. */
export async function b10Raw(opts: { name: string; channels: string[]; rows: number }) {
  const raw = new RawPort(opts.name);
  try {
    return await raw.request<{ phases: Record<string, number>; bytes: number; rows: number }>({ bench: 'b10raw', url: syncUrl(), channels: opts.channels, rows: opts.rows });
  } finally {
    raw.close();
  }
}

// ---------------------------------------------------------------------------------------------
// B11 devices and Drain: one synced database per page (device), kept in this module.

let device: SyncDb | null = null;
let watched: { title: string | null; resolve: ((at: number) => void) | null; seenAt: number | null } = { title: null, resolve: null, seenAt: null };

export async function syncDeviceOpen(opts: { name: string; channels: string[]; watch?: string }) {
  device = await openSync(opts.name, opts.channels);
  await device.sync.now();
  if (opts.watch) {
    // The newest few rows of the watched channel: B11 waits for a given title to appear here.
    await new Promise<void>((ready) => {
      let first = true;
      device!.live('select title from items where list_id = $1 order by created_at desc, id desc limit 5', [opts.watch], (rows) => {
        if (first) {
          first = false;
          ready();
        }
        const w = watched;
        if (w.title !== null && w.seenAt === null && rows.some((r) => (r as { title: string }).title === w.title)) {
          w.seenAt = absNow();
          w.resolve?.(w.seenAt);
        }
      });
    });
  }
  return { clientId: device.clientId, status: device.sync.status };
}

export function syncDeviceArm(opts: { title: string }) {
  watched = { title: opts.title, resolve: null, seenAt: null };
}

export function syncDeviceSeen(opts: { timeoutMs: number }): Promise<number> {
  const w = watched;
  if (w.seenAt !== null) return Promise.resolve(w.seenAt);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`b11: "${w.title}" not seen within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    w.resolve = (at) => {
      clearTimeout(timer);
      resolve(at);
    };
  });
}

/** One action on this device; `t0` is absolute (comparable across pages once clock offsets are known). */
export async function syncDeviceWrite(opts: { listId: string; title: string }) {
  const t0 = absNow();
  await device!.actions.addItem({ listId: opts.listId, title: opts.title, note: ITEM_NOTE });
  return { t0, ackMs: absNow() - t0 };
}

export function clockNow(): number {
  return absNow();
}

/** Raw WebSocket round trips from this page to an echo server (B11's network floor). */
export async function wsEcho(opts: { url: string; n: number; warmup: number }) {
  const ws = new WebSocket(opts.url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot open ${opts.url}`));
  });
  const payload = JSON.stringify({ type: 'poke', version: 123456 });
  const out: number[] = [];
  for (let i = 0; i < opts.warmup + opts.n; i++) {
    const t0 = now();
    await new Promise<void>((resolve) => {
      ws.onmessage = () => resolve();
      ws.send(payload);
    });
    if (i >= opts.warmup) out.push(now() - t0);
  }
  ws.close();
  return out;
}

export function syncDeviceStatus() {
  return device!.sync.status;
}

/** Drain: `count` actions while the server is down, fired `concurrency` at a time. */
export async function drainOffline(opts: { listId: string; count: number; concurrency: number }) {
  const t0 = now();
  let failed = 0;
  for (let i = 0; i < opts.count; i += opts.concurrency) {
    const calls: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(opts.count, i + opts.concurrency); j++) {
      calls.push(device!.actions.addItem({ listId: opts.listId, title: `offline ${j}`, note: ITEM_NOTE }).catch(() => failed++));
    }
    await Promise.all(calls);
  }
  const ms = now() - t0;
  const status = (await device!.status()).sync;
  return { ms, failed, pending: status.pending, online: status.online, lastError: status.lastError?.message ?? null };
}

/** Drain: the server is back; ask for a sync at once (like an `online` event) and time pending → 0. */
export async function drainReconnect(opts: { timeoutMs: number; kick: boolean }) {
  const db = device!;
  const t0 = now();
  const abs0 = absNow();
  const done = statusWhere(db, (s) => s.pending === 0 && s.online);
  if (opts.kick) db.sync.now().catch(() => {});
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`drain: pending not 0 within ${opts.timeoutMs} ms (${JSON.stringify(db.sync.status)})`)), opts.timeoutMs));
  const { at, status } = await Promise.race([done, timeout]);
  const [{ n }] = (await db.query<{ n: number }>('select count(*)::int as n from items')) as [{ n: number }];
  return { ms: at - t0, abs0, rows: n, status };
}

export function syncDeviceClose() {
  device?.close();
  device = null;
}
