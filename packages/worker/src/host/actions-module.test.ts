import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionsModuleLoader } from './actions-module.ts';

// Node's fetch has no file: URLs: the loader's fetch reads the file, as a server would serve it.
const fileFetch = (async (url: string | URL | Request) => {
  try {
    return new Response(await readFile(new URL(String(url)), 'utf8'));
  } catch {
    return new Response('not found', { status: 404 });
  }
}) as typeof fetch;

const module = (label: string, migrations = 0) => `
export default { add: { args: { '~standard': { version: 1, vendor: 't', validate: (v) => ({ value: v }) } }, run: async () => ${JSON.stringify(label)} } };
export const migrations = ${JSON.stringify(Array.from({ length: migrations }, (_, i) => ({ name: `m${i + 1}`, sql: `create index i${i} on todos (id)` })))};
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-actions-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ActionsModuleLoader', () => {
  it('sees new code deployed at the same URL: a new digest, imported fresh', async () => {
    const file = join(dir, 'actions.js');
    const url = pathToFileURL(file).href;
    const loader = new ActionsModuleLoader({ fetch: fileFetch });
    await writeFile(file, module('v1'));
    const v1 = await loader.load(url);
    await writeFile(file, module('v2', 2));
    const v2 = await loader.load(url);
    expect(v2.digest).not.toBe(v1.digest);
    expect([v1.schemaVersion, v2.schemaVersion]).toEqual([0, 2]);
    const run = (l: typeof v1) => (l.module.actions.add!.run as () => Promise<string>)();
    expect(await run(v1)).toBe('v1');
    expect(await run(v2)).toBe('v2');
    // The same text again is the same digest and the same module.
    const again = await loader.load(url);
    expect(again.digest).toBe(v2.digest);
    expect(again.module.actions.add!.run).toBe(v2.module.actions.add!.run);
  });

  it('a comment is new code (the text is what is hashed)', async () => {
    const file = join(dir, 'actions.js');
    const loader = new ActionsModuleLoader({ fetch: fileFetch });
    await writeFile(file, module('v1'));
    const a = await loader.load(pathToFileURL(file).href);
    await writeFile(file, `${module('v1')}\n// rebuilt`);
    const b = await loader.load(pathToFileURL(file).href);
    expect(b.digest).not.toBe(a.digest);
  });

  it('falls back to a digest of the definitions when the text cannot be fetched', async () => {
    const file = join(dir, 'actions.js');
    await writeFile(file, module('v1'));
    const unreachable = (async () => new Response('', { status: 503 })) as unknown as typeof fetch;
    const loaded = await new ActionsModuleLoader({ fetch: unreachable }).load(pathToFileURL(file).href);
    expect(loaded.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(loaded.schemaVersion).toBe(0);
  });

  it('refuses a module without actions or with bad migrations, saying which', async () => {
    const loader = new ActionsModuleLoader({ fetch: fileFetch });
    const none = join(dir, 'none.js');
    await writeFile(none, 'export const x = 1;');
    await expect(loader.load(pathToFileURL(none).href)).rejects.toMatchObject({ kind: 'actions_module_error', message: expect.stringContaining('no default export') });
    const bad = join(dir, 'bad.js');
    await writeFile(bad, `${module('v1').replace(/export const migrations = .*/, "export const migrations = [{ name: 'a', sql: 'x' }, { name: 'a', sql: 'y' }];")}`);
    await expect(loader.load(pathToFileURL(bad).href)).rejects.toMatchObject({ kind: 'schema_error', message: expect.stringContaining('used twice') });
    const missing = pathToFileURL(join(dir, 'missing.js')).href;
    await expect(loader.load(missing)).rejects.toMatchObject({ kind: 'actions_module_error', message: expect.stringContaining(missing) });
  });
});
