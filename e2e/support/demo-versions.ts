import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TandemServer } from '@tandem/testing/playwright';
import { demoServerOptions } from './server-process.ts';

const DEMO = fileURLToPath(new URL('../../apps/demo/', import.meta.url));
const DEMO_DIST = path.join(DEMO, 'dist');
const DEMO_SCHEMA = path.join(DEMO, 'src', 'schema.ts');
/** The fixtures of later versions (e2e/fixtures/demo-v2). */
export const DEMO_V2 = fileURLToPath(new URL('../fixtures/demo-v2/', import.meta.url));
/**
 * Builds live under the fixture's `dist/` (git-ignored), not in the system temp dir: the server module
 * keeps `@tandem/*` external, and Node finds those only from a folder inside this repository.
 */
const BUILDS = path.join(DEMO_V2, 'dist');

/** A deployable version of the demo: a served root (the app, its actions.js) and the server's app module. */
export interface DemoBuild {
  name: string;
  /** What the server serves (TANDEM_DEMO_ROOT): apps/demo/dist with this version's actions.js. */
  root: string;
  /** The server's SCHEMA_SQL, actions and migrations (TANDEM_DEMO_APP). */
  serverApp: string;
  /** Removes the build. */
  dispose(): void;
}

export interface BuildOptions {
  /** Shown in the folder name. */
  name: string;
  /** The actions module (default export, `migrations`), bundled as the demo's own is. */
  actions: string;
  /** The module exporting the server's SCHEMA_SQL (default: the demo's). */
  schema?: string;
  /** Put this SQL comment in front of the base schema the page gives its worker (a cosmetic edit). */
  schemaComment?: string;
}

interface DemoBuildModule {
  buildActionsModule(options: { entry: string; outfile: string }): Promise<void>;
  buildServerApp(options: { schema: string; actions: string; outfile: string }): Promise<void>;
}

/** Builds another version exactly as apps/demo/build.mjs builds the demo (its own esbuild steps). */
export async function buildDemoVersion({ name, actions, schema = DEMO_SCHEMA, schemaComment }: BuildOptions): Promise<DemoBuild> {
  if (!existsSync(path.join(DEMO_DIST, 'index.html'))) throw new Error(`${DEMO_DIST} is missing: build the demo first (\`npm run build\` at the repo root).`);
  const build = (await import(pathToFileURL(path.join(DEMO, 'build.mjs')).href)) as DemoBuildModule;
  const dir = path.join(BUILDS, `${name}-${randomBytes(4).toString('hex')}`);
  const root = path.join(dir, 'root');
  const serverApp = path.join(dir, 'dist-server', 'app.mjs');
  mkdirSync(dir, { recursive: true });
  try {
    cpSync(DEMO_DIST, root, { recursive: true });
    await build.buildActionsModule({ entry: actions, outfile: path.join(root, 'actions.js') });
    await build.buildServerApp({ schema, actions, outfile: serverApp });
    if (schemaComment !== undefined) commentBaseSchema(root, schemaComment);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { name, root, serverApp, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

const SCHEMA_START = 'CREATE TABLE IF NOT EXISTS todos (';

/** Edits the built page's schema text (in the app's JS) as a developer adding a comment would. */
function commentBaseSchema(root: string, comment: string): void {
  if (comment.includes('\n') || comment.includes('`') || comment.includes('${')) throw new Error('schemaComment must be one line without backquotes or ${');
  // Vite's assets, named by their content and so served as immutable (apps/demo/build.mjs).
  const assets = path.join(root, 'immutable');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js') && readFileSync(path.join(assets, f), 'utf8').includes(SCHEMA_START));
  if (files.length !== 1) throw new Error(`expected the base schema in one built asset of ${assets}, found it in ${files.length}`);
  const name = files[0]!;
  // The schema is a template literal there (newlines kept), so a `--` comment line is valid SQL in it.
  const edited = readFileSync(path.join(assets, name), 'utf8').replace(SCHEMA_START, `-- ${comment}\n${SCHEMA_START}`);
  // New content, new name, as a real build gives it: a browser that cached the old file for good
  // must not keep running it.
  const renamed = name.replace(/\.js$/, '.commented.js');
  rmSync(path.join(assets, name));
  writeFileSync(path.join(assets, renamed), edited);
  const page = path.join(root, 'index.html');
  const html = readFileSync(page, 'utf8');
  if (!html.includes(`/immutable/${name}`)) throw new Error(`index.html does not load immutable/${name}`);
  writeFileSync(page, html.replace(`/immutable/${name}`, `/immutable/${renamed}`));
}

/**
 * The demo's server as a process that can be redeployed: `deploy(build)` stops it and starts it
 * again on the same port and data with another version (null: the demo's own build).
 */
export interface DeployableServer {
  server: TandemServer;
  deployed: DemoBuild | null;
  deploy(build: DemoBuild | null): Promise<void>;
}

export async function startDeployableServer(env: Record<string, string>, build: DemoBuild | null = null): Promise<DeployableServer> {
  let current = build;
  const server = await TandemServer.start({
    ...demoServerOptions(),
    // Read at every start, so a restart picks up the deployed version. Empty = serve.mjs's defaults.
    env: (slot) => ({
      PORT: String(slot.port),
      DATA_DIR: slot.dataDir,
      ...env,
      TANDEM_DEMO_ROOT: current?.root ?? '',
      TANDEM_DEMO_APP: current?.serverApp ?? '',
    }),
  });
  return {
    server,
    get deployed() {
      return current;
    },
    async deploy(next) {
      await server.stop();
      current = next;
      await server.start();
    },
  };
}
