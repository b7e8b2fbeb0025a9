#!/usr/bin/env node
// The packages as an adopter gets them: `npm pack` each published package, install the tarballs
// into fresh folders outside the monorepo, and check that
// - every tarball has its LICENSE, and every export target it names (but the private
//   '@tandem/source' condition, our sources) is in it, the prebuilt tandem-client.d.ts included;
// - a consumer type-checks under moduleResolution "bundler" and "node16" (@tandem/core, client,
//   server, worker/pglite, worker/sqlite, testing/playwright and the prebuilt tandem-client.js);
// - tandem.app mounts in an app on ANOTHER Hono 4.x (and @hono/node-server 1.x) than ours, with
//   one copy of each installed, and answers a pull with a bad token with 401 JSON;
// - installed WITHOUT @electric-sql/pglite, the server works on Postgres and the embedded store
//   fails naming the package to install.
// Needs the packages built (`npm run build`) and the npm registry for third-party dependencies
// (--prefer-offline: the cache serves most of them). Prints PASS/FAIL lines, a last line
// `N passed, M failed` and exits non-zero on a failure. TANDEM_PG_URL as in the pg suites.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const PACKAGES = ['core', 'client', 'worker', 'server', 'testing'];
const PG_URL = process.env.TANDEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// Another Hono 4.x than the server's own (4.13.x): the lowest the peer ranges allow.
const OTHER_HONO = '4.6.20';
const OTHER_NODE_SERVER = '1.19.11';
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--loglevel=error'];
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const exec = promisify(execFile);

