import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgliteDriver } from './pglite-driver.ts';
import { installedPgliteVersion, isNewDataDir, pgliteEmptyImage, SHIPPED_IMAGE } from './pglite-empty-image.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-image-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the embedded store starts a new database from the shipped image', () => {
  it('is built with the package (npm run build), for the PGlite installed here', async () => {
    expect(existsSync(SHIPPED_IMAGE.image), `${SHIPPED_IMAGE.image}: run npm run build`).toBe(true);
    expect(installedPgliteVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await pgliteEmptyImage()).toBeInstanceOf(Blob);
  });

  it('a new directory starts from it, is initialised on disk, and reopens with its data', async () => {
    const dir = join(await tempDir(), 'data');
    expect(isNewDataDir(dir)).toBe(true);
    const first = await createPgliteDriver({ dataDir: dir, searchPath: 'app' });
    expect(isNewDataDir(dir)).toBe(false);
    await first.exec('create table kept (id text primary key)');
    await first.transaction((tx) => tx.query(`insert into kept values ('a')`));
    expect(await first.query(`select current_setting('server_encoding') as encoding`)).toEqual([{ encoding: 'UTF8' }]);
    await first.close();
    const second = await createPgliteDriver({ dataDir: dir, searchPath: 'app' });
    expect(await second.query('select id from kept')).toEqual([{ id: 'a' }]);
    await second.close();
  }, 60_000);

  it('an image made by another PGlite version, or without its manifest, is not used', async () => {
    const dir = await tempDir();
    const files = { image: join(dir, 'image.tar.gz'), manifest: join(dir, 'image.json') };
    await writeFile(files.image, 'not read');
    expect(await pgliteEmptyImage(files)).toBeUndefined();
    await writeFile(files.manifest, JSON.stringify({ pglite: '0.0.1' }));
    expect(await pgliteEmptyImage(files)).toBeUndefined();
    await writeFile(files.manifest, JSON.stringify({ pglite: installedPgliteVersion() }));
    expect(await pgliteEmptyImage(files)).toBeInstanceOf(Blob);
  });

  it('memory:// is always new', () => {
    expect(isNewDataDir(null)).toBe(true);
  });
});
