import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '../support/test.ts';

/**
 * Follows the "Plain static page" walkthrough of packages/worker/README.md literally, from an empty
 * folder: the blocks marked `<!-- guide:plain-page … -->`, in order, files written and commands run
 * verbatim, so the guide cannot drift from what works.
 *
 * One substitution, because our packages are not published: `npm install @tandem/worker
 * @tandem/client` installs tarballs of the built workspace packages (`npm pack`), @tandem/core in
 * the same install so the others' dependency on it resolves to ours, not to the registry.
 * And the server command gets `--port 0` (any free port; the test reads the URL it prints).
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));
const README = join(repo, 'packages/worker/README.md');
const INSTALL = 'npm install @tandem/worker @tandem/client';
const PACKAGES = ['core', 'client', 'worker'];
/** What `npm test` builds first; without it the tarballs would miss their dist/. */
const BUILT = ['packages/core/dist/index.js', 'packages/client/dist/index.js', 'packages/worker/dist/bundle/tandem-worker.js', 'packages/worker/dist/bundle/tandem-client.js'];

type Step = { kind: 'run'; commands: string[] } | { kind: 'serve'; command: string } | { kind: 'file'; name: string; text: string };

/** The marked blocks of one guide, in order: `<!-- guide:NAME run|serve|file=PATH -->` then a fenced block. */
function guideSteps(markdown: string, guide: string): Step[] {
  const steps: Step[] = [];
  for (const m of markdown.matchAll(/<!-- guide:([\w-]+) (run|serve|file=\S+) -->\r?\n```[^\n]*\n([\s\S]*?)\r?\n```/g)) {
    const [, name, what = '', body = ''] = m;
    if (name !== guide) continue;
    if (what.startsWith('file=')) steps.push({ kind: 'file', name: what.slice('file='.length), text: `${body}\n` });
    else {
      const commands = body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
      if (what === 'run') steps.push({ kind: 'run', commands });
      else {
        expect(commands, 'a guide:…serve block holds exactly one command').toHaveLength(1);
        steps.push({ kind: 'serve', command: commands[0]! });
      }
    }
  }
  return steps;
}

/**
 * The environment of a newcomer's shell: none of the npm variables that `npm test`/`npx` set for
 * us (npm_config_local_prefix would make npm in the temp folder act on this repo) and none of the
 * repo's node_modules/.bin (the guide's `npx tandem-worker` must find the installed copy).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_config_(local_prefix|workspaces?|include_workspace_root)|npm_package_|npm_lifecycle_|npm_command$|init_cwd$)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules')).join(delimiter);
  return env;
}

/** Runs a shell command line to completion; rejects with its output on failure or after `timeoutMs`. */
function run(command: string, cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills npm's children too.
    const child = spawn(command, { cwd, shell: true, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`\`${command}\` did not finish within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`\`${command}\` exited with ${code ?? signal} in ${cwd}:\n${output}`));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Starts a long-running command; resolves with the first http://localhost URL it prints. */
async function startServer(command: string, cwd: string): Promise<{ url: string; child: ChildProcess }> {
  // npx → sh → node: only a group kill stops the server itself.
  const child = spawn(command, { cwd, shell: true, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`\`${command}\` printed no URL within 20 s:\n${output}`)), 20_000);
    const onData = (c: Buffer) => {
      output += c.toString();
      const found = /http:\/\/localhost:\d+\//.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`\`${command}\` exited with ${code} before printing a URL:\n${output}`));
    });
  }).catch((error: unknown) => {
    killGroup(child);
    throw error;
  });
  return { url, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child);
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

test('the plain-page install guide works when followed literally', async ({ page }) => {
  // npm install fetches PGlite and friends when npm's cache lacks them: bounded, not tight.
  test.setTimeout(180_000);
  const missing = BUILT.filter((f) => !existsSync(join(repo, f)));
  expect(missing, 'build the packages first (npx turbo run build; npm test does)').toEqual([]);

  const steps = guideSteps(await readFile(README, 'utf8'), 'plain-page');
  expect(steps.map((s) => s.kind)).toEqual(['run', 'file', 'file', 'serve']);
  expect(steps.flatMap((s) => (s.kind === 'run' ? s.commands : [])), 'the guide installs the packages with the line this test substitutes').toContain(INSTALL);

  const temp = await mkdtemp(join(tmpdir(), 'tandem-install-guide-'));
  // A folder name npm init accepts as a package name (mkdtemp's suffix has capitals).
  const app = join(temp, 'my-notes');
  const packs = join(temp, 'packs');
  await mkdir(app);
  await mkdir(packs);
  let server: { url: string; child: ChildProcess } | null = null;
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));

  try {
    await test.step('npm pack core, client, worker', async () => {
      for (const name of PACKAGES) await run(`npm pack --pack-destination "${packs}"`, join(repo, 'packages', name), 60_000);
    });
    const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz')).map((f) => `"${join(packs, f)}"`);
    expect(tarballs).toHaveLength(PACKAGES.length);

    for (const step of steps) {
      if (step.kind === 'file') {
        await writeFile(join(app, step.name), step.text);
      } else if (step.kind === 'run') {
        for (const command of step.commands) {
          await test.step(command, async () => {
            if (command === INSTALL) {
              await run(`npm install ${tarballs.join(' ')} --prefer-offline --no-audit --no-fund`, app, 120_000);
            } else {
              const output = await run(command, app, 30_000);
              // copy-assets tells a newcomer what they got and what to do next.
              if (command.startsWith('npx tandem-worker copy-assets')) expect(output).toMatch(/tandem-worker\.js[\s\S]*tandem-client\.js[\s\S]*Next:/);
            }
          });
        }
      } else {
        server = await startServer(`${step.command} --port 0`, app);
      }
    }

    // Ours, not anything of the same name on the registry.
    const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    for (const name of PACKAGES) expect(lock.packages[`node_modules/@tandem/${name}`]?.resolved, `@tandem/${name}`).toMatch(/^file:.*\.tgz$/);
    expect(server, 'the guide starts a server').not.toBeNull();
    const { url } = server!;

    const add = page.getByRole('button', { name: 'Add' });
    // One snapshot of what the page shows, so a failure prints the page's error and console too.
    const shown = async () => ({
      ready: await add.isEnabled({ timeout: 1_000 }),
      notes: await page.getByRole('listitem').allTextContents(),
      alert: ((await page.getByRole('alert').textContent({ timeout: 1_000 })) ?? '').trim(),
      errors: [...errors],
    });

    await page.goto(url);
    // The first open starts the worker and the engine: slower than the rest.
    await expect.poll(shown, { timeout: 30_000 }).toEqual({ ready: true, notes: [], alert: '', errors: [] });

    // The hand-written Standard Schema rejects an empty note; the page shows why; nothing is written.
    await add.click();
    await expect.poll(shown).toEqual({ ready: true, notes: [], alert: expect.stringContaining('Invalid arguments'), errors: [] });

    await page.getByRole('textbox').fill('milk');
    await add.click();
    await expect.poll(shown).toEqual({ ready: true, notes: ['milk'], alert: '', errors: [] });

    await page.reload();
    await expect.poll(shown, { message: 'the note persisted across a reload', timeout: 30_000 }).toEqual({ ready: true, notes: ['milk'], alert: '', errors: [] });
  } finally {
    if (server) await stopServer(server.child);
    await rm(temp, { recursive: true, force: true });
  }
});
