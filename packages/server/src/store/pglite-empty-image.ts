import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A new embedded database starts from a data directory initialised at build time
 * (scripts/build-empty-image.mjs) instead of running initdb: ~1.5 s instead of ~5.6 s on disk,
 * ~1.1 s instead of ~3 s in memory (2-core CI machine). That is the first `npm start`, and every
 * server a test suite starts on a fresh directory.
 *
 * The same path from src/store (tests, `@tandem/source`) and dist/store (the package): the
 * package's dist/.
 */
export const SHIPPED_IMAGE: ImageFiles = {
  image: fileURLToPath(new URL('../../dist/pglite-empty.tar.gz', import.meta.url)),
  manifest: fileURLToPath(new URL('../../dist/pglite-empty.json', import.meta.url)),
};

export interface ImageFiles {
  /** The gzipped tar of an initialised data directory (PGlite's dumpDataDir). */
  image: string;
  /** `{ "pglite": "<version>" }`: the PGlite that made the image. */
  manifest: string;
}

/**
 * The image, when this install has it and runs the PGlite that made it; otherwise undefined and
 * the database is initialised as PGlite does by itself. An adopter's other PGlite version (it is
 * their peer dependency) could disagree with the image's catalogue, so it never gets it.
 */
export async function pgliteEmptyImage(files: ImageFiles = SHIPPED_IMAGE): Promise<Blob | undefined> {
  if (!existsSync(files.image) || !existsSync(files.manifest)) return undefined;
  try {
    const made = (JSON.parse(await readFile(files.manifest, 'utf8')) as { pglite?: unknown }).pglite;
    if (made !== installedPgliteVersion()) return undefined;
    return new Blob([await readFile(files.image)]);
  } catch {
    return undefined; // unreadable: initdb is slower, never wrong
  }
}

/** A data directory PGlite has not initialised yet (memory:// always is new). */
export function isNewDataDir(dir: string | null): boolean {
  return dir === null || !existsSync(join(dir, 'PG_VERSION'));
}

/** The installed @electric-sql/pglite's version (its package.json is not in its exports). */
export function installedPgliteVersion(): string | undefined {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = createRequire(import.meta.url)(manifest) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite') return pkg.version;
    }
  } catch {
    // not installed: the embedded store fails elsewhere, naming the package
  }
  return undefined;
}
