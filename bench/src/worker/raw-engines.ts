/**
 * B3's raw floor per engine: the engine's own API with no Tandem around it, one parameterised INSERT
 * per call into a table without triggers. PGlite: `pg.query` on memory:// from the same empty image
 * Tandem starts from. SQLite: sqlite-wasm's `db.exec({ sql, bind })` on a `:memory:` database (its
 * own wasm instance), which prepares, binds, steps and finalizes the statement each time, as
 * `pg.query` parses and plans it each time.
 */
import { PGlite } from '@electric-sql/pglite';
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import type { EngineName } from '@tandem/core';
import { RAW_TODOS_SQL } from '../schema.ts';

export interface RawRow {
  id: string;
  title: string;
  done: boolean;
  created_at: number;
}

export interface RawEngine {
  insert(row: RawRow): Promise<unknown>;
  /** Runs DDL (B9d: the app's schema, as Tandem creates it on a first visit). */
  exec(sql: string): Promise<void>;
  /** `select count(*)` of the table: B9d's first query. */
  count(): Promise<number>;
  close(): Promise<void>;
}

const INSERT_PG = 'insert into raw_todos (id, title, done, created_at) values ($1, $2, $3, $4)';
const INSERT_SQLITE = 'insert into raw_todos (id, title, done, created_at) values (?, ?, ?, ?)';

export async function openRawEngine(engine: EngineName, emptyImage: () => Promise<Blob | undefined>): Promise<RawEngine> {
  if (engine === 'sqlite') {
    const sqlite3 = await sqlite3InitModule();
    const db = new sqlite3.oo1.DB(':memory:');
    db.exec(RAW_TODOS_SQL);
    return {
      // Synchronous underneath; a resolved promise keeps the timing loop identical for both engines.
      insert: async (row) => db.exec({ sql: INSERT_SQLITE, bind: [row.id, row.title, row.done ? 1 : 0, row.created_at] }),
      exec: async (sql) => void db.exec(sql),
      count: async () => Number(db.selectValue('select count(*) from raw_todos')),
      close: async () => db.close(),
    };
  }
  const image = await emptyImage().catch(() => undefined);
  const pg = await PGlite.create({ dataDir: 'memory://', ...(image ? { loadDataDir: image } : {}) });
  await pg.exec(RAW_TODOS_SQL);
  return {
    insert: (row) => pg.query(INSERT_PG, [row.id, row.title, row.done, row.created_at]),
    exec: async (sql) => void (await pg.exec(sql)),
    count: async () => (await pg.query<{ n: number }>('select count(*)::int as n from raw_todos')).rows[0]!.n,
    close: () => pg.close(),
  };
}
