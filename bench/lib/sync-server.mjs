// The sync benchmarks' server side: Postgres (own schema per benchmark, dropped after) or embedded
// PGlite when Postgres is unreachable, and a Tandem server (startTandemServer) that also serves
// bench/dist with COOP/COEP, so bench pages and the /sync routes share one origin.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { createPgliteDriver, createPostgresDriver, startTandemServer } from '@tandem/server';
import { MIME } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
export const PG_URL = process.env.TANDEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The bench app's server side (built by build.mjs from src/sync/sync-app.ts). */
export async function syncApp() {
  return import(pathToFileURL(join(dist, 'node', 'sync-app.mjs')).href);
}

let probed = null;
/** Whether Postgres at PG_URL answers (once per run). */
export async function postgresAvailable() {
  if (probed !== null) return probed;
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => undefined });
  try {
    await sql`select 1`;
    probed = true;
  } catch (error) {
    console.warn(`Postgres at ${PG_URL} unreachable (${error.message}): sync benchmarks use embedded PGlite.`);
    probed = false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
  return probed;
}

/**
 * A database for one benchmark: `{ kind, label, url, schema, driver(max), raw(), drop() }`.
 * Postgres: a fresh schema `bench_<id>_<hex>` (drivers get it as search_path); `drop()` drops it.
 */
export async function benchDatabase(id) {
  if (await postgresAvailable()) {
    const schema = `bench_${id.toLowerCase().replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
    const admin = postgres(PG_URL, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`create schema "${schema}"`);
    const [{ version }] = await admin`select current_setting('server_version') as version`;
    const opened = [];
    return {
      kind: 'postgres',
      label: `PostgreSQL ${version} at 127.0.0.1:5432 (schema ${schema}, dropped after)`,
      schema,
      driver(max = 10) {
        const d = createPostgresDriver({ url: PG_URL, searchPath: schema, max });
        opened.push(d);
        return d;
      },
      /** A plain `postgres` client on the same schema (baselines). */
      raw(max = 10) {
        const sql = postgres(PG_URL, { max, onnotice: () => undefined, connection: { search_path: `"${schema}"` } });
        opened.push({ close: () => sql.end({ timeout: 5 }) });
        return sql;
      },
      async drop() {
        for (const d of opened.splice(0)) await d.close().catch(() => {});
        await admin.unsafe(`drop schema if exists "${schema}" cascade`).catch((e) => console.error(`could not drop ${schema}: ${e.message}`));
        await admin.end({ timeout: 5 });
      },
    };
  }
  let shared = null;
  return {
    kind: 'pglite',
    label: 'embedded PGlite (memory://) — Postgres was not reachable',
    schema: null,
    async driver() {
      // One PGlite is one connection: every "pool" shares it.
      shared ??= await createPgliteDriver({ dataDir: 'memory://' });
      return shared;
    },
    raw() {
      return null;
    },
    async drop() {
      await shared?.close();
    },
  };
}

/** Serves bench/dist (cross-origin isolated) for requests the sync routes do not handle. */
async function staticFile(request, raw) {
  const path = decodeURIComponent(raw.url.split(/[?#]/, 1)[0] ?? '/');
  const base = normalize(dist + sep);
  const file = normalize(join(base, path === '/' ? 'index.html' : path));
  if (!file.startsWith(base) || path.includes('..')) return new Response('forbidden', { status: 403 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'max-age=3600',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      },
    });
  } catch {
    return new Response(`not found: ${path}`, { status: 404 });
  }
}

/**
 * startTandemServer on `driver` with the bench app; every token is the same user, every channel
 * readable. `realtime`: true (pokes through a NOTIFY channel of this run only), or false.
 */
export async function startBenchServer({ driver, port = 0, realtime = true, notifyChannel }) {
  const app = await syncApp();
  const server = await startTandemServer({
    port,
    hostname: '127.0.0.1',
    schema: app.SYNC_SCHEMA,
    channels: app.SYNC_CHANNELS,
    actions: app.syncActions,
    database: { driver },
    authenticate: () => ({ id: 'bench-user' }),
    canRead: () => true,
    realtime: realtime ? { channel: notifyChannel ?? `bench_${randomBytes(4).toString('hex')}` } : false,
    logger: { error: (...a) => console.error('[tandem server]', ...a), warn: (...a) => console.error('[tandem server]', ...a), info: () => {} },
    static: { fetch: staticFile },
  });
  // 127.0.0.1, not localhost: the page's origin must match the server's exactly.
  return { ...server, origin: `http://127.0.0.1:${server.port}`, close: () => server.close() };
}
