/**
 * B3, inside the worker: one Tandem action (validate → transaction → insert → capture → pending →
 * journal group commit → commit → publish), awaited sequentially, against the floor it is built on:
 * a raw PGlite INSERT (memory://, no triggers) followed by a raw Dexie put (same durability as the
 * journal), also sequential. Blocks of the two alternate so machine noise hits both alike.
 */
import { PGlite } from '@electric-sql/pglite';
import Dexie from 'dexie';
import type { TandemRuntime } from '@tandem/worker';
import { RAW_TODOS_SQL } from '../schema.ts';

interface RawRow {
  id: string;
  title: string;
  done: boolean;
  created_at: number;
}

export interface B3Result {
  tandem: number[];
  raw: number[];
  rawPg: number[];
  rawDexie: number[];
}

export async function runB3(
  runtime: TandemRuntime,
  opts: { n: number; block: number; warmup: number; config: { durability?: 'relaxed' | 'strict' } },
  emptyImage: () => Promise<Blob | undefined>,
): Promise<B3Result> {
  const image = await emptyImage().catch(() => undefined);
  const pg = await PGlite.create({ dataDir: 'memory://', ...(image ? { loadDataDir: image } : {}) });
  await pg.exec(RAW_TODOS_SQL);
  const dexie = new Dexie('bench-raw-b3', { chromeTransactionDurability: opts.config.durability ?? 'relaxed' });
  dexie.version(1).stores({ rows: 'id' });
  const rows = dexie.table<RawRow, string>('rows');
  await rows.clear();

  let k = 0;
  const rawPg: number[] = [];
  const rawDexie: number[] = [];
  const rawOnce = async (record: boolean) => {
    const row: RawRow = { id: `r${k++}`, title: `raw ${k}`, done: false, created_at: Date.now() };
    const t0 = performance.now();
    await pg.query('insert into raw_todos (id, title, done, created_at) values ($1, $2, $3, $4)', [row.id, row.title, row.done, row.created_at]);
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
  const raw: number[] = [];
  while (tandem.length < opts.n) {
    for (let i = 0; i < opts.block; i++) tandem.push(await tandemOnce());
    for (let i = 0; i < opts.block; i++) raw.push(await rawOnce(true));
  }
  await pg.close();
  dexie.close();
  return { tandem, raw, rawPg, rawDexie };
}
