import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// A plain Node script without type declarations: its answer is typed where it is used.
import { checkImports } from './check-imports.mjs';

const roots: string[] = [];

/** A repo with the given files (paths under packages/). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-imports-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, 'packages', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return root;
}

const problems = (root: string): string[] => (checkImports(root) as { problems: string[] }).problems;

describe('check-imports', () => {
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('passes a tree whose imports go one way', () => {
    const root = tree({
      'worker/src/engine/engine.ts': 'export type Engine = { name: string };\n',
      'worker/src/actions/ledger.ts': "import type { Engine } from '../engine/engine.ts';\nexport const use = (e: Engine) => e;\n",
      'worker/src/actions/ledger.test.ts': "import { use } from './ledger.ts';\nimport { fixture } from '../test-support/fixture.ts';\nuse(fixture);\n",
      'worker/src/test-support/fixture.ts': "import type { Engine } from '../engine/engine.ts';\nexport const fixture: Engine = { name: 'x' };\n",
      'worker/src/index.ts': "export * from './actions/ledger.ts';\n",
      'worker/src/bundle/entry.ts': "import '../index.ts';\n",
    });
    expect(problems(root)).toEqual([]);
  });

  it('reports an import against the worker layer order', () => {
    const root = tree({
      'worker/src/engine/engine.ts': "import { loop } from '../sync/loop.ts';\nexport const e = loop;\n",
      'worker/src/sync/loop.ts': 'export const loop = 1;\n',
    });
    expect(problems(root)).toEqual(['layer back-edge in packages/worker/src: packages/worker/src/engine/engine.ts (engine) imports packages/worker/src/sync/loop.ts (sync)']);
  });

  it('reports a cycle made by a multi-line import, as a file cycle', () => {
    const root = tree({
      'worker/src/sync/a.ts': "import {\n  b,\n  // a comment: import x from './nowhere.ts'\n} from './b.ts';\nexport const a = () => b;\n",
      'worker/src/sync/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    expect(problems(root)).toEqual(['file cycle: packages/worker/src/sync/a.ts → packages/worker/src/sync/b.ts → packages/worker/src/sync/a.ts']);
  });

  it('reports a type-only cycle, and the folder cycle it makes', () => {
    const root = tree({
      'client/src/x/open.ts': "import type { Registry } from '../y/registry.ts';\nexport interface Open { r: Registry }\n",
      'client/src/y/registry.ts': "export type { Open as Registry } from '../x/open.ts';\n",
    });
    expect(problems(root)).toEqual(['file cycle: packages/client/src/x/open.ts → packages/client/src/y/registry.ts → packages/client/src/x/open.ts', 'folder cycle in packages/client/src: x → y → x']);
  });

  it('reports a folder cycle without a file cycle, and a dynamic import', () => {
    const root = tree({
      'server/src/http/app.ts': "export const app = () => import('../sync/store.ts');\n",
      'server/src/http/auth.ts': 'export const auth = 1;\n',
      'server/src/sync/store.ts': "import { auth } from '../http/auth.ts';\nexport const store = auth;\n",
    });
    expect(problems(root)).toEqual(['folder cycle in packages/server/src: http → sync → http']);
  });

  it('lets only tests import test-support, and names a worker folder in no layer', () => {
    const root = tree({
      'worker/src/test-support/fixture.ts': 'export const fixture = 1;\n',
      'worker/src/live/registry.ts': "import { fixture } from '../test-support/fixture.ts';\nexport const r = fixture;\n",
      'worker/src/extra/thing.ts': 'export const thing = 1;\n',
    });
    expect(problems(root)).toEqual([
      'layer back-edge in packages/worker/src: packages/worker/src/live/registry.ts (live) imports packages/worker/src/test-support/fixture.ts (test-support)',
      'packages/worker/src/extra/ is in no layer: add it to WORKER_LAYERS in scripts/check-imports.mjs',
    ]);
  });
});
