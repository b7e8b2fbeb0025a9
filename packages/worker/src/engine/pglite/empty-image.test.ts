import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { runEngineConformance } from '../engine.conformance.ts';
import { createPgliteEngine } from './engine.ts';

// The shipped empty image is shrunk (small WAL segments, no template databases): every engine
// started from it must behave exactly like one from initdb, so the whole suite runs on it.
const script = fileURLToPath(new URL('../../../scripts/build-empty-image.mjs', import.meta.url));
let built: Promise<Blob> | undefined;

async function buildEmptyImage(): Promise<Blob> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-image-'));
  try {
    const out = join(dir, 'empty.tar');
    await promisify(execFile)(process.execPath, [script, out, '--no-compare']);
    const image = new Blob([await readFile(out)]);
    // Stock initdb gives ~40 MB; this is what every checkpoint starts from.
    expect(image.size).toBeLessThan(16e6);
    return image;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runEngineConformance('pglite from the empty image', async (options) =>
  createPgliteEngine(options.image ? options : { ...options, image: await (built ??= buildEmptyImage()) }),
);
