/**
 * Sync benchmarks, inside a bench SharedWorker (one with no Tandem runtime: its own database name).
 *
 * B10 baseline: the same pull the Tandem worker makes on its first sync (same server, same
 * channels, cursor 0 → snapshot), then the leanest client-side load of those rows: a fresh PGlite
 * from the same empty image, one `insert … select from jsonb_populate_recordset` of the same JSON.
 * Alongside, separately timed, the other client-side steps Tandem's path has: JSON.parse of the
 * response, the protocol validator, JSON.stringify of the rows (the engine takes JSON text), and
 * one IndexedDB put of the parsed pull (the runtime journals every pull as one `sync` record).
 */
import { PGlite } from '@electric-sql/pglite';
import { parsePullResponse } from '@tandem/core';
import { RAW_ITEMS_SQL } from '../sync/sync-app.ts';

export interface B10RawRequest {
  url: string;
  channels: string[];
  rows: number;
}

const t = () => performance.now();

function idbPut(dbName: string, value: unknown): Promise<{ openMs: number; putMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = t();
    const open = indexedDB.open(dbName, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('journal', { autoIncrement: true });
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const t1 = t();
      // Same shape as the journal's raw append: relaxed durability, explicit commit.
      const tx = db.transaction('journal', 'readwrite', { durability: 'relaxed' });
      tx.oncomplete = () => {
        const t2 = t();
        db.close();
        indexedDB.deleteDatabase(dbName);
        resolve({ openMs: t1 - t0, putMs: t2 - t1 });
      };
      tx.onabort = () => reject(tx.error);
      tx.objectStore('journal').add({ record: value });
      tx.commit();
    };
  });
}

export async function runB10Raw(req: B10RawRequest, emptyImage: () => Promise<Blob | undefined>) {
  const phases: Record<string, number> = {};
  let t0 = t();
  const response = await fetch(`${req.url}/pull`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: `raw${Math.random().toString(36).slice(2, 10)}`, channels: req.channels.map((channel) => ({ channel, cursor: 0 })) }),
  });
  phases.fetchHeaders = t() - t0;
  t0 = t();
  const text = await response.text();
  phases.fetchBody = t() - t0;
  t0 = t();
  const parsed = JSON.parse(text) as unknown;
  phases.jsonParse = t() - t0;
  t0 = t();
  const pull = parsePullResponse(parsed);
  phases.validate = t() - t0;
  const rows = pull.snapshots.flatMap((s) => s.tables.items ?? []);
  if (rows.length !== req.rows) throw new Error(`b10 raw: pulled ${rows.length} rows, expected ${req.rows}`);
  t0 = t();
  // Tandem stringifies per channel (one statement per channel and table); so does this.
  const texts = pull.snapshots.map((s) => JSON.stringify(s.tables.items ?? []));
  phases.jsonStringify = t() - t0;

  const image = await emptyImage().catch(() => undefined);
  t0 = t();
  const pg = await PGlite.create({ dataDir: 'memory://', ...(image ? { loadDataDir: image } : {}) });
  await pg.exec(RAW_ITEMS_SQL);
  phases.pgliteStart = t() - t0;
  t0 = t();
  await pg.exec('begin');
  for (const json of texts) {
    await pg.query('insert into raw_items select * from jsonb_populate_recordset(null::raw_items, $1::jsonb)', [json]);
  }
  await pg.exec('commit');
  phases.insert = t() - t0;
  const [{ n }] = (await pg.query<{ n: number }>('select count(*)::int as n from raw_items')).rows as [{ n: number }];
  await pg.close();
  if (n !== req.rows) throw new Error(`b10 raw: inserted ${n} rows, expected ${req.rows}`);

  // The journal write of the same pull as one record (structured clone of every row object).
  const put = await idbPut(`bench-b10-scratch-${Math.random().toString(36).slice(2, 8)}`, { kind: 'sync', channels: req.channels, pull });
  phases.idbPut = put.putMs;
  return { phases, bytes: text.length, rows: n };
}
