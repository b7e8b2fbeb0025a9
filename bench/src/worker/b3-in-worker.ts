/**
 * B3, inside the worker: one Tandem action (validate → transaction → insert → capture → pending →
 * journal group commit → commit → publish), awaited sequentially, against the floor it is built on:
 * a raw INSERT on the same engine with no Tandem around it (raw-engines.ts) followed by a raw Dexie
 * put (same durability as the journal), also sequential. Blocks of the two alternate so machine
 * noise hits both alike.
 */
import Dexie from 'dexie';
import type { EngineName } from '@tandem/core';
import type { TandemRuntime } from '@tandem/worker';
import { openRawEngine } from './raw-engines.ts';
import type { RawRow } from './raw-engines.ts';

export interface B3Result {
  tandem: number[];
  raw: number[];
  /** The raw INSERT part of each raw sample (named for PGlite, the first engine; it is the engine's INSERT). */
  rawPg: number[];
  rawDexie: number[];
  /** Mean ms per call of each timed block (block wall time / block size): free of the worker's 100 µs timer steps. */
  tandemBlocks: number[];
  rawBlocks: number[];
}

export async function runB3(
  runtime: TandemRuntime,
  opts: { n: number; block: number; warmup: number; config: { durability?: 'relaxed' | 'strict'; engine?: EngineName } },
  emptyImage: () => Promise<Blob | undefined>,
): Promise<B3Result> {
  const engine = opts.config.engine ?? 'pglite';
  const raw = await openRawEngine(engine, emptyImage);
  // One Dexie database per engine: the two B3 rows run in different workers, never on one store.
  const dexie = new Dexie(engine === 'pglite' ? 'bench-raw-b3' : `bench-raw-b3-${engine}`, { chromeTransactionDurability: opts.config.durability ?? 'relaxed' });
  dexie.version(1).stores({ rows: 'id' });
  const rows = dexie.table<RawRow, string>('rows');
  await rows.clear();

  let k = 0;
  const rawPg: number[] = [];
  const rawDexie: number[] = [];
  const rawOnce = async (record: boolean) => {
    const row: RawRow = { id: `r${k++}`, title: `raw ${k}`, done: false, created_at: Date.now() };
    const t0 = performance.now();
    await raw.insert(row);
    const t1 = performance.now();
    await rows.put(row);
    const t2 = performance.now();
    if (record) {
      rawPg.push(t1 - t0);
      rawDexie.push(t2 - t1);
    }
    return t2 - t0;
  };
  const tandemOnce = async () => {
    const t0 = performance.now();
    await runtime.run('add', { title: `b3 ${k++}` });
    return performance.now() - t0;
  };

  for (let i = 0; i < opts.warmup; i++) {
    await tandemOnce();
    await rawOnce(false);
  }
  const tandem: number[] = [];
  const rawSamples: number[] = [];
  const tandemBlocks: number[] = [];
  const rawBlocks: number[] = [];
  while (tandem.length < opts.n) {
    let b0 = performance.now();
    for (let i = 0; i < opts.block; i++) tandem.push(await tandemOnce());
    tandemBlocks.push((performance.now() - b0) / opts.block);
    b0 = performance.now();
    for (let i = 0; i < opts.block; i++) rawSamples.push(await rawOnce(true));
    rawBlocks.push((performance.now() - b0) / opts.block);
  }
  await raw.close();
  dexie.close();
  return { tandem, raw: rawSamples, rawPg, rawDexie, tandemBlocks, rawBlocks };
}