const results = { passed: 0, failed: 0 };
function pass(name) {
  results.passed++;
  console.log(`PASS ${name}`);
}
function fail(name, detail) {
  results.failed++;
  console.log(`FAIL ${name}${detail ? `\n  ${String(detail).trim().replaceAll('\n', '\n  ')}` : ''}`);
}
async function check(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    pass(`${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return true;
  } catch (error) {
    fail(name, error.stdout || error.stderr ? `${error.stdout ?? ''}${error.stderr ?? ''}` : (error.stack ?? error));
    return false;
  }
}
function assert(ok, message) {
  if (!ok) throw new Error(message);
}
const run = (cmd, args, cwd, env = {}) => exec(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
const json = (value) => JSON.stringify(value, null, 2) + '\n';

const started = performance.now();
const work = await mkdtemp(join(tmpdir(), 'tandem-pack-'));
const tarballs = join(work, 'tarballs');
await mkdir(tarballs);
/** @type {Record<string, string>} package name → tarball path */
const tarball = {};

try {
  const built = await check('the packages are built', async () => {
    for (const name of PACKAGES) assert(existsSync(join(root, 'packages', name, 'dist')), `packages/${name}/dist is missing: run \`npm run build\` first`);
  });
  if (!built) throw new Error('stop');

  const packed = await check('npm pack each package', async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.flatMap((name) => ['-w', `packages/${name}`])], root);
    for (const entry of JSON.parse(stdout)) tarball[entry.name] = join(tarballs, entry.filename);
    assert(Object.keys(tarball).length === PACKAGES.length, `packed ${Object.keys(tarball).join(', ')}`);
  });
  if (!packed) throw new Error('stop');

  await check('each tarball has its LICENSE and every export target', async () => {
    const problems = [];
    for (const [name, file] of Object.entries(tarball)) {
      const { stdout } = await run('tar', ['-tzf', file], work);
      const files = new Set(stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')));
      const manifest = JSON.parse((await run('tar', ['-xzOf', file, 'package/package.json'], work)).stdout);
      if (!files.has('LICENSE')) problems.push(`${name}: no LICENSE`);
      for (const field of ['license', 'description', 'repository', 'engines', 'sideEffects']) if (manifest[field] === undefined) problems.push(`${name}: no ${field}`);
      if (manifest.publishConfig?.access !== 'public') problems.push(`${name}: publishConfig.access is not public`);
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        for (const [condition, path] of typeof target === 'string' ? [['default', target]] : Object.entries(target)) {
          if (condition === '@tandem/source') continue; // private: our sources, set only in this repo
          if (path.includes('*')) continue;
          if (!files.has(path.replace(/^\.\//, ''))) problems.push(`${name}: exports["${subpath}"]["${condition}"] → ${path} is not in the tarball`);
        }
      }
      if (name === '@tandem/worker') {
        for (const f of ['dist/bundle/tandem-worker.js', 'dist/bundle/tandem-client.js', 'dist/bundle/tandem-client.d.ts']) if (!files.has(f)) problems.push(`${name}: ${f} is not in the tarball`);
      }
    }
    assert(problems.length === 0, problems.join('\n'));
  });

  // ---- Consumer A: everything, PGlite included, on another Hono. ----
  const full = await consumer('full', {
    dependencies: {
      ...Object.fromEntries(Object.entries(tarball).map(([name, file]) => [name, `file:${file}`])),
      '@electric-sql/pglite': await rootVersion('@electric-sql/pglite'),
      '@hono/node-server': OTHER_NODE_SERVER,
      hono: OTHER_HONO,
    },
    devDependencies: { '@playwright/test': await rootVersion('@playwright/test'), '@types/node': await rootVersion('@types/node') },
  });
  const installed = await check(`install the tarballs with hono ${OTHER_HONO} and @hono/node-server ${OTHER_NODE_SERVER}`, async () => {
    await run('npm', ['install', ...NPM_FLAGS], full);
    const nested = ['@tandem/server/node_modules/hono', '@tandem/server/node_modules/@hono/node-server', '@hono/node-ws/node_modules/hono'].filter((p) => existsSync(join(full, 'node_modules', p)));
    assert(nested.length === 0, `a second copy is installed: ${nested.join(', ')}`);
    const hono = JSON.parse(await readFile(join(full, 'node_modules/hono/package.json'), 'utf8')).version;
    assert(hono === OTHER_HONO, `hono ${hono} installed`);
  });

  if (installed) {
    await writeConsumerSources(full);
    // skipLibCheck off: our .d.ts files are checked too, not only their use. Both at once.
    await Promise.all(['bundler', 'node16'].map((resolution) => check(`type-check a consumer under moduleResolution ${resolution}`, () => run('node', [tsc, '-p', `tsconfig.${resolution}.json`], full))));
    await check(`tandem.app mounted in an app on hono ${OTHER_HONO}, embedded PGlite: a pull with a bad token gets 401 JSON`, async () => {
      const { stdout } = await run('node', ['server.mjs', 'pglite'], full);
      assert(stdout.includes('401 unauthorized'), stdout);
    });
  }

  // ---- Consumer B: the server on Postgres, no PGlite installed. ----
  // hono and @hono/node-server come as the server's (required) peers.
  const pgOnly = await consumer('postgres-only', {
    dependencies: { '@tandem/core': `file:${tarball['@tandem/core']}`, '@tandem/server': `file:${tarball['@tandem/server']}` },
  });
  const pgInstalled = await check('install @tandem/server without @electric-sql/pglite', async () => {
    await run('npm', ['install', ...NPM_FLAGS], pgOnly);
    assert(!existsSync(join(pgOnly, 'node_modules/@electric-sql/pglite')), '@electric-sql/pglite was installed');
    assert(existsSync(join(pgOnly, 'node_modules/hono')), 'the hono peer was not installed');
  });
  if (pgInstalled) {
    await writeServer(pgOnly);
    await check('without PGlite, the server on Postgres answers a pull with a bad token with 401 JSON', async () => {
      const { stdout } = await run('node', ['server.mjs', 'postgres'], pgOnly, { TANDEM_PG_URL: PG_URL });
      assert(stdout.includes('401 unauthorized'), stdout);
    });
    await check('without PGlite, the embedded store fails naming @electric-sql/pglite', async () => {
      const { stdout } = await run('node', ['server.mjs', 'missing-pglite'], pgOnly);
      assert(stdout.includes('npm install @electric-sql/pglite'), stdout);
    });
  }
} catch (error) {
  if (error.message !== 'stop') fail('pack test', error.stack ?? error);
} finally {
  await rm(work, { recursive: true, force: true });
}

console.log(`\npack test: ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed > 0 ? 1 : 0);

/** A fresh app folder with this package.json. */
async function consumer(name, manifest) {
  const dir = join(work, name);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), json({ name: `tandem-pack-${name}`, private: true, type: 'module', ...manifest }));
  return dir;
}

/** The version this repo installed (so the consumer's install comes from the npm cache). */
async function rootVersion(name) {
  return JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

async function writeConsumerSources(dir) {
  const base = { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', lib: ['es2023', 'dom', 'dom.iterable'], types: ['node'] };
  await writeFile(join(dir, 'tsconfig.bundler.json'), json({ compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, include: ['src'] }));
  await writeFile(join(dir, 'tsconfig.node16.json'), json({ compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, include: ['src'] }));
  await mkdir(join(dir, 'src/public'), { recursive: true });
  // The prebuilt client, as a page without a bundler uses it (copied by `tandem-worker copy-assets`).
  for (const f of ['tandem-client.js', 'tandem-client.d.ts']) await cp(join(dir, 'node_modules/@tandem/worker/dist/bundle', f), join(dir, 'src/public', f));
  await writeFile(
    join(dir, 'src/consumer.ts'),
    `import { defineActions, TandemError, ErrorKind } from '@tandem/core';
import type { ActionDefinitions } from '@tandem/core';
import { openTandem } from '@tandem/client';
import type { Tandem } from '@tandem/client';
import { createPgliteDriver, createPostgresDriver, createSyncStore, createTandemApp, startTandemServer } from '@tandem/server';
import type { TandemApp } from '@tandem/server';
import { startTandemWorker } from '@tandem/worker';
import { createPgliteEngine } from '@tandem/worker/pglite';
import { createSqliteEngine } from '@tandem/worker/sqlite';
import type { test } from '@tandem/testing/playwright';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';

export const actions: ActionDefinitions = defineActions({});
export const kinds: string[] = [ErrorKind.unauthorized, new TandemError(ErrorKind.internal, 'x').kind];
export const engines = [createPgliteEngine, createSqliteEngine, startTandemWorker] as const;
export type Fixtures = typeof test;
export const open: (typeof openTandem) | null = null;
export let db: Tandem | null = null;

export async function mount(): Promise<TandemApp> {
  const driver = process.env.PG ? createPostgresDriver(process.env.PG) : await createPgliteDriver({ dataDir: 'memory://' });
  const store = await createSyncStore(driver, { schema: '', channels: {}, actions });
  const tandem = await createTandemApp({ store, driver, authenticate: () => null, canRead: () => true });
  // The server's Hono app inside this app's Hono (another 4.x): the types must fit.
  const app = new Hono().get('/health', (c) => c.text('ok')).route('/api', tandem.app);
  const server = serve({ fetch: app.fetch, port: 0 });
  tandem.attach(server);
  void startTandemServer;
  return tandem;
}
`,
  );
  await writeFile(
    join(dir, 'src/page.ts'),
    `import { defineActions, openTandem, TandemError } from './public/tandem-client.js';
import type { OpenTandemOptions, Tandem, WorkerStatus } from './public/tandem-client.js';

export const actions = defineActions({});
export const open: (options: OpenTandemOptions) => Promise<Tandem> = openTandem;
export const status: WorkerStatus | null = null;
export const error = new TandemError('internal', 'x');
`,
  );
  await writeServer(dir);
}

async function writeServer(dir) {
  await writeFile(
    join(dir, 'server.mjs'),
    `// node server.mjs pglite | postgres | missing-pglite
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createPgliteDriver, createPostgresDriver, createSyncStore, createTandemApp } from '@tandem/server';

const mode = process.argv[2];
const schemaName = 'tandem_pack_' + process.pid;
if (mode === 'missing-pglite') {
  try {
    await createPgliteDriver({ dataDir: 'memory://' });
    console.log('createPgliteDriver opened without @electric-sql/pglite');
  } catch (error) {
    console.log(error.message);
  }
  process.exit(0);
}
if (mode === 'postgres') {
  const admin = createPostgresDriver(process.env.TANDEM_PG_URL);
  await admin.exec('create schema ' + schemaName);
  await admin.close();
}
const driver = mode === 'postgres' ? createPostgresDriver({ url: process.env.TANDEM_PG_URL, searchPath: schemaName }) : await createPgliteDriver({ dataDir: 'memory://' });
let server;
try {
  const store = await createSyncStore(driver, {
    schema: 'create table if not exists notes (id text primary key, list_id text not null, title text not null);',
    channels: { notes: 'list_id' },
    actions: {},
  });
  const tandem = await createTandemApp({ store, driver, authenticate: (token) => (token === 'good' ? { id: 'u1' } : null), canRead: () => true });
  const app = new Hono();
  app.get('/health', (c) => c.text('ok'));
  app.route('/api', tandem.app);
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  tandem.attach(server);
  const { port } = server.address();
  const response = await fetch('http://127.0.0.1:' + port + '/api/sync/pull', {
    method: 'POST',
    headers: { authorization: 'Bearer bad', 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'c1', channels: { 'list-1': 0 } }),
  });
  const body = await response.json();
  console.log(response.status + ' ' + body.kind);
  await tandem.close();
} finally {
  if (server) await new Promise((resolve) => server.close(resolve));
  await driver.close();
  if (mode === 'postgres') {
    const admin = createPostgresDriver(process.env.TANDEM_PG_URL);
    await admin.exec('drop schema if exists ' + schemaName + ' cascade');
    await admin.close();
  }
}
`,
  );
}
