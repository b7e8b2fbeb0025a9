// Builds the demo into dist/:
//   dist/index.html + dist/immutable/ the React app (Vite; content-hashed names)
//   dist/actions.js                   the actions module the worker imports at connect time (esbuild)
//   dist/tandem/                      the prebuilt worker bundle, copied from @tandem/worker
//   dist-server/app.mjs               schema, migrations and actions for the sync server in Node
//                                     (serve.mjs), outside dist/ so it is never served as a static file
// Run from anywhere: `node apps/demo/build.mjs` (or `npm run build` in apps/demo, via turbo).
// Imported, it builds nothing: `buildActionsModule` and `buildServerApp` bundle another version of
// the actions exactly as a deploy would (the e2e's upgrade tests use them).
import { existsSync, readdirSync, rmSync, cpSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { build as viteBuild, defaultClientConditions } from 'vite';
import { invokedDirectly } from './server/invoked-directly.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(root, 'dist');
const serverOutDir = path.join(root, 'dist-server');
const workerBundleCandidates = [
  path.resolve(root, '../../packages/worker/dist/bundle'),
  path.join(root, 'node_modules/@tandem/worker/dist/bundle'),
  path.resolve(root, '../../node_modules/@tandem/worker/dist/bundle'),
];

function fail(message) {
  console.error(`\n[demo build] ${message}\n`);
  process.exit(1);
}

async function buildDemo() {
  const started = performance.now();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(serverOutDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  // (1) The app. emptyOutDir is off: dist/ was emptied above and the other steps write into it too.
  await viteBuild({
    root,
    configFile: false,
    base: '/',
    logLevel: 'warn',
    resolve: { conditions: ['@tandem/source', ...defaultClientConditions] },
    build: {
      outDir,
      // Vite names these files by their content; the server caches any `immutable/` folder for a
      // year (@tandem/worker/http-cache), like the worker bundle's.
      assetsDir: 'immutable',
      emptyOutDir: false,
      sourcemap: true,
      target: 'es2022',
      // esbuild, not lightningcss: todomvc-app-css has a non-standard `::input-placeholder` that
      // lightningcss warns about on every build.
      cssMinify: 'esbuild',
    },
  });

  // (2) The actions module the worker imports by URL; (3) the server's app module.
  await buildActionsModule({ entry: path.join(root, 'src/actions.ts'), outfile: path.join(outDir, 'actions.js') });
  await buildServerApp({ schema: path.join(root, 'src/schema.ts'), actions: path.join(root, 'src/actions.ts'), outfile: path.join(serverOutDir, 'app.mjs') });

  // (4) The prebuilt worker bundle (JS + wasm + data), served at /tandem/.
  const workerBundle = workerBundleCandidates.find((dir) => existsSync(dir) && readdirSync(dir).length > 0);
  if (!workerBundle) {
    fail(
      `The prebuilt Tandem worker bundle is missing (looked for ${path.relative(process.cwd(), workerBundleCandidates[0])}/).\n` +
        'Build @tandem/worker first, then run this build again: `npm run build` at the repo root builds both in order\n' +
        '(or `npx turbo run build --filter=@tandem/worker` for the worker alone).',
    );
  }
  cpSync(workerBundle, path.join(outDir, 'tandem'), { recursive: true });

  console.log(`[demo build] dist/ and dist-server/ ready in ${Math.round(performance.now() - started)} ms (app, actions.js, tandem/ from ${path.relative(root, workerBundle)})`);
}

/** The actions module for the browser, zod and @tandem/core bundled in: the worker imports it by URL. */
export async function buildActionsModule({ entry, outfile }) {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@tandem/source'],
    sourcemap: true,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/**
 * The same schema, migrations and actions for the server (serve.mjs runs them in plain Node):
 * `SCHEMA_SQL` from `schema`, the default export as `actions` and `migrations` from `actions`. zod is
 * bundled in; @tandem/* stays external so the server and the actions share one @tandem/core, which
 * Node resolves from `outfile`'s folder upwards: keep it inside this repository.
 */
export async function buildServerApp({ schema, actions, outfile }) {
  const specifier = (file) => JSON.stringify(path.resolve(file));
  await esbuild.build({
    stdin: {
      contents: `export { SCHEMA_SQL } from ${specifier(schema)};\nexport { default as actions, migrations } from ${specifier(actions)};\n`,
      resolveDir: root,
      sourcefile: 'server-app.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['@tandem/*'],
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}


if (invokedDirectly(import.meta.url)) await buildDemo();
