// Vitest globalSetup for the browser project: puts the prebuilt worker bundle and a prebuilt
// actions module in Vite's publicDir, which Vite serves untouched. (Modules Vite transforms carry
// Vitest's instrumentation, which does not work inside a SharedWorker.)
import { build } from 'esbuild';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const BROWSER_PUBLIC_DIR = join(import.meta.dirname, '..', 'node_modules', '.tandem-browser-public');

export default async function setup(): Promise<void> {
  const bundle = join(import.meta.dirname, '..', 'packages/worker/dist/bundle');
  try {
    await stat(join(bundle, 'tandem-worker.js'));
  } catch {
    throw new Error(`No worker bundle at ${bundle}: run \`npm run build\` first (npm test does).`);
  }
  await rm(BROWSER_PUBLIC_DIR, { recursive: true, force: true });
  await mkdir(BROWSER_PUBLIC_DIR, { recursive: true });
  await cp(bundle, join(BROWSER_PUBLIC_DIR, 'tandem'), { recursive: true });
  await build({
    entryPoints: [join(import.meta.dirname, '..', 'packages/worker/src/test-support/todo-fixture-actions.ts')],
    outfile: join(BROWSER_PUBLIC_DIR, 'todo-actions.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@tandem/source'],
    logLevel: 'warning',
  });
}
