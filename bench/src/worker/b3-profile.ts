/**
 * Where an action's time goes (diagnostic for B3/B4/B7): counts the engine's calls into its wasm and
 * the time spent in them, and the time in the journal's `append`, for sequential actions and for one
 * concurrent burst (a group-commit batch). PGlite: protocol round trips (`execProtocolRawSync`, one
 * per message sent to the wasm backend). SQLite: statements run by the engine's connection
 * (`SqliteConnection` all/once/exec: bind + step + read rows, the outermost call only). Patches are
 * installed only while it runs.
 */
import { PGlite } from '@electric-sql/pglite';
import Dexie from 'dexie';
import type { EngineName } from '@tandem/core';
import { DexieJournalStore } from '@tandem/worker';
import type { TandemRuntime } from '@tandem/worker';
import { SqliteConnection } from '../../../packages/worker/src/engine/sqlite/connection.ts';

interface Tally {
  wasmCalls: number;
  wasmMs: number;
  journalCalls: number;
  journalMs: number;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The engine's synchronous calls into wasm, by engine: [prototype, method name]. */
function engineCalls(engine: EngineName): [Record<string, Method>, string][] {
  if (engine === 'sqlite') {
    const proto = SqliteConnection.prototype as unknown as Record<string, Method>;
    return [[proto, 'all'], [proto, 'once'], [proto, 'exec']];
  }
  return [[PGlite.prototype as unknown as Record<string, Method>, 'execProtocolRawSync']];
}

function instrument(engine: EngineName = 'pglite'): { tally: Tally; restore: () => void } {
  const tally: Tally = { wasmCalls: 0, wasmMs: 0, journalCalls: 0, journalMs: 0 };
  const store = DexieJournalStore.prototype as unknown as { append: (this: unknown, records: unknown[]) => Promise<number[]> };
  const append = store.append;
  const originals = engineCalls(engine).map(([proto, name]) => [proto, name, proto[name]!] as const);
  // Synchronous and possibly nested (SQLite's run() calls all()): only the outermost call counts.
  let depth = 0;
  for (const [proto, name, original] of originals) {
    proto[name] = function (...args) {
      if (depth > 0) return original.apply(this, args);
      depth++;
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        depth--;
        tally.wasmMs += performance.now() - t0;
        tally.wasmCalls++;
      }
    };
  }
  store.append = async function (records) {
    const t0 = performance.now();
    try {
      return await append.call(this, records);
    } finally {
      tally.journalMs += performance.now() - t0;
      tally.journalCalls++;
    }
  };
  return {
    tally,
    restore: () => {
      for (const [proto, name, original] of originals) proto[name] = original;
      store.append = append;
    },
  };
}

/**
 * The journal's append shape vs simpler IndexedDB writes of the same record, alternating, on a
 * scratch database: explicit Dexie transaction + bulkAdd(allKeys) (what DexieJournalStore does),
 * bulkAdd alone, add, and a raw IDB add without Dexie.
 */
async function journalShapes(n: number, pg: PGlite): Promise<Record<string, number>> {
  const db = new Dexie('bench-journal-shapes', { chromeTransactionDurability: 'relaxed' });
  db.version(1).stores({ journal: '++seq' });
  const journal = db.table('journal');
  await journal.clear();
  const idb = db.backendDB();
  const store = new DexieJournalStore('bench-journal-scratch');
  const record = () => ({ record: { kind: 'action', id: `c-${Math.random()}`, clientSeq: 1, name: 'add', args: { title: 'x' }, time: Date.now() } });
  const shapes: Record<string, () => Promise<unknown>> = {
    'transaction+bulkAdd': () => db.transaction('rw', journal, async () => journal.bulkAdd([record()], { allKeys: true })),
    'DexieJournalStore.append (scratch DB)': () => store.append([record().record as never]),
    'same, inside a PGlite transaction': () => pg.transaction(async () => store.append([record().record as never])),
    'empty PGlite transaction': () => pg.transaction(async () => undefined),
    bulkAdd: () => journal.bulkAdd([record()], { allKeys: true }),
    add: () => journal.add(record()),
    'raw IDB add': () =>
      new Promise((resolve, reject) => {
        const tx = idb.transaction('journal', 'readwrite', { durability: 'relaxed' });
        tx.objectStore('journal').add(record());
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(shapes).map((k) => [k, []]));
  for (let i = 0; i < n + 20; i++) {
    for (const [k, fn] of Object.entries(shapes)) {
      const t0 = performance.now();
      await fn();
      if (i >= 20) times[k]!.push(performance.now() - t0);
    }
  }
  db.close();
  store.close();
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!]));
}

