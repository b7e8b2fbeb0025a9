import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runEngineConformance } from '../engine.conformance.ts';
import { CAPTURE_SCHEMA_MARK, CAPTURE_SCHEMA_MARK_SQL } from './capture-sql.ts';
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

describe('the shipped empty image', () => {
  it('holds capture\'s tables and functions with this build\'s mark, and no app triggers', async () => {
    const engine = await createPgliteEngine({ image: await (built ??= buildEmptyImage()) });
    try {
      expect(await engine.query(CAPTURE_SCHEMA_MARK_SQL)).toEqual([{ mark: CAPTURE_SCHEMA_MARK }]);
      expect(await engine.query(`select to_regclass('tandem_patches') is not null as patches, to_regprocedure('tandem_touch()') is not null as touch`)).toEqual([{ patches: true, touch: true }]);
      expect(await engine.query(`select count(*)::int as n from pg_trigger`)).toEqual([{ n: 0 }]);
    } finally {
      await engine.close();
    }
  }, 120_000);
});

runEngineConformance('pglite from the empty image', async (options) =>
  createPgliteEngine(options.image ? options : { ...options, image: await (built ??= buildEmptyImage()) }),
);
