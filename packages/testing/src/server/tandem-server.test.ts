import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TandemServer } from './tandem-server.ts';

// A stand-in for an app's server: answers with its pid and a counter kept in DATA_DIR, so the tests
// can tell a restart (same data, new pid) from a fresh server.
const APP = `
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const file = join(process.env.DATA_DIR, 'starts');
let starts = 0;
try { starts = Number(readFileSync(file, 'utf8')); } catch {}
writeFileSync(file, String(starts + 1));
console.log('app listening on', process.env.PORT);
createServer((req, res) => res.end(JSON.stringify({ pid: process.pid, starts: starts + 1, url: req.url }))).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** Running, not a zombie: an orphan's parent here may never reap it, and kill(pid, 0) still succeeds then. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('TandemServer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-testing-'));
    await writeFile(join(dir, 'app.mjs'), APP);
    await writeFile(join(dir, 'exits.mjs'), `console.error('boom: no database'); process.exit(3);`);
    await writeFile(join(dir, 'wrong-port.mjs'), `import { createServer } from 'node:http'; createServer((q, s) => s.end()).listen(0);`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const info = (server: TandemServer) => fetch(`${server.url}/x`).then((r) => r.json() as Promise<{ pid: number; starts: number }>);
  const refused = (server: TandemServer) => fetch(server.url).then(() => 'answered', (e: { cause?: { code?: string } }) => e.cause?.code ?? 'failed');

  it('starts the command with PORT and DATA_DIR, stops it, and restarts it on the same URL and data', async () => {
    // `; true` keeps a shell between us and node: stopping must reach node too.
    const server = await TandemServer.start({ command: 'node app.mjs; true', cwd: dir });
    try {
      const first = await info(server);
      expect(first.starts).toBe(1);
      expect(server.output.join('\n')).toContain('app listening on');
      const url = server.url;

      await server.stop();
      expect(server.running).toBe(false);
      expect(alive(first.pid)).toBe(false);
      expect(await refused(server)).toBe('ECONNREFUSED');

      await server.start();
      const second = await info(server);
      expect(server.url).toBe(url);
      expect(second.pid).not.toBe(first.pid);
      expect(second.starts).toBe(2);

      await server.restart({ crash: true });
      expect((await info(server)).starts).toBe(3);
    } finally {
      await server.dispose();
    }
    await expect(stat(server.dataDir)).rejects.toThrow();
  });

  it('refuses connections while the process keeps running, then accepts again', async () => {
    const server = await TandemServer.start({ command: 'node app.mjs', cwd: dir });
    try {
      const before = await info(server);
      await server.refuse();
      expect(server.running).toBe(true);
      expect(server.reachable).toBe(false);
      expect(await refused(server)).toBe('ECONNREFUSED');
      expect(alive(before.pid)).toBe(true);
      await server.accept();
      expect((await info(server)).pid).toBe(before.pid);
    } finally {
      await server.dispose();
    }
  });

  it('builds the environment with a function when the app uses other names', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tandem-testing-data-'));
    const server = await TandemServer.start({
      command: 'PORT=$APP_PORT DATA_DIR=$APP_DATA node app.mjs',
      cwd: dir,
      dataDir,
      env: ({ port, dataDir }) => ({ APP_PORT: String(port), APP_DATA: dataDir }),
    });
    try {
      expect((await info(server)).starts).toBe(1);
    } finally {
      await server.dispose();
    }
    // A data directory the test passed in is the test's: dispose leaves it.
    expect(await readFile(join(dataDir, 'starts'), 'utf8')).toBe('1');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reports a server that exits during start-up, with its output', async () => {
    await expect(TandemServer.start({ command: 'node exits.mjs', cwd: dir })).rejects.toThrow(/exited during start-up[\s\S]*boom: no database/);
  });

  it('reports a server that never listens on the given port', async () => {
    await expect(TandemServer.start({ command: 'node wrong-port.mjs', cwd: dir, startTimeoutMs: 1_000 })).rejects.toThrow(
      /not ready within 1000 ms: nothing listened on port \d+ \(does it read the port from the environment\?\)/,
    );
  });

  it('refuses a missing command with a clear error', async () => {
    await expect(TandemServer.start({} as never)).rejects.toThrow(/TandemServer needs `command`/);
  });

  it('says so when accept() is called on a stopped server', async () => {
    const server = await TandemServer.start({ command: 'node app.mjs', cwd: dir });
    try {
      await server.stop();
      await expect(server.accept()).rejects.toThrow(/call start\(\), not accept\(\)/);
    } finally {
      await server.dispose();
    }
  });
});
