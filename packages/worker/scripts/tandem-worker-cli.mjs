#!/usr/bin/env node
// `tandem-worker copy-assets <dir>`: copies the prebuilt worker bundle (JS + wasm + data) into an
// app's static folder, so the app serves it next to its own files.
import { cp, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const bundle = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist/bundle');
const [command, target] = process.argv.slice(2);

if (command !== 'copy-assets' || !target) {
  console.error('usage: tandem-worker copy-assets <dir>\n  copies the Tandem worker bundle into <dir> (e.g. public/tandem)');
  process.exit(2);
}
try {
  await stat(join(bundle, 'tandem-worker.js'));
} catch {
  console.error(`tandem-worker: no bundle at ${bundle}; build @tandem/worker first (npm run build).`);
  process.exit(1);
}
await cp(bundle, resolve(target), { recursive: true });
console.log(`copied the Tandem worker bundle to ${resolve(target)}; serve .wasm files as application/wasm`);
