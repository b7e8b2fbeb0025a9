// The prebuilt bundle (dist/bundle, from `npm run build`) names everything but its entries by
// content, so a server can cache those files for good: checked on the built files themselves.
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMMUTABLE_DIR, contentHashedName, plainName } from './cli/bundle-names.mjs';

const bundle = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist/bundle');
const ENGINE_FILES = ['pglite.wasm', 'pglite.data', 'initdb.wasm', 'sqlite3.wasm', 'tandem-empty-pglite.tar'];

describe('content-hashed names', () => {
  it('change with the content and map back to the plain name', () => {
    const a = contentHashedName('pglite.wasm', Buffer.from('one'));
    const b = contentHashedName('pglite.wasm', Buffer.from('two'));
    expect(a).toMatch(/^pglite-[0-9a-f]{16}\.wasm$/);
    expect(b).not.toBe(a);
    expect(contentHashedName('pglite.wasm', Buffer.from('one'))).toBe(a);
    expect(plainName(a)).toBe('pglite.wasm');
    expect(plainName(contentHashedName('tandem-empty-pglite.tar', Buffer.from('x')))).toBe('tandem-empty-pglite.tar');
    expect(plainName('tandem-worker.js')).toBe('tandem-worker.js');
  });
});

describe('the built bundle', () => {
  it('keeps only the entries at its top; everything else is in immutable/, named by its content', async () => {
    const top = (await readdir(bundle)).sort();
    expect(top).toEqual([IMMUTABLE_DIR, 'tandem-client.d.ts', 'tandem-client.js', 'tandem-client.js.map', 'tandem-worker.js', 'tandem-worker.js.map']);
    const hashed = await readdir(join(bundle, IMMUTABLE_DIR));
    for (const name of hashed) {
      if (/\.js(\.map)?$/.test(name)) {
        // esbuild's chunks: [name]-[hash], its hash of the chunk's content.
        expect(name).toMatch(/^[\w-]+-[A-Z0-9]{8}\.js(\.map)?$/);
      } else {
        // The engines' files and the empty image: the name is the hash of the bytes.
        expect(name).toBe(contentHashedName(plainName(name), await readFile(join(bundle, IMMUTABLE_DIR, name))));
      }
    }
    expect(hashed.map(plainName).filter((name) => ENGINE_FILES.includes(name)).sort()).toEqual([...ENGINE_FILES].sort());
  });

  it('has the entry load its chunks and assets under those names', async () => {
    const hashed = await readdir(join(bundle, IMMUTABLE_DIR));
    const entry = await readFile(join(bundle, 'tandem-worker.js'), 'utf8');
    const chunks = [...entry.matchAll(/["'`]\.\/immutable\/([\w.-]+\.js)["'`]/g)].map((m) => m[1]);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(hashed).toContain(chunk);
    // The hashed names of the engines' files are compiled into a chunk (esbuild `define`).
    const code = (await Promise.all(hashed.filter((f) => f.endsWith('.js')).map((f) => readFile(join(bundle, IMMUTABLE_DIR, f), 'utf8')))).join('\n');
    for (const name of hashed.filter((f) => ENGINE_FILES.includes(plainName(f)))) expect(code).toContain(JSON.stringify(name));
  });
});