export interface ProfileResult {
  sequential: { actions: number; wallMsPerAction: number; wasmCallsPerAction: number; wasmMsPerAction: number; journalMsPerAction: number };
  burst: { actions: number; wallMs: number; perSecond: number; wasmCallsPerAction: number; wasmMsPerAction: number; journalMsPerBatch: number; batches: number };
  /** Median ms of one single-record IndexedDB write, per shape (PGlite runs only). */
  journalShapes?: Record<string, number>;
  /** PGlite protocol round trips for one parameterised INSERT and one simple `exec`, for scale (PGlite runs only). */
  rawCalls?: { query: number; exec: number };
}

export async function profileActions(
  runtime: TandemRuntime,
  opts: { sequential: number; burst: number; action?: string; args?: (i: number) => unknown; engine?: EngineName },
): Promise<ProfileResult> {
  const action = opts.action ?? 'add';
  const args = opts.args ?? ((i: number) => ({ title: `profile ${i}` }));
  for (let i = 0; i < 20; i++) await runtime.run(action, args(i));
  const seq = instrument(opts.engine);
  const s0 = performance.now();
  for (let i = 0; i < opts.sequential; i++) await runtime.run(action, args(i));
  const sWall = performance.now() - s0;
  seq.restore();

  const burst = instrument(opts.engine);
  const b0 = performance.now();
  await Promise.all(Array.from({ length: opts.burst }, (_, i) => runtime.run(action, args(i))));
  const bWall = performance.now() - b0;
  burst.restore();

  const n = opts.sequential;
  const timings = {
    sequential: {
      actions: n,
      wallMsPerAction: sWall / n,
      wasmCallsPerAction: seq.tally.wasmCalls / n,
      wasmMsPerAction: seq.tally.wasmMs / n,
      journalMsPerAction: seq.tally.journalMs / n,
    },
    burst: {
      actions: opts.burst,
      wallMs: bWall,
      perSecond: opts.burst ? opts.burst / (bWall / 1000) : NaN,
      wasmCallsPerAction: burst.tally.wasmCalls / Math.max(1, opts.burst),
      wasmMsPerAction: burst.tally.wasmMs / Math.max(1, opts.burst),
      journalMsPerBatch: burst.tally.journalMs / Math.max(1, burst.tally.journalCalls),
      batches: burst.tally.journalCalls,
    },
  };
  // The scale figures below are about PGlite's protocol and a PGlite transaction around the journal.
  if (opts.engine === 'sqlite') return timings;

  const scratch = await PGlite.create({ dataDir: 'memory://' });
  await scratch.exec('create table t (id text primary key, v int)');
  const counted = instrument();
  await scratch.query('insert into t (id, v) values ($1, $2)', ['a', 1]);
  const queryCalls = counted.tally.wasmCalls;
  await scratch.exec("begin; select set_config('x.y', 'z', true); commit");
  const execCalls = counted.tally.wasmCalls - queryCalls;
  counted.restore();
  const journalShapeTimes = await journalShapes(200, scratch);
  await scratch.close();

  return { ...timings, journalShapes: journalShapeTimes, rawCalls: { query: queryCalls, exec: execCalls } };
}
